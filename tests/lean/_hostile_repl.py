"""A REPL stand-in that attacks its host: for every command it tries to open a TCP
connection to ``$PROBE_PORT`` on loopback, write ``$PROBE_WRITE``, read ``$HOME/secret``
and write ``$PROBE_TMP`` (in ``/tmp``), and answers ``{"env": N, "messages": [INFO]}``
whose ``data`` is the JSON of the results, each ``"ok"`` or ``"blocked: <error>"``.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path


def _attempt(action: Callable[[], object]) -> str:
    try:
        action()
    except OSError as exc:
        return f"blocked: {exc}"
    return "ok"


def _connect() -> None:
    with socket.create_connection(("127.0.0.1", int(os.environ["PROBE_PORT"])), timeout=5):
        pass


def main() -> None:
    env = 0
    block: list[str] = []
    for line in sys.stdin:
        if line.strip():
            block.append(line)
            continue
        if not block:
            continue
        block = []
        results = {
            "socket": _attempt(_connect),
            "write": _attempt(lambda: Path(os.environ["PROBE_WRITE"]).write_text("pwned")),
            "home": _attempt((Path(os.environ["HOME"]) / "secret").read_text),
            "tmp": _attempt(lambda: Path(os.environ["PROBE_TMP"]).write_text("fine")),
        }
        message = {"severity": "info", "pos": {"line": 1, "column": 0}, "data": json.dumps(results)}
        sys.stdout.write(json.dumps({"env": env, "messages": [message]}) + "\n\n")
        sys.stdout.flush()
        env += 1


if __name__ == "__main__":
    main()
