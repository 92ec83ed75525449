"""Schemathesis fuzzes every operation of the real app over its own OpenAPI schema.

The app is the real one (real Feast online store, real MLflow models) on a copy of the serving
world's data dir, so what the fuzzer pushes or reloads never reaches the other tests. Each
operation is driven with schema-conforming (positive) and schema-violating (negative) inputs,
once without a key, once with a scoring key and once with a key holding every scope, and every
answer is checked: no 5xx, status code, content type, headers and body as documented, and a
4xx that says why. How many cases ran is printed at the end of the run (``conftest.py``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode
from schemathesis.python import asgi
from serving_world import ServingWorld, copy_world

from creditrisk.settings import Settings
from serving.auth import mint_api_key
from serving.main import create_app
from serving.model_holder import ModelHolder

#: Examples per operation, per generation mode and per principal.
EXAMPLES = 30
#: Cases run, by principal (read by ``conftest.pytest_terminal_summary``).
FUZZ_CASES: Counter[str] = Counter()


@dataclass
class FuzzTarget:
    settings: Settings
    holder: ModelHolder
    keys: dict[str, dict[str, str]]


@pytest.fixture(scope="session")
def fuzz_target(world: ServingWorld, tmp_path_factory: pytest.TempPathFactory) -> FuzzTarget:
    """The world's data dir copied (minus its log), keys for each principal, models loaded once."""
    scoring, scoring_entry = mint_api_key()
    full, full_entry = mint_api_key()
    settings_ = copy_world(
        world,
        tmp_path_factory.mktemp("fuzz") / "data",
        api_keys=f"{scoring_entry},{full_entry}:admin:push",
        rate_limit_per_second=0.0,  # limits have their own tests; here they would only hide bugs
    )
    holder = ModelHolder(settings_)
    holder.load()
    assert not holder.errors, holder.errors
    keys = {"no key": {}, "scoring key": {"X-API-Key": scoring}, "every scope": {"X-API-Key": full}}
    return FuzzTarget(settings_, holder, keys)


def a_4xx_says_why(ctx: object, response: schemathesis.Response, case: schemathesis.Case) -> bool | None:
    """Every client error carries a non-empty reason in ``detail``."""
    if 400 <= response.status_code < 500:
        body = response.json()
        assert isinstance(body, dict) and body.get("detail"), f"{response.status_code} without a reason"
    return None


@pytest.mark.parametrize("principal", ["no key", "scoring key", "every scope"])
def test_every_operation_survives_fuzzing(fuzz_target: FuzzTarget, principal: str) -> None:
    headers = fuzz_target.keys[principal]
    app = create_app(fuzz_target.settings, models=fuzz_target.holder)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    try:
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                try:
                    _fuzz(operation, mode, headers, principal)
                except Unsatisfiable:
                    assert mode is GenerationMode.NEGATIVE, operation.label  # nothing to violate
                except (AssertionError, BaseExceptionGroup) as exc:
                    failures.append(f"{operation.label} [{mode.value}, {principal}]:\n{exc}")
    finally:
        asgi.shutdown_lifespans()  # stops the app's log writer
    assert len(operations) >= 6, [op.label for op in operations]
    assert not failures, "\n\n".join(failures)


def _fuzz(operation: schemathesis.APIOperation, mode: GenerationMode, headers: dict, principal: str) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        FUZZ_CASES[principal] += 1
        case.call_and_validate(headers=headers, additional_checks=[a_4xx_says_why])

    run()
