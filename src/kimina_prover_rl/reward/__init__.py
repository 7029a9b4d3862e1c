"""Scoring: composes ``proof`` checks and a ``lean`` verifier into one result per sample."""

from __future__ import annotations

__all__: list[str] = []
