"""Feature views, one per feature mart, named for their grain.

Fields come from ``mart_schemas`` (generated from the dbt YAML and checked against it), the
bookkeeping columns a view needs besides its features too, so every field has the YAML's
description and tags. Each ``ttl`` says how long a value may be used after its
``event_timestamp``: past it, a lookup returns null instead of a stale value, in training and
online alike.
"""

from datetime import timedelta

from data_sources import (
    company_financials_push,
    loan_monthly_performance_push,
    loan_origination_source,
)
from entities import company, loan
from feast import FeatureView, Field
from mart_schemas import (
    FEAT_COMPANY_FINANCIALS_BOOKKEEPING,
    FEAT_COMPANY_FINANCIALS_FEATURES,
    FEAT_LOAN_MONTHLY_PERFORMANCE_BOOKKEEPING,
    FEAT_LOAN_MONTHLY_PERFORMANCE_FEATURES,
    FEAT_LOAN_ORIGINATION_FEATURES,
)


def generated_field(fields: list[Field], name: str) -> Field:
    """The generated field ``name`` of a mart's list, for a column a view needs besides its features."""
    for field in fields:
        if field.name == name:
            return field
    raise KeyError(f"no generated field '{name}' in {[f.name for f in fields]}")


loan_origination = FeatureView(
    name="loan_origination",
    entities=[loan],
    # Origination terms never change and loans run up to 40 years: effectively static, so the
    # TTL is the longest loan term (plus a year's slack) rather than any freshness bound.
    ttl=timedelta(days=41 * 365),
    schema=FEAT_LOAN_ORIGINATION_FEATURES,
    source=loan_origination_source,
    online=True,
    description="What was known about the loan when it was originated.",
    tags={"mart": "feat_loan_origination", "grain": "loan"},
)

loan_monthly_performance = FeatureView(
    name="loan_monthly_performance",
    entities=[loan],
    # A new month is published every ~30 days (month end + 15 days). 75 days lets one monthly
    # file be late or missing; a loan with no report for longer has exited (prepaid, REO) or its
    # feed is broken, and scoring it on delinquency data that old would be misleading.
    ttl=timedelta(days=75),
    schema=[
        *FEAT_LOAN_MONTHLY_PERFORMANCE_FEATURES,
        # Not a model feature: the on-demand view needs it to age the report to request time.
        generated_field(FEAT_LOAN_MONTHLY_PERFORMANCE_BOOKKEEPING, "reporting_month"),
    ],
    # Pushed events and the mart's batch rows feed the same view (the push source's batch source
    # is the mart), so materialisation, training sets and pushes all read one table.
    source=loan_monthly_performance_push,
    online=True,
    description="The loan's latest monthly servicing report, with backward-looking windows and macro.",
    tags={"mart": "feat_loan_monthly_performance", "grain": "loan x reporting month"},
)

company_financials = FeatureView(
    name="company_financials",
    entities=[company],
    # Statements are quarterly; a 10-Q is filed ~45 days after quarter end but the annual 10-K up
    # to ~90 days, so consecutive filings can be ~4.5 months apart. 183 days (6 months) covers
    # that plus a month's slack; a company silent for longer has missed a filing, and its
    # ratios are too old to score on.
    ttl=timedelta(days=183),
    schema=[
        *FEAT_COMPANY_FINANCIALS_FEATURES,
        # Not a model feature: the on-demand view measures the statement's age from it.
        generated_field(FEAT_COMPANY_FINANCIALS_BOOKKEEPING, "period_end_date"),
    ],
    source=company_financials_push,
    online=True,
    description="Ratios of the latest statement filed (original or restatement) and their 4-quarter trends.",
    tags={"mart": "feat_company_financials", "grain": "company x filing date"},
)
