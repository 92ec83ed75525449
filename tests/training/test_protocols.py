"""Real data of any shape: cross-sectional tables, Freddie Mac YYYYMM dates, degenerate splits.

Public credit data sets come as they come: ratios and a 0/1 label with no id and no time (the
bankruptcy and credit-scoring classics), or a Freddie Mac origination table whose dates are YYYYMM
integers and whose quarter holds one or two first-payment months. Each must train, report which
protocol judged it, and say loudly when the figures cannot be trusted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RepeatedStratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from typer.testing import CliRunner

from creditrisk.cli import app
from creditrisk.timeparse import compact_date_format, to_utc
from training.labelled_data import ROW_ID, labelled_from_frame
from training.protocol import corrected_interval, repeated_folds

runner = CliRunner()


def cross_sectional_table(n: int = 1500, ratios: int = 12, seed: int = 0) -> pd.DataFrame:
    """The shape of the public bankruptcy sets: ``Attr1..AttrK`` ratios and ``class``, nothing else."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, ratios))
    X[rng.random(X.shape) < 0.02] = np.nan  # real ratio tables have gaps (division by zero)
    filled = np.nan_to_num(X)
    z = -2.6 + 1.1 * filled[:, 0] - 0.8 * filled[:, 1] + 0.5 * filled[:, 2] * filled[:, 3]
    frame = pd.DataFrame(X, columns=[f"Attr{i + 1}" for i in range(ratios)])
    frame["class"] = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return frame


def freddie_origination(n: int, months: int, seed: int = 0, signal: float = 1.0) -> pd.DataFrame:
    """An origination table as Freddie Mac writes dates: ``first_payment_date`` 202403 (YYYYMM)."""
    rng = np.random.default_rng(seed)
    first = pd.period_range("2022-01", periods=months, freq="M")[rng.integers(0, months, n)]
    score = rng.normal(740, 45, n).round()
    dti = rng.uniform(10, 50, n).round()
    z = -2.7 - signal * (score - 740) / 45 + signal * 0.6 * (dti - 30) / 12
    return pd.DataFrame(
        {
            "loan_sequence_number": [f"F22Q1{i:07d}" for i in range(n)],
            "first_payment_date": [int(p.strftime("%Y%m")) for p in first],
            "maturity_date": [int((p + 360).strftime("%Y%m")) for p in first],
            "credit_score": score,
            "original_dti": dti,
            "original_ltv": rng.uniform(40, 97, n).round(),
            "original_upb": rng.integers(60, 700, n) * 1000,
            "property_state": rng.choice(["CA", "TX", "FL", "NY"], n),
            "default_12m": (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int),
        }
    )


def _train(data_dir: Path, dataset: Path, model: str, label: str, *extra: str) -> tuple[dict, str]:
    report = dataset.with_suffix(".json")
    args = [
        "train",
        "--model",
        model,
        "--dataset",
        str(dataset),
        "--label",
        label,
        "--families",
        "lr,lgbm",
        "--bootstrap",
        "20",
        "--report-json",
        str(report),
        *extra,
    ]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CREDITRISK_DATA_DIR", str(data_dir))
        result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output + repr(result.exception)
    return json.loads(report.read_text()), result.output


