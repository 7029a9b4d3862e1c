"""The one boundary to the Hugging Face hub: fail fast offline, translate its errors.

``datasets`` retries an unreachable hub for about half a minute, so an id is first probed
with a short timeout (unless ``HF_HUB_OFFLINE`` / ``HF_DATASETS_OFFLINE`` asks for the
local cache only). Every failure to fetch becomes
:class:`~kimina_prover_rl.errors.DatasetUnavailable`, whose message says how to pass a
local file instead.
"""

from __future__ import annotations

import os
from typing import Any

from kimina_prover_rl.errors import ConfigError, DatasetUnavailable

__all__ = ["read_hub"]


def _offline_requested() -> bool:
    return any(
        os.environ.get(var, "").strip().lower() in {"1", "true", "yes", "on"}
        for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")
    )


def _unavailable(dataset_id: str, split: str, reason: str) -> DatasetUnavailable:
    stem = dataset_id.rsplit("/", 1)[-1]
    return DatasetUnavailable(
        f"cannot fetch the Hugging Face dataset {dataset_id!r} ({reason}). Local .jsonl "
        "and .parquet files need no network: where the hub is reachable run\n"
        f"  python -c \"import datasets; datasets.load_dataset('{dataset_id}', "
        f"split='{split}').to_parquet('{stem}.parquet')\"\n"
        f"then pass the path of {stem}.parquet instead of the id"
        + (
            " (HF_HUB_OFFLINE is set: only the local Hugging Face cache was searched)."
            if _offline_requested()
            else " (or set HF_HUB_OFFLINE=1 to read a copy already in the Hugging Face cache)."
        )
    )


def _probe_hub(dataset_id: str, split: str, timeout_s: float) -> None:
    """Fail in ``timeout_s`` when the hub is unreachable, rather than after retries."""
    import httpx

    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
    url = f"{endpoint}/api/datasets/{dataset_id}"
    try:
        response = httpx.get(url, timeout=timeout_s, follow_redirects=True)
    except httpx.TransportError as exc:
        raise _unavailable(dataset_id, split, f"{endpoint} is unreachable: {exc}") from exc
    if response.status_code == 404:
        raise _unavailable(dataset_id, split, f"{endpoint} has no dataset of that id")


def read_hub(dataset_id: str, split: str, timeout_s: float) -> list[dict[str, Any]]:
    """Every row of a hub dataset split; ``DatasetUnavailable`` within ``timeout_s`` offline."""
    if not _offline_requested():
        _probe_hub(dataset_id, split, timeout_s)
    import datasets
    from huggingface_hub.errors import HfHubHTTPError

    try:
        dataset = datasets.load_dataset(dataset_id, split=split)
    except (ConnectionError, FileNotFoundError, HfHubHTTPError) as exc:
        raise _unavailable(dataset_id, split, f"{type(exc).__name__}: {exc}") from exc
    except ValueError as exc:
        raise ConfigError(
            f"{dataset_id}: cannot load split {split!r} ({exc}); pass one of its splits "
            "with --train-split / --val-split"
        ) from exc
    rows: list[dict[str, Any]] = dataset.to_list()
    return rows
