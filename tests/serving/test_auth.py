"""API keys: digests only in config, scopes after a colon, constant-time lookup."""

from __future__ import annotations

import pytest

from creditrisk.errors import ConfigurationError
from serving.auth import ApiKeyVerifier, digest_key, mint_api_key, parse_api_keys


def test_minted_key_is_accepted_through_its_digest_only() -> None:
    key, entry = mint_api_key()
    assert key not in entry and entry == digest_key(key)
    verifier = ApiKeyVerifier.from_setting(entry)
    principal = verifier.verify(key)
    assert principal is not None and not principal.is_admin
    assert verifier.verify(key + "x") is None
    assert verifier.verify(None) is None and verifier.verify("") is None


def test_admin_scope_rides_on_the_digest() -> None:
    user_key, user_entry = mint_api_key()
    admin_key, admin_entry = mint_api_key(admin=True)
    assert admin_entry.endswith(":admin")
    verifier = ApiKeyVerifier.from_setting(f" {user_entry} , {admin_entry} ,")
    assert verifier.verify(admin_key).is_admin
    assert not verifier.verify(user_key).is_admin


@pytest.mark.parametrize("raw", ["not-a-digest", "ab" * 31, "zz" * 32 + ":admin"])
def test_malformed_digest_is_a_configuration_error(raw: str) -> None:
    with pytest.raises(ConfigurationError, match="SHA-256"):
        parse_api_keys(raw)


def test_empty_setting_accepts_nobody() -> None:
    verifier = ApiKeyVerifier.from_setting("")
    assert not verifier.configured
    assert verifier.verify("anything") is None
