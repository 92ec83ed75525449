"""Encrypted, authenticated model bundles: a registered model as one file that only the key holder can load.

Format (version 1)::

    b"CRBUNDLE" | version (1 byte) | salt (16 bytes) | nonce (12 bytes) | AES-256-GCM(ciphertext + tag)

The key is derived from ``CREDITRISK_BUNDLE_KEY`` with scrypt and the per-bundle salt; the header is
authenticated as associated data. The plaintext is a gzip'd tar of the MLflow model folder plus a
``bundle.json`` manifest. Decryption verifies the GCM tag **before** anything is extracted, let alone
unpickled: a wrong key, a truncated file or a single flipped bit fails with :class:`BundleError` and
nothing is read. An authentic bundle older than one already loaded (a replay) is refused from its
manifest, also before the model is unpickled.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from creditrisk.errors import ConfigurationError, CreditRiskError
from creditrisk.settings import Settings

MAGIC = b"CRBUNDLE"
VERSION = 1
_HEADER = len(MAGIC) + 1 + 16 + 12
KEY_ENV = "CREDITRISK_BUNDLE_KEY"
#: Highest bundle version loaded per model, under the data dir's ``models/`` (replay check).
HIGH_WATER_FILE = "bundle_versions.json"


class BundleError(CreditRiskError):
    """A bundle that is not one, was tampered with, or was sealed with another key."""

    exit_code = 5


def bundle_key(settings: Settings | None = None) -> str:
    """The passphrase from the environment (through Settings); a clear error when unset."""
    settings = settings or Settings()
    if settings.bundle_key is None or not settings.bundle_key.get_secret_value():
        raise ConfigurationError(f"{KEY_ENV} is not set; export it to package or open model bundles")
    return settings.bundle_key.get_secret_value()


def _derive(passphrase: str, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, n=2**14, r=8, p=1).derive(passphrase.encode("utf-8"))


def seal(payload: bytes, passphrase: str) -> bytes:
    """Encrypt and authenticate ``payload``."""
    salt, nonce = os.urandom(16), os.urandom(12)
    header = MAGIC + bytes([VERSION]) + salt + nonce
    return header + AESGCM(_derive(passphrase, salt)).encrypt(nonce, payload, header)


def unseal(blob: bytes, passphrase: str) -> bytes:
    """Verify and decrypt; raises :class:`BundleError` on anything but an intact bundle and the right key."""
    if len(blob) < _HEADER + 16 or not blob.startswith(MAGIC):
        raise BundleError("not a creditrisk model bundle (bad header)")
    if blob[len(MAGIC)] != VERSION:
        raise BundleError(f"unsupported bundle version {blob[len(MAGIC)]}")
    header = blob[:_HEADER]
    salt, nonce = header[len(MAGIC) + 1 : len(MAGIC) + 17], header[len(MAGIC) + 17 :]
    try:
        return AESGCM(_derive(passphrase, salt)).decrypt(nonce, blob[_HEADER:], header)
    except InvalidTag:
        raise BundleError(
            "bundle authentication failed: wrong CREDITRISK_BUNDLE_KEY or the file was modified"
        ) from None


def _tar_folder(folder: Path, manifest: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(folder, arcname="model")
        data = json.dumps(manifest, indent=2).encode()
        info = tarfile.TarInfo("bundle.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def package_model(name: str, alias: str, out: Path, settings: Settings | None = None) -> dict[str, Any]:
    """Write the registered model ``name@alias`` as an encrypted bundle at ``out``; return its manifest."""
    import mlflow

    from training.registry import configure_tracking, model_version_for_alias

    settings = settings or Settings()
    passphrase = bundle_key(settings)
    configure_tracking(settings)
    version = model_version_for_alias(name, alias)
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(mlflow.artifacts.download_artifacts(f"models:/{name}/{version}", dst_path=tmp))
        manifest = {
            "model_name": name,
            "alias": alias,
            "version": version,
            "packaged_at": datetime.now(UTC).isoformat(),
            "format": f"creditrisk-bundle-v{VERSION} (AES-256-GCM, scrypt)",
        }
        blob = seal(_tar_folder(local, manifest), passphrase)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(blob)
    return {**manifest, "path": str(out), "bytes": len(blob)}


def open_bundle(path: Path, dest: Path, settings: Settings | None = None) -> dict[str, Any]:
    """Verify, decrypt and extract a bundle into ``dest``; returns the manifest (nothing is unpickled)."""
    if not path.exists():
        raise BundleError(f"bundle not found: {path}")
    payload = unseal(path.read_bytes(), bundle_key(settings))
    with tarfile.open(fileobj=io.BytesIO(payload), mode="r:gz") as tar:
        tar.extractall(dest, filter="data")
    return json.loads((dest / "bundle.json").read_text())


def load_bundle(path: Path, settings: Settings | None = None) -> Any:
    """The :class:`~training.artifact.CreditRiskModel` inside a verified, current bundle.

    Authentication (:func:`unseal`) and the replay check (:func:`check_not_replayed`) both run
    before MLflow unpickles the model.
    """
    import mlflow.pyfunc

    settings = settings or Settings()
    with tempfile.TemporaryDirectory() as tmp:
        manifest = open_bundle(path, Path(tmp), settings)
        check_not_replayed(manifest, settings)
        return mlflow.pyfunc.load_model(str(Path(tmp) / "model")).unwrap_python_model()


def check_not_replayed(manifest: dict[str, Any], settings: Settings) -> None:
    """Refuse a bundle older than the newest one this data dir has loaded for the same model.

    A bundle stays authentic as long as its key does, so whoever can swap files could put an
    old, authentic bundle back (a weaker model, a laxer threshold) and it would decrypt fine.
    Registry versions only go up, so each model's highest loaded version is kept in
    ``models/bundle_versions.json`` and anything lower is refused. A deliberate rollback is an
    operator's act: remove the model's entry from that file.
    """
    record = settings.models_dir / HIGH_WATER_FILE
    seen: dict[str, int] = json.loads(record.read_text()) if record.exists() else {}
    name, version = str(manifest["model_name"]), int(manifest["version"])
    newest = seen.get(name)
    if newest is not None and version < newest:
        raise BundleError(
            f"bundle of {name} v{version} is older than v{newest}, already loaded from a bundle here "
            f"(replayed?); to roll back on purpose remove '{name}' from {HIGH_WATER_FILE}"
        )
    if newest is None or version > newest:
        record.parent.mkdir(parents=True, exist_ok=True)
        tmp = record.with_name(f".{record.name}.tmp")
        tmp.write_text(json.dumps({**seen, name: version}, indent=2, sort_keys=True))
        os.replace(tmp, record)
