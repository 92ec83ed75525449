"""Model reload without downtime, by admin request or SIGHUP."""

from __future__ import annotations

import asyncio
import logging
import signal

from serving.state import ServingState

logger = logging.getLogger(__name__)


def reload_models(state: ServingState) -> None:
    """Load the configured models again and swap them in (see :class:`serving.model_holder.ModelHolder`)."""
    old = {m.name: m.version for m in state.models.all()}
    state.models.load()
    for model in state.models.all():
        state.metrics.model_version.labels(model.name, model.version).set(1)
        if old.get(model.name) not in (None, model.version):
            state.metrics.model_version.labels(model.name, old[model.name]).set(0)
    logger.info("models reloaded: %s", {m.name: m.version for m in state.models.all()})


def install_sighup(state: ServingState) -> bool:
    """Reload on SIGHUP (in a worker thread, so the event loop keeps serving). False if not possible
    (not the main thread, e.g. under a test client)."""
    loop = asyncio.get_running_loop()

    def on_hup() -> None:
        loop.run_in_executor(None, reload_models, state)

    try:
        loop.add_signal_handler(signal.SIGHUP, on_hup)
    except (RuntimeError, ValueError, NotImplementedError):
        return False
    return True
