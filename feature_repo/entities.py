"""Entities: the join keys of the dbt marts (their primary keys, unchanged)."""

from feast import Entity, ValueType

loan = Entity(
    name="loan",
    join_keys=["loan_id"],
    value_type=ValueType.STRING,
    description="A Freddie Mac single-family loan (loan sequence number, e.g. F24Q1000001).",
)

company = Entity(
    name="company",
    join_keys=["company_id"],
    value_type=ValueType.STRING,
    description="A company filing quarterly financial statements (C000001).",
)
