"""`verify` and `serve` with ``--backend ray`` on the simulated cluster.

They live here, not in ``tests/cli``, to share this package's cluster (one Ray per process).
The commands join the cluster the test process is connected to and start their pools in
the default namespace, on a node of their own resource.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from kimina_prover_rl.cli import app
from kimina_prover_rl.lean import ClusterConfig
from kimina_prover_rl.lean.factory import SIMULATED_NOTE
from tests.lean.cluster._cluster import SimulatedCluster
from tests.server._asgi import running
from tests.server._kimina import analyze, check_payload

pytestmark = pytest.mark.slow
runner = CliRunner()
RAY = ["--backend", "ray", "--ray-pool", "standin", "--ray-resource", "cli_slots", "--no-cache"]


@pytest.fixture(scope="module")
def cli_nodes(ray_cluster: SimulatedCluster) -> Iterator[list[Any]]:
    nodes = [ray_cluster.add_node("cli_slots", 1) for _ in range(2)]
    yield nodes
    ray_cluster.kill_pools(ClusterConfig().namespace)
    for node in nodes:
        ray_cluster.remove_node(node)


def test_verify_checks_on_the_cluster_in_input_order(cli_nodes: list[Any], tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    codes = [f"theorem t{i} : True := trivial" for i in range(8)] + ["theorem s : True := sorry"]
    source.write_text(
        "".join(json.dumps({"id": i, "code": c}) + "\n" for i, c in enumerate(codes)),
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["verify", str(source), "-o", str(out), *RAY])
    assert result.exit_code == 0, result.output
    assert SIMULATED_NOTE in result.stderr
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == list(range(9))
    assert [line["status"] for line in lines] == ["valid"] * 8 + ["sorry"]
    nodes = {line["extra"]["ray_node"] for line in lines}
    assert nodes <= {str(n.node_id) for n in cli_nodes}


async def test_serve_puts_the_whole_cluster_behind_one_endpoint(
    cli_nodes: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda application, **kw: calls.update(kw, app=application))
    result = runner.invoke(app, ["serve", *RAY])
    assert result.exit_code == 0, result.output
    assert "serving ray verifier" in result.stderr
    snippets = [(f"p{i}", f"theorem u{i} : True := trivial") for i in range(12)]
    async with running(calls["app"]) as client:
        reply = await client.post("/api/check", json=check_payload(snippets))
    results = reply.json()["results"]
    assert [r["id"] for r in results] == [i for i, _ in snippets]
    assert {analyze(r) for r in results} == {"valid"}
    # answered by the cluster's pools (which of them depends on how fast each one runs)
    assert {r["verdict"]["extra"]["ray_node"] for r in results} <= {
        str(n.node_id) for n in cli_nodes
    }
