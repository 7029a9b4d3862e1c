"""The Lean workspace ``kimina-rl lean setup`` builds: toolchain, REPL and Mathlib at one tag.

A leaf layer (it imports only :mod:`kimina_prover_rl.errors`): ``lean`` reads a workspace to
find its REPL command, the CLI builds one.
"""

from kimina_prover_rl.workspace.setup import (
    DEFAULT_LEAN_VERSION,
    WORKSPACE_FILE,
    Workspace,
    find_workspace,
    set_up_workspace,
)

__all__ = [
    "DEFAULT_LEAN_VERSION",
    "WORKSPACE_FILE",
    "Workspace",
    "find_workspace",
    "set_up_workspace",
]
