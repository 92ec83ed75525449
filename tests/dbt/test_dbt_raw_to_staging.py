"""Raw files to staging: nothing disappears, corrupted rows are rejected with a reason, and dbt
never reads the generator's ground truth."""

from __future__ import annotations

import json
import re

import pandas as pd

from creditrisk.warehouse import STAGED_AND_REJECTED, dbt_target_dir
from tests.dbt.builds import Built

RAW_GLOBS = {
    "freddie.origination": ("freddie/historical_data_[0-9]*.txt", False),
    "freddie.performance": ("freddie/historical_data_time_*.txt", False),
    "companies.companies": ("companies/companies.csv", True),
    "companies.financial_statements": ("companies/financial_statements.csv", True),
    "companies.bankruptcies": ("companies/bankruptcies.csv", True),
    "macro.state_unemployment": ("macro/state_unemployment.csv", True),
    "macro.state_hpi": ("macro/state_hpi.csv", True),
    "macro.mortgage_rate_30y": ("macro/mortgage_rate_30y.csv", True),
}


def raw_line_count(built: Built, source: str) -> int:
    pattern, header = RAW_GLOBS[source]
    total = 0
    for path in built.settings.raw_dir.glob(pattern):
        lines = [line for line in path.read_text().splitlines() if line.strip()]
        total += len(lines) - (1 if header else 0)
    return total


def test_raw_rows_equal_staged_plus_rejected_for_every_source(generated_build: Built) -> None:
    for source, (staged, rejected) in STAGED_AND_REJECTED.items():
        counts = generated_build.query(
            f"select (select count(*) from {staged}) as staged, (select count(*) from {rejected}) as rejected"
        ).iloc[0]
        assert counts.staged + counts.rejected == raw_line_count(generated_build, source), source
        if source != "companies.bankruptcies":  # a small sample may have none
            assert counts.staged > 0, source


def test_every_corrupted_row_is_rejected_with_a_reason(generated_build: Built) -> None:
    truth = pd.read_csv(generated_build.settings.truth_dir / "corruptions.csv")
    assert len(truth) > 0, "the generator was asked for corrupted rows"
    truth["source_file"] = truth["file"].str.split("/").str[-1]
    rejected = generated_build.query(
        " union all ".join(
            f"select source_file, line_number, reject_reason from {rejected}"
            for _, rejected in STAGED_AND_REJECTED.values()
        )
    )
    found = truth.merge(rejected, on=["source_file", "line_number"], how="left")
    missing = found[found["reject_reason"].isna()]
    assert missing.empty, missing.head(10).to_string()


def test_duplicates_keep_one_copy(generated_build: Built) -> None:
    dupes = generated_build.query(
        "select loan_id, reporting_month, count(*) as n from stg_freddie__performance "
        "group by all having count(*) > 1"
    )
    assert dupes.empty


def test_dbt_never_reads_generator_truth(generated_build: Built) -> None:
    """Every compiled model and test, and every source location, stays out of raw/_truth and the
    manifest (the session build also ran with raw/_truth moved away)."""
    manifest = json.loads((dbt_target_dir(generated_build.settings) / "manifest.json").read_text())
    texts = [node.get("compiled_code") or node.get("raw_code") or "" for node in manifest["nodes"].values()]
    texts += [json.dumps(source) for source in manifest["sources"].values()]
    assert len(texts) > 50
    for text in texts:
        assert not re.search(r"_truth|_manifest\.json|true_pd", text)


def test_crafted_broken_lines_are_rejected_with_their_reason(crafted_build: Built) -> None:
    from tests.dbt.raw_fixture import BROKEN_ORIGINATION, BROKEN_PERFORMANCE

    loans = crafted_build.query("select line, reject_reason from stg_freddie__loans_rejected")
    perf = crafted_build.query("select line, reject_reason from stg_freddie__performance_rejected")
    for line, reason in BROKEN_ORIGINATION:
        assert reason in loans.set_index("line").loc[line, "reject_reason"]
    for line, reason in BROKEN_PERFORMANCE:
        assert reason in perf.set_index("line").loc[line, "reject_reason"]
    assert perf["reject_reason"].str.startswith("duplicate loan and reporting month").sum() == 1


def test_crafted_malformed_company_ids_are_rejected_in_every_companies_file(crafted_build: Built) -> None:
    """One rule (macro company_id_violation) for the three files that carry a company id."""
    from tests.dbt.raw_fixture import BROKEN_COMPANY_IDS

    for file, line, reason in BROKEN_COMPANY_IDS:
        model = f"stg_companies__{file.removesuffix('.csv')}_rejected"
        rejected = crafted_build.query(f"select line, reject_reason from {model}").set_index("line")
        assert rejected.loc[line, "reject_reason"] == reason, (file, line)


def test_all_three_freddie_layouts_are_detected(crafted_build: Built) -> None:
    layouts = crafted_build.query("select distinct source_layout from stg_freddie__loans order by 1")
    assert layouts["source_layout"].tolist() == ["26", "31", "32"]
    perf = crafted_build.query("select distinct source_layout from stg_freddie__performance order by 1")
    assert perf["source_layout"].tolist() == ["26", "32", "35"]
