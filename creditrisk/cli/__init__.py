"""The ``creditrisk`` command line.

Commands follow ``creditrisk <noun> <verb>`` where a noun has several verbs and a bare verb
otherwise (see the design notes). Only commands that work are registered here; each layer
adds its own module under ``creditrisk/cli/``.
"""

from __future__ import annotations

from creditrisk.cli import config as _config  # noqa: F401  (registers `config`)
from creditrisk.cli import data as _data  # noqa: F401  (registers `data`)
from creditrisk.cli import dataset as _dataset  # noqa: F401  (registers `dataset`)
from creditrisk.cli import demo as _demo  # noqa: F401  (registers `demo`)
from creditrisk.cli import features as _features  # noqa: F401  (registers `features`)
from creditrisk.cli import log as _log  # noqa: F401  (registers `log verify`)
from creditrisk.cli import monitor as _monitor  # noqa: F401  (registers `monitor drift`, `retrain`)
from creditrisk.cli import pull as _pull  # noqa: F401  (registers `data pull`)
from creditrisk.cli import push as _push  # noqa: F401  (registers `features push`)
from creditrisk.cli import report as _report  # noqa: F401  (registers `report analysis`)
from creditrisk.cli import score as _score  # noqa: F401  (registers `score`)
from creditrisk.cli import serve as _serve  # noqa: F401  (registers `serve`, `keygen`)
from creditrisk.cli import stream as _stream  # noqa: F401  (registers `stream`)
from creditrisk.cli import train as _train  # noqa: F401  (registers `train`, `package`)
from creditrisk.cli import warehouse as _warehouse  # noqa: F401  (registers `warehouse`)
from creditrisk.cli._app import app, main

__all__ = ["app", "main"]
