"""``creditrisk dataset build``: a point-in-time training set from Feast, saved with a manifest."""

from __future__ import annotations

import typer

from creditrisk.cli._app import app, console
from creditrisk.model_specs import MODELS
from creditrisk.settings import get_settings

dataset_app = typer.Typer(help="Point-in-time training sets.", no_args_is_help=True)
app.add_typer(dataset_app, name="dataset")


@dataset_app.command("build")
def build_cmd(
    model: str = typer.Option(..., help=f"Model: {', '.join(MODELS)}."),
    start: str = typer.Option(None, help="First observation time (UTC, inclusive). Default: all."),
    end: str = typer.Option(None, help="Last observation time (UTC, inclusive). Default: all."),
) -> None:
    """Build the training set of MODEL: labels as the entity frame, features as of each label."""
    from creditrisk.features.training_sets import build_training_set

    settings = get_settings()
    with console.status(f"building the {model} training set"):
        built = build_training_set(model, start, end, settings=settings)
    m = built.manifest
    console.print(
        f"{model}: {m['rows']:,} rows, {m['entities']:,} entities, {len(m['features'])} features, "
        f"label rate {m['label_rate']:.2%}, observations {m['observed_start']} .. {m['observed_end']}"
    )
    console.print(f"saved to {built.path} (source fingerprint {m['source_fingerprint'][:16]})")
