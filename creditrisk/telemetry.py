"""Keep every tool from phoning home.

dbt, MLflow and Feast each have their own opt-out. The project's config files set what
they can (``dbt_project.yml`` flags); this sets the environment for the rest, and for
subprocesses the CLI starts.
"""

from __future__ import annotations

import os

OPT_OUT_ENV: dict[str, str] = {
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "FEAST_USAGE": "False",
    "DO_NOT_TRACK": "1",
}


def disable_telemetry() -> None:
    """Set the opt-out variables unless the user set them explicitly."""
    for key, value in OPT_OUT_ENV.items():
        os.environ.setdefault(key, value)
