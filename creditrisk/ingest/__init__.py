"""Raw data pulled from HTTP APIs into the raw layout dbt reads (``creditrisk data pull``)."""
