"""``kimina-rl``: thin commands over the library. Each command lives in its own module."""

from __future__ import annotations

from kimina_prover_rl.cli import check_format, prepare, score, serve, verify
from kimina_prover_rl.cli._app import app

__all__ = ["app", "main"]

_COMMAND_MODULES = (check_format, prepare, score, serve, verify)


def main() -> None:
    """Entry point of the ``kimina-rl`` console script."""
    app()
