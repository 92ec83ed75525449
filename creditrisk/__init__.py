"""creditrisk: the shared core of the credit-risk feature store.

Settings, the ``creditrisk`` CLI, pipeline orchestration and the raw-data generator live
here; ``training`` and ``serving`` are sibling packages, ``dbt_project`` and
``feature_repo`` are the dbt project and the Feast repository.
"""

__version__ = "0.1.0"
