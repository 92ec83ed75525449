"""The raw-data generator: Freddie Mac-format loans, company statements, macro and ground truth.

``generate(config, settings)`` writes everything under ``settings.raw_dir``; see
``docs/data.md`` for the formats and the model behind the numbers. ``generate`` is imported
on first use so that ``creditrisk --help`` does not pay for pandas and pyarrow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from creditrisk.datagen.config import GeneratorConfig

if TYPE_CHECKING:
    from creditrisk.datagen.runner import GenerationSummary, generate

__all__ = ["GenerationSummary", "GeneratorConfig", "generate"]


def __getattr__(name: str) -> Any:
    if name in ("generate", "GenerationSummary"):
        import importlib

        return getattr(importlib.import_module("creditrisk.datagen.runner"), name)
    raise AttributeError(name)
