"""Prompt templates and prompt-set preparation (hub ids or local files to verl parquet)."""

from __future__ import annotations

__all__: list[str] = []