@pytest.fixture(scope="module")
def cross_sectional(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    root = tmp_path_factory.mktemp("cross_sectional")
    path = root / "bankruptcy.csv"
    cross_sectional_table().to_csv(path, index=False)
    report, output = _train(root / "data", path, "polish_bankruptcy", "class")
    yield {"root": root, "path": path, "report": report, "output": output}


def test_a_cross_sectional_table_trains_by_repeated_cross_validation(cross_sectional: dict) -> None:
    report = cross_sectional["report"]
    assert report["protocol"] == {
        "name": "cv",
        "reason": "the table has no observation-time column",
        "folds": 5,
        "repeats": 3,
        "grouped": False,
    }
    assert report["manifest"]["time_col"] is None and report["manifest"]["entity_key"] == ROW_ID
    assert ROW_ID not in report["manifest"]["features"] and len(report["manifest"]["features"]) == 12
    for family in ("lr", "lgbm"):
        cv = report["families"][family]["cv"]
        for metric in ("roc_auc", "pr_auc"):
            low, high = cv[metric]["ci95"]
            assert len(cv[metric]["folds"]) == 15
            assert low < cv[metric]["mean"] < high
            assert report["families"][family][metric] == pytest.approx(cv[metric]["mean"])
        assert cv["roc_auc"]["mean"] > 0.7
    assert report["registered"]["promoted"] and report["warnings"] == []
    assert "3x 5-fold cross-validation" in cross_sectional["output"]


def test_cross_validated_auc_equals_scikit_learns_cross_val_score_on_the_same_folds(
    cross_sectional: dict,
) -> None:
    """Comparable with what people publish: the same folds give the same fold AUCs."""
    frame = pd.read_csv(cross_sectional["path"])
    X, y = frame.drop(columns="class"), frame["class"]
    plain = make_pipeline(  # the lr family's recipe in plain scikit-learn (docs/training.md)
        SimpleImputer(strategy="median", add_indicator=True),
        StandardScaler(),
        LogisticRegression(C=0.5, class_weight="balanced", max_iter=2000),
    )
    folds = RepeatedStratifiedKFold(n_splits=5, n_repeats=3, random_state=42)
    published = cross_val_score(plain, X, y, cv=folds, scoring="roc_auc")
    ours = cross_sectional["report"]["families"]["lr"]["cv"]["roc_auc"]
    low, high = ours["ci95"]
    assert abs(ours["mean"] - published.mean()) < 0.01 < (high - low)  # well within the interval's noise
    np.testing.assert_allclose(ours["folds"], published, atol=0.02)


def test_a_second_cross_validated_run_on_the_same_data_is_compared_with_the_champion(
    cross_sectional: dict,
) -> None:
    """Same fingerprint, both cross-validated: out-of-fold costs compare; other data would not."""
    data_dir = cross_sectional["root"] / "data"
    report, _ = _train(data_dir, cross_sectional["path"], "polish_bankruptcy", "class")
    registered = report["registered"]
    assert registered["version"] == 2 and registered["previous_champion_version"] == 1
    assert "out-of-fold expected cost (same data)" in registered["promotion_reason"]
    other = cross_sectional["root"] / "other.csv"
    cross_sectional_table(seed=1).to_csv(other, index=False)
    report, _ = _train(cross_sectional["root"] / "data", other, "polish_bankruptcy", "class")
    assert not report["registered"]["promoted"]
    assert "not cross-validated on this data" in report["registered"]["promotion_reason"]


def test_the_analysis_report_takes_any_labelled_file_without_a_model(cross_sectional: dict) -> None:
    out = cross_sectional["root"] / "analysis.html"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CREDITRISK_DATA_DIR", str(cross_sectional["root"] / "data"))
        args = ["report", "analysis", "--dataset", str(cross_sectional["path"]), "--label", "class"]
        result = runner.invoke(app, [*args, "--out", str(out), "--tsne-sample", "0"])
        assert result.exit_code == 0, result.output + repr(result.exception)
        assert out.stat().st_size > 10_000 and "class" in out.read_text()
        missing = runner.invoke(app, ["report", "analysis", "--dataset", str(cross_sectional["path"])])
        assert missing.exit_code != 0 and "--label" in str(missing.exception)


def test_repeated_folds_are_scikit_learns_and_grouped_folds_keep_ids_together() -> None:
    y = np.array([0, 1] * 50)
    ours = repeated_folds(y, None, 5, 2, seed=7)
    theirs = list(RepeatedStratifiedKFold(n_splits=5, n_repeats=2, random_state=7).split(np.zeros(100), y))
    assert [v.tolist() for folds in ours for _, v in folds] == [v.tolist() for _, v in theirs]
    groups = np.repeat(np.arange(25), 4).astype(str)
    for folds in repeated_folds(np.repeat([0, 1] * 12 + [1], 4), groups, 5, 3, seed=0):
        for fit, val in folds:
            assert not set(groups[fit]) & set(groups[val])


def test_the_corrected_interval_is_wider_than_the_naive_one() -> None:
    scores = [0.80, 0.82, 0.78, 0.81, 0.79, 0.83, 0.80, 0.77, 0.82, 0.80]
    low, high = corrected_interval(scores, test_fraction=0.2)
    naive = 1.96 * np.std(scores, ddof=1) / np.sqrt(len(scores))
    assert low < np.mean(scores) < high and (high - low) / 2 > 1.5 * naive


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([202403, 202412], ["2024-03-01", "2024-12-01"]),
        (["202403", "202401"], ["2024-03-01", "2024-01-01"]),
        ([20240315.0, np.nan], ["2024-03-15", None]),
        (["2024-03-15T10:00:00+02:00"], ["2024-03-15 08:00:00"]),
    ],
)
def test_compact_freddie_dates_parse_to_utc(values: list, expected: list) -> None:
    parsed = to_utc(pd.Series(values), "d")
    assert str(parsed.dt.tz) == "UTC"
    assert [None if pd.isna(v) else str(v.tz_localize(None)) for v in parsed] == [
        None if e is None else str(pd.Timestamp(e)) for e in expected
    ]


