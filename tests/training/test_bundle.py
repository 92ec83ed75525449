"""A bundle that is tampered with, truncated, sealed with another key or replayed is refused before
anything in it is unpickled.

The bundles here carry a tripwire instead of a model: a pickle that creates a marker file when it
is loaded. The first test shows the tripwire fires when unpickled; the others show that refusing a
bad bundle never fires it, and that MLflow's loader (which unpickles) is never reached.
"""

from __future__ import annotations

import io
import json
import pickle
import tarfile
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from creditrisk.settings import Settings
from training.bundle import HIGH_WATER_FILE, BundleError, load_bundle, open_bundle, seal

KEY = "correct horse battery staple"


class Tripwire:
    """Unpickling this touches ``marker``: proof that something was unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.marker,))


def _bundle(tmp_path: Path, version: int, marker: Path, key: str = KEY) -> Path:
    buffer = io.BytesIO()
    files = {
        "model/python_model.pkl": pickle.dumps(Tripwire(marker)),
        "model/MLmodel": b"flavors: {}\n",
        "bundle.json": json.dumps({"model_name": "loan_default", "version": version}).encode(),
    }
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path = tmp_path / f"loan_default-v{version}.bundle"
    path.write_bytes(seal(buffer.getvalue(), key))
    return path


@pytest.fixture
def bundle_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", bundle_key=SecretStr(KEY))


@pytest.fixture
def mlflow_loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Calls that reached MLflow's loader (where unpickling happens); answers a stand-in model."""
    import mlflow.pyfunc

    calls: list[str] = []

    class Loaded:
        def unwrap_python_model(self) -> str:
            return "model"

    def load_model(uri: str) -> Loaded:
        calls.append(uri)
        return Loaded()

    monkeypatch.setattr(mlflow.pyfunc, "load_model", load_model)
    return calls


def _refused(path: Path, settings: Settings, marker: Path, calls: list[str], match: str) -> None:
    with pytest.raises(BundleError, match=match):
        load_bundle(path, settings)
    assert calls == [], "MLflow's loader was reached"
    assert not marker.exists(), "something was unpickled"


def test_an_intact_bundle_extracts_without_unpickling_and_the_tripwire_works(
    tmp_path: Path, bundle_settings: Settings
) -> None:
    marker = tmp_path / "unpickled"
    dest = tmp_path / "out"
    manifest = open_bundle(_bundle(tmp_path, 1, marker), dest, bundle_settings)
    assert manifest["version"] == 1 and not marker.exists()
    pickle.loads((dest / "model" / "python_model.pkl").read_bytes())
    assert marker.exists()


def test_a_tampered_bundle_is_refused(
    tmp_path: Path, bundle_settings: Settings, mlflow_loads: list[str]
) -> None:
    marker = tmp_path / "unpickled"
    path = _bundle(tmp_path, 1, marker)
    for offset in (9, 30, len(path.read_bytes()) // 2, -1):  # version, salt, ciphertext, tag
        blob = bytearray(path.read_bytes())
        blob[offset] ^= 0x01
        tampered = tmp_path / "tampered.bundle"
        tampered.write_bytes(bytes(blob))
        _refused(tampered, bundle_settings, marker, mlflow_loads, "authentication failed|unsupported")


def test_a_truncated_bundle_is_refused(
    tmp_path: Path, bundle_settings: Settings, mlflow_loads: list[str]
) -> None:
    marker = tmp_path / "unpickled"
    blob = _bundle(tmp_path, 1, marker).read_bytes()
    for size in (0, 8, 40, len(blob) // 2, len(blob) - 1):
        truncated = tmp_path / "truncated.bundle"
        truncated.write_bytes(blob[:size])
        _refused(truncated, bundle_settings, marker, mlflow_loads, "bad header|authentication failed")


def test_a_bundle_sealed_with_another_key_is_refused(
    tmp_path: Path, bundle_settings: Settings, mlflow_loads: list[str]
) -> None:
    marker = tmp_path / "unpickled"
    other = _bundle(tmp_path, 1, marker, key="another key")
    _refused(other, bundle_settings, marker, mlflow_loads, "wrong CREDITRISK_BUNDLE_KEY")


def test_a_replayed_older_bundle_is_refused(
    tmp_path: Path, bundle_settings: Settings, mlflow_loads: list[str]
) -> None:
    marker = tmp_path / "unpickled"
    old, new = _bundle(tmp_path, 1, marker), _bundle(tmp_path, 2, marker)
    assert load_bundle(new, bundle_settings) == "model"
    assert load_bundle(new, bundle_settings) == "model"  # the same version again is no replay
    mlflow_loads.clear()
    _refused(old, bundle_settings, marker, mlflow_loads, "older than v2")
    # a deliberate rollback: the operator removes the model's entry
    (bundle_settings.models_dir / HIGH_WATER_FILE).write_text("{}")
    assert load_bundle(old, bundle_settings) == "model"
