"""The machine description every benchmark prints with its results."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def machine() -> str:
    """OS, Python, CPU count and model: enough to compare runs across machines."""
    model = "unknown CPU model"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, {model}"
    )
