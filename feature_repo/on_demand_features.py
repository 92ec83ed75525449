"""On-demand features: values that depend on the moment of the request.

A monthly report or a quarterly statement is already weeks old when a decision is made, and
how old differs between a training observation and a live request. These views age the stored
values to the request time ``as_of`` (a request field): in training sets ``as_of`` is the
observation's ``event_timestamp``; online it is "now" unless the caller says otherwise.
"""

import pandas as pd
from feast import Field, RequestSource
from feast.on_demand_feature_view import on_demand_feature_view
from feast.types import Float64, UnixTimestamp
from feature_views import company_financials, loan_monthly_performance

request_time = RequestSource(
    name="request_time",
    schema=[Field(name="as_of", dtype=UnixTimestamp, description="When the decision is made (UTC).")],
    description="The decision time supplied with each request.",
)


@on_demand_feature_view(
    sources=[loan_monthly_performance, request_time],
    schema=[
        # Calendar months from the latest reporting month to the request time.
        Field(name="performance_report_age_months", dtype=Float64),
        # Loan age (months since first payment) rolled forward to the request time.
        Field(name="loan_age_at_request_months", dtype=Float64),
    ],
    mode="pandas",
    # Output fields carry no description: Feast compares declared and inferred fields including
    # descriptions at apply time, and inferred ones have none.
    description="Performance features aged to the request time.",
)
def loan_request_time_features(inputs: pd.DataFrame) -> pd.DataFrame:
    # Feast stores the function's source, not its module: everything it needs is inside it.
    import pandas as pd

    reported = pd.to_datetime(inputs["reporting_month"], utc=True)
    as_of = pd.to_datetime(inputs["as_of"], utc=True)
    age = ((as_of.dt.year - reported.dt.year) * 12 + (as_of.dt.month - reported.dt.month)).astype("float64")
    out = pd.DataFrame(index=inputs.index)
    out["performance_report_age_months"] = age
    out["loan_age_at_request_months"] = pd.to_numeric(inputs["loan_age_months"], errors="coerce") + age
    return out


@on_demand_feature_view(
    sources=[company_financials, request_time],
    schema=[
        # Days from the statement's fiscal period end to the request time.
        Field(name="statement_age_days", dtype=Float64),
        # Company age (years since founding) rolled forward from the period end to the request time.
        Field(name="company_age_at_request_years", dtype=Float64),
    ],
    mode="pandas",
    description="Financial-statement features aged to the request time.",
)
def company_request_time_features(inputs: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    delta = pd.to_datetime(inputs["as_of"], utc=True) - pd.to_datetime(inputs["period_end_date"], utc=True)
    days = delta.dt.total_seconds().astype("float64") / 86_400.0
    out = pd.DataFrame(index=inputs.index)
    out["statement_age_days"] = days
    out["company_age_at_request_years"] = pd.to_numeric(inputs["company_age_years"], errors="coerce") + (
        days / 365.25
    )
    return out
