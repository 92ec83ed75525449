"""Fixtures for the ASOF offline store tests; the twin-repo helpers live in ``twin_repo.py``."""

from __future__ import annotations

import pytest
from twin_repo import TwinStores, build_twin_stores


@pytest.fixture(scope="session")
def twin_stores(tmp_path_factory: pytest.TempPathFactory) -> TwinStores:
    """Applied once for the session: applying definitions is the slow part, data is rewritten per case."""
    return build_twin_stores(tmp_path_factory.mktemp("asof_repo"))
