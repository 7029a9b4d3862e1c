"""``kimina-rl``: thin commands over the library. Each command lives in its own module."""

from __future__ import annotations

# Importing a command module registers its command on the app.
from kimina_prover_rl.cli import (  # noqa: F401
    check_format,
    doctor,
    dry_run,
    eval,
    lean,
    prepare,
    report,
    score,
    serve,
    train,
    verify,
)
from kimina_prover_rl.cli._app import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``kimina-rl`` console script."""
    app()
