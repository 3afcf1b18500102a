"""The command line: a thin click layer over :mod:`audiobrief.pipeline`.

The only place that prints, and the only place that turns errors into messages and exit codes:
0 ok, 1 an error with a one-line reason, 2 a usage error. Heavy modules are imported inside the
commands so that ``audiobrief --help`` stays instant.

``app`` holds the group and what the commands share; ``building`` (build, watch), ``show`` (init,
script, say, engines) and ``serving`` (serve, check, publish, remove, cache) register on it.
"""

from __future__ import annotations

from . import building, serving, show  # noqa: F401  (importing registers the commands)
from .app import cli, main

__all__ = ["cli", "main"]
