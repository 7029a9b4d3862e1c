"""Run a batch command as a real process and interrupt it with a real SIGINT."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def interrupt_after_first_line(command: str, source: Path, out: Path) -> tuple[int, list[Any], str]:
    """Start ``kimina-rl COMMAND SOURCE -o OUT`` on a slow stand-in, send SIGINT once a line
    is written; return the exit status, the records written and stderr."""
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "kimina_prover_rl", command, str(source), "-o", str(out)),
            *("--backend", "standin", "--standin-latency", "uniform:0.2,3", "--workers", "2"),
            "--no-cache",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        while not (out.exists() and out.read_text(encoding="utf-8").count("\n") >= 1):
            assert process.poll() is None, process.communicate()
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return process.returncode, lines, stderr.decode()
