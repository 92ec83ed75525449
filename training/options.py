"""What a training run can be told: :class:`TrainOptions`, the family names, the monotone default.

Light on purpose (standard library only): ``creditrisk train`` reads its option defaults from
:class:`TrainOptions` when the CLI is imported, and ``creditrisk --help`` must not pay for
scikit-learn or MLflow. The model zoo itself is :mod:`training.families`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # evaluate imports scikit-learn; the property below imports it when called
    from training.evaluate import CostModel

#: Every family ``--families`` accepts, in the order they are trained (vote needs the others first).
FAMILIES = ("lr", "rf", "xgb", "lgbm", "ann", "ftt", "vote")
#: What ``creditrisk train`` fits unless told otherwise. The FT-Transformer is opt-in: on the
#: generated panels its test AUC was only slightly above the boosters' for many times their fit CPU
#: and a slow explanation per row, which ``make demo`` and serving's latency targets cannot afford
#: (figures: docs/training.md, "The FT-Transformer" and "Benchmark").
DEFAULT_FAMILIES = tuple(f for f in FAMILIES if f != "ftt")

#: How a run says what it is doing: the CLI prints each message, the demo and tests may stay silent.
Log = Callable[[str], None]

#: Models trained with monotone constraints unless told otherwise: the loan model, whose credit
#: logic is known (a better score or a lower LTV/DTI never raises risk), so a borrower cannot lower
#: their risk by making one feature look worse (docs/security.md).
MONOTONE_BY_DEFAULT = frozenset({"loan_default"})
#: Families whose fit honours monotone constraints (so does a soft vote of only these).
MONOTONE_FAMILIES = frozenset({"rf", "xgb", "lgbm", "vote"})


@dataclass
class TrainOptions:
    """Everything ``creditrisk train`` can set; defaults are the strong, documented ones.

    The CLI takes its option defaults from here, so a default changes in this one place.
    """

    model: str
    families: tuple[str, ...] = DEFAULT_FAMILIES
    tune_trials: int = 0
    tune_method: str = "optuna"
    tune_timeout: float | None = None
    #: ``auto`` (out-of-time holdout when the data has a usable time column, else repeated
    #: cross-validation), ``holdout`` or ``cv``.
    protocol: str = "auto"
    #: Folds: of the training period for cross-fitting and tuning under the holdout protocol
    #: (default 3), of every repetition under the cv protocol (default 5).
    cv_folds: int | None = None
    #: Repetitions of the K-fold under the cv protocol.
    cv_repeats: int = 3
    #: Under ``auto``, an out-of-time training side with fewer entities with an event than this
    #: falls back to cross-validation (under ``holdout`` it is a warning).
    min_train_events: int = 30
    calibration: str = "sigmoid"
    cost_ratio: float = 5.0
    lgd: float | None = None
    fp_rate: float | None = None
    exposure_col: str | None = None
    outliers: str = "none"
    #: Monotone constraints where the credit logic is known; ``None`` = on for the models in
    #: ``MONOTONE_BY_DEFAULT`` (``--no-monotone`` opts out).
    monotone: bool | None = None
    booster_weighting: str = "auto"
    holdout_fraction: float = 0.2
    holdout_entity_fraction: float = 0.3
    #: Lengthen the holdout window (up to ``max_holdout_fraction``) until this many holdout
    #: entities have an event, so rare-event holdouts can be measured at all.
    min_holdout_positive_entities: int = 30
    max_holdout_fraction: float = 0.4
    bootstrap: int = 200
    vote_members: int = 3
    register: bool = True
    seed: int = 42
    family_params: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def cost(self) -> CostModel:
        from training.evaluate import CostModel

        return CostModel(cost_ratio=self.cost_ratio, lgd=self.lgd, fp_rate=self.fp_rate)

    def folds_for(self, protocol: str) -> int:
        """The K of the K-fold: the option when given, else 3 (holdout) or 5 (cv)."""
        return self.cv_folds or (5 if protocol == "cv" else 3)


def monotone_on(options: TrainOptions) -> bool:
    """Whether this run fits with monotone constraints (explicit choice, else the model's default)."""
    return options.model in MONOTONE_BY_DEFAULT if options.monotone is None else options.monotone