def test_quantities_are_not_mistaken_for_compact_dates() -> None:
    assert compact_date_format(pd.Series([250000, 180000])) is None  # an amount: month 00 / 00
    assert compact_date_format(pd.Series([202413])) is None  # month 13
    assert compact_date_format(pd.Series([2024.5])) is None


def test_a_freddie_table_with_yyyymm_dates_trains_out_of_time(tmp_path: Path) -> None:
    frame = freddie_origination(n=1500, months=24)
    data = labelled_from_frame(frame.astype({"first_payment_date": str}), "default_12m")
    assert data.time_col == "first_payment_date" and data.entity_key == "loan_sequence_number"
    assert data.frame["first_payment_date"].min() == pd.Timestamp("2022-01-01", tz="UTC")
    assert "maturity_date" not in data.feature_types  # a date, even as YYYYMM: never a feature
    assert "original_upb" in data.feature_types  # six digits, but a quantity
    path = tmp_path / "orig.csv"
    frame.to_csv(path, index=False)
    report, _ = _train(tmp_path / "data", path, "freddie_default", "default_12m")
    assert report["protocol"]["name"] == "holdout" and report["warnings"] == []
    assert report["manifest"]["time_col"] == "first_payment_date"
    assert report["split"]["cutoff"] > "2023-01"


def test_a_quarter_with_two_first_payment_months_falls_back_to_cross_validation(tmp_path: Path) -> None:
    """The real case: the training side of the time split keeps a handful of defaults."""
    path = tmp_path / "quarter.csv"
    freddie_origination(n=500, months=2, seed=3).to_csv(path, index=False)
    report, output = _train(tmp_path / "data", path, "freddie_quarter", "default_12m")
    assert report["protocol"]["name"] == "cv" and report["protocol"]["reason"].startswith("fallback:")
    assert "falling back to repeated cross-validation" in report["warnings"][0]
    assert "WARNING" in output


def test_a_model_no_better_than_chance_is_registered_only_with_a_loud_warning(tmp_path: Path) -> None:
    import mlflow
    from mlflow import MlflowClient

    from creditrisk.settings import Settings
    from training.registry import configure_tracking

    path = tmp_path / "noise.csv"
    freddie_origination(n=600, months=2, seed=5, signal=0.0).to_csv(path, index=False)
    data_dir = tmp_path / "data"
    report, output = _train(data_dir, path, "freddie_noise", "default_12m", "--protocol", "holdout")
    assert report["protocol"]["name"] == "holdout"
    assert any("includes 0.5" in w for w in report["warnings"]), report["warnings"]
    assert any("--protocol cv" in w for w in report["warnings"])  # the thin split, said first
    assert output.count("WARNING") >= 2
    configure_tracking(Settings(data_dir=data_dir))
    version = MlflowClient().get_model_version("freddie_noise", str(report["registered"]["version"]))
    assert "includes 0.5" in version.tags["warnings"]
    run = mlflow.get_run(report["run_id"])
    assert "includes 0.5" in run.data.tags["warnings"]


def test_the_analysis_report_reads_yyyymm_dates_as_its_time_axis(tmp_path: Path) -> None:
    from analysis.sources import load_dataset

    path = tmp_path / "orig.csv"
    freddie_origination(n=300, months=6).to_csv(path, index=False)
    frame = load_dataset(path)
    assert str(frame["first_payment_date"].dt.tz) == "UTC"
    assert frame["first_payment_date"].min() == pd.Timestamp("2022-01-01", tz="UTC")
    assert pd.api.types.is_integer_dtype(frame["original_upb"])
