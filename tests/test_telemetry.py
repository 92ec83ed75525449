from __future__ import annotations

import os

from creditrisk.telemetry import OPT_OUT_ENV


def test_opt_outs_are_set_for_the_test_session() -> None:
    for key, value in OPT_OUT_ENV.items():
        assert os.environ[key].lower() == value.lower()
