"""What the default suite builds on Spark, and what `make test-spark` adds."""

from __future__ import annotations

import os

#: The default suite builds the loan lineage only (the loan marts and their training set); the
#: full set builds every model, companies included, and runs dbt's own tests on Spark.
LOAN_LINEAGE = "+feat_loan_origination +feat_loan_monthly_performance +lbl_loan_default_12m"


def full_set() -> bool:
    """True under `make test-spark` (CREDITRISK_SPARK_FULL=1)."""
    return os.environ.get("CREDITRISK_SPARK_FULL") == "1"
