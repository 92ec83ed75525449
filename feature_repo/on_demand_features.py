"""On-demand features: values that depend on the moment of the request.

A monthly report or a quarterly statement is already weeks old when a decision is made, and
how old differs between a training observation and a live request. These views age the stored
values to the request time ``as_of`` (a request field): in training sets ``as_of`` is the
observation's ``event_timestamp``; online it is "now" unless the caller says otherwise.
"""

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
    # Python mode works on lists, not DataFrames: an online lookup stays around a millisecond
    # (pandas mode costs tens of milliseconds per call in conversions). Output fields carry no
    # description: Feast compares declared and inferred fields, descriptions included.
    mode="python",
    description="Performance features aged to the request time.",
)
def loan_request_time_features(inputs: dict) -> dict:
    # Feast stores the function's source, not its module: everything it needs is inside it.
    from datetime import UTC, datetime

    def month_number(value):
        if value is None or value != value:  # None, NaN or NaT
            return None
        if isinstance(value, int | float):
            value = datetime.fromtimestamp(value, tz=UTC)
        return value.year * 12 + value.month

    ages, loan_ages = [], []
    for reported, as_of, loan_age in zip(
        inputs["reporting_month"], inputs["as_of"], inputs["loan_age_months"], strict=True
    ):
        start, end = month_number(reported), month_number(as_of)
        age = float(end - start) if start is not None and end is not None else None
        known_age = loan_age is not None and loan_age == loan_age
        ages.append(age)
        loan_ages.append(float(loan_age) + age if age is not None and known_age else None)
    return {"performance_report_age_months": ages, "loan_age_at_request_months": loan_ages}


@on_demand_feature_view(
    sources=[company_financials, request_time],
    schema=[
        # Days from the statement's fiscal period end to the request time.
        Field(name="statement_age_days", dtype=Float64),
        # Company age (years since founding) rolled forward from the period end to the request time.
        Field(name="company_age_at_request_years", dtype=Float64),
    ],
    mode="python",
    description="Financial-statement features aged to the request time.",
)
def company_request_time_features(inputs: dict) -> dict:
    from datetime import UTC, date, datetime

    def as_utc(value):
        if value is None or value != value:  # None, NaN or NaT
            return None
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value, tz=UTC)
        if not isinstance(value, datetime) and isinstance(value, date):
            return datetime(value.year, value.month, value.day, tzinfo=UTC)
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    days, company_ages = [], []
    for period_end, as_of, company_age in zip(
        inputs["period_end_date"], inputs["as_of"], inputs["company_age_years"], strict=True
    ):
        start, end = as_utc(period_end), as_utc(as_of)
        elapsed = (end - start).total_seconds() / 86_400.0 if start is not None and end is not None else None
        known_age = company_age is not None and company_age == company_age
        days.append(elapsed)
        company_ages.append(
            float(company_age) + elapsed / 365.25 if elapsed is not None and known_age else None
        )
    return {"statement_age_days": days, "company_age_at_request_years": company_ages}
