"""What a reader needs to reproduce an evaluation: versions, hashes and settings."""

from __future__ import annotations

import datetime
import hashlib
import json
import platform
from importlib import metadata
from typing import Any

from kimina_prover_rl.data import PromptTemplate

__all__ = ["package_versions", "template_sha256"]

_PACKAGES = ("kimina-prover-rl", "httpx", "torch", "transformers", "vllm")


def template_sha256(template: PromptTemplate) -> str:
    """A digest of the prompt template's text (system and user message)."""
    text = json.dumps(template.to_dict(), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def package_versions() -> dict[str, Any]:
    """Python, this package and the generation libraries that are installed, with a date."""
    versions: dict[str, Any] = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    versions["written_at"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    return versions
