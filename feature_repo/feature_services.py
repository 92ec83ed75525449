"""Feature services: exactly the features each model version uses, nothing else.

Training sets and online lookups both go through these, so a model is served the features it
was trained on. A new feature set is a new service (``loan_default_v2``), never an edit.
"""

from feast import FeatureService
from feature_views import company_financials, loan_monthly_performance, loan_origination
from mart_schemas import FEAT_COMPANY_FINANCIALS_FEATURES, FEAT_LOAN_MONTHLY_PERFORMANCE_FEATURES
from on_demand_features import company_request_time_features, loan_request_time_features

loan_default_v1 = FeatureService(
    name="loan_default_v1",
    features=[
        loan_origination,
        # The model features only; reporting_month feeds the on-demand view, not the model.
        loan_monthly_performance[[f.name for f in FEAT_LOAN_MONTHLY_PERFORMANCE_FEATURES]],
        loan_request_time_features,
    ],
    description="Features of the loan default model, version 1 (12-month default, 90+ dpd or credit loss).",
    tags={"model": "loan_default"},
)

company_bankruptcy_v1 = FeatureService(
    name="company_bankruptcy_v1",
    features=[
        company_financials[[f.name for f in FEAT_COMPANY_FINANCIALS_FEATURES]],
        company_request_time_features,
    ],
    description="Features of the company bankruptcy model, version 1 (bankruptcy within 12 months).",
    tags={"model": "company_bankruptcy"},
)
