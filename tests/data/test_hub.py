"""The hub boundary: unreachable or unknown ids fail fast with a local-file hint."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from kimina_prover_rl.data import load_prompt_source
from kimina_prover_rl.errors import DatasetUnavailable


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_unreachable_hub_fails_fast_with_a_local_file_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
    import datasets

    loads: list[str] = []
    # datasets.load_dataset retries an unreachable hub for about half a minute: it must
    # never be reached once the probe has failed.
    monkeypatch.setattr(datasets, "load_dataset", lambda dataset_id, **_: loads.append(dataset_id))
    with pytest.raises(DatasetUnavailable) as info:
        load_prompt_source("AI-MO/minif2f_test", hub_timeout_s=2.0)
    assert loads == []
    message = str(info.value)
    assert "'AI-MO/minif2f_test'" in message
    assert "is unreachable" in message
    assert "to_parquet('minif2f_test.parquet')" in message
    assert "instead of the id" in message


def test_unknown_hub_id_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    class NotFound(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return None

    server = HTTPServer(("127.0.0.1", 0), NotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
        monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)
        monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.server_port}")
        with pytest.raises(DatasetUnavailable, match="has no dataset of that id"):
            load_prompt_source("someone/no-such-set", hub_timeout_s=5.0)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_hub_dataset_uses_its_known_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    import datasets

    calls: list[tuple[str, str]] = []

    def fake_load(dataset_id: str, *, split: str) -> datasets.Dataset:
        calls.append((dataset_id, split))
        return datasets.Dataset.from_list(
            [
                {
                    "name": "m1",
                    "informal_prefix": "/-- p -/",
                    "formal_statement": "theorem m1 : True := by",
                }
            ]
        )

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(datasets, "load_dataset", fake_load)
    source = load_prompt_source("AI-MO/minif2f_test", split="test")
    assert calls == [("AI-MO/minif2f_test", "test")]
    assert source.kind == "hub"
    assert source.layout == "minif2f"
    assert source.label == "AI-MO/minif2f_test"
    assert source.describe()["split"] == "test"
    assert source.describe()["file_sha256"] is None
    assert [p.id for p in source.problems] == ["m1"]
