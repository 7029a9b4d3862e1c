"""REPLs in bubblewrap: a hostile REPL is contained, proofs still pass, the pool's limits hold.

The sandbox tests need a working ``bwrap`` (``.ci/run`` installs bubblewrap where it can);
without one they are skipped, except those about refusing to start without it.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kimina_prover_rl.cli import app
from kimina_prover_rl.errors import ConfigError, ReplOutOfMemory, ReplTimeout
from kimina_prover_rl.lean import (
    LeanRepl,
    ReplConfig,
    VerifierSettings,
    VerifyRequest,
    open_verifier,
    standin_command,
)
from kimina_prover_rl.lean.repl import _descendants
from kimina_prover_rl.lean.sandbox import Sandbox, describe_sandbox, resolve_sandbox
from kimina_prover_rl.lean.verdict import VerdictStatus

HOSTILE = Path(__file__).with_name("_hostile_repl.py")
SANDBOX = resolve_sandbox("auto")
needs_bwrap = pytest.mark.skipif(
    SANDBOX is None, reason="no working bwrap here (apt-get install bubblewrap)"
)


@pytest.fixture
def listener() -> Iterator[int]:
    """A loopback TCP port accepting connections on the host."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


def _hostile(tmp_path: Path, port: int, sandbox: Sandbox | None) -> ReplConfig:
    project = tmp_path / "project"
    home = tmp_path / "home"
    for folder in (project, home):
        folder.mkdir(exist_ok=True)
    (home / "secret").write_text("the user's token")
    return ReplConfig(
        command=(sys.executable, str(HOSTILE)),
        cwd=project,
        env={
            "PROBE_PORT": str(port),
            "PROBE_WRITE": str(project / "pwned"),
            "PROBE_TMP": str(_host_tmp(tmp_path)),
            "HOME": str(home),
        },
        sandbox=sandbox,
    )


def _host_tmp(tmp_path: Path) -> Path:
    """A file name in the host's /tmp, unique to the test (the probe writes it)."""
    return (
        Path("/tmp")
        / f"kimina-sandbox-probe-{tmp_path.name}-{uuid.uuid5(uuid.NAMESPACE_URL, str(tmp_path))}"
    )


async def _probe(config: ReplConfig) -> dict[str, str]:
    async with await LeanRepl.start(config) as repl:
        answer = await repl.send({"cmd": "theorem t : True := trivial"}, timeout_s=60)
    results: dict[str, str] = json.loads(answer["messages"][0]["data"])
    return results


async def test_without_the_sandbox_the_hostile_repl_reaches_everything(
    tmp_path: Path, listener: int
) -> None:
    results = await _probe(_hostile(tmp_path, listener, None))
    assert results == {"socket": "ok", "write": "ok", "home": "ok", "tmp": "ok"}
    assert (tmp_path / "project" / "pwned").read_text() == "pwned"
    written = _host_tmp(tmp_path)
    assert written.read_text() == "fine"
    written.unlink()


@needs_bwrap
async def test_the_sandbox_stops_network_writes_and_home_but_keeps_a_private_tmp(
    tmp_path: Path, listener: int
) -> None:
    results = await _probe(_hostile(tmp_path, listener, SANDBOX))
    assert results["socket"].startswith("blocked:")
    assert results["write"].startswith("blocked:")
    assert "Read-only file system" in results["write"]
    assert results["home"].startswith("blocked:")
    assert results["tmp"] == "ok"
    assert not (tmp_path / "project" / "pwned").exists()
    assert not _host_tmp(tmp_path).exists()  # that /tmp was the REPL's own


@needs_bwrap
async def test_proofs_pass_through_a_sandboxed_pool_and_the_start_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    options = VerifierSettings(backend="standin", sandbox="required", cache_path=None, workers=1)
    async with open_verifier(options) as verifier:
        good, bad = await verifier.verify(
            [
                VerifyRequest(code="theorem t : 1 + 1 = 2 := by\n  rfl"),
                VerifyRequest(code="theorem t : 1 + 1 = 2 := by\n  sorry"),
            ]
        )
    assert good.status is VerdictStatus.VALID
    assert bad.status is not VerdictStatus.VALID
    assert "each REPL runs inside bubblewrap" in capsys.readouterr().err


def _sandboxed(**changes: object) -> ReplConfig:
    settings: dict[str, object] = {
        "command": standin_command(),
        "kill_grace_s": 0.3,
        "memory_poll_s": 0.05,
        "sandbox": SANDBOX,
    }
    settings.update(changes)
    return ReplConfig(**settings)  # type: ignore[arg-type]


async def _all_gone(pids: list[int]) -> bool:
    for _ in range(500):
        if not any(_alive(pid) for pid in pids):
            return True
        await asyncio.sleep(0.02)
    return False


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@needs_bwrap
async def test_a_timeout_kills_every_process_of_the_sandbox() -> None:
    repl = await LeanRepl.start(_sandboxed())
    await repl.send({"cmd": "-- standin: spawn-child"}, timeout_s=60)
    await repl.send({"cmd": "-- standin: ignore-sigterm"}, timeout_s=60)
    inside = _descendants(repl.pid)
    assert len(inside) >= 3  # bwrap, the stand-in, its child (and bwrap's pid-1 helper)
    with pytest.raises(ReplTimeout):
        await repl.send({"cmd": "-- standin: hang"}, timeout_s=0.3)
    assert await _all_gone(inside)
    await repl.aclose()


@needs_bwrap
async def test_the_memory_watchdog_sees_into_the_sandbox() -> None:
    repl = await LeanRepl.start(_sandboxed(memory_limit_mb=120))
    with pytest.raises(ReplOutOfMemory, match="memory_limit_mb=120"):
        await repl.send({"cmd": "-- standin: oom=600"}, timeout_s=60)
    assert not _alive(repl.pid)


def test_required_without_bwrap_refuses_to_start_with_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ConfigError) as info:
        resolve_sandbox("required")
    message = str(info.value)
    assert "--sandbox required: bwrap (bubblewrap) is not on PATH" in message
    assert "apt-get install bubblewrap" in message
    assert "--sandbox off" in message
    assert resolve_sandbox("auto") is None
    assert describe_sandbox("auto", None).startswith("WARNING: sandbox unavailable")

    proofs = tmp_path / "in.jsonl"
    proofs.write_text(json.dumps({"id": 1, "code": "theorem t : True := trivial"}) + "\n")
    result = CliRunner().invoke(
        app, ["verify", str(proofs), "--backend", "standin", "--no-cache", "--sandbox", "required"]
    )
    assert result.exit_code == 2, result.output
    assert "error: --sandbox required: bwrap (bubblewrap) is not on PATH" in result.output


def test_a_bwrap_that_cannot_build_a_sandbox_is_not_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "bwrap"
    broken.write_text(
        "#!/bin/sh\necho 'bwrap: No permissions to creating new namespace' >&2\nexit 1\n"
    )
    broken.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    assert resolve_sandbox("auto") is None
    with pytest.raises(ConfigError, match="cannot create a sandbox here"):
        resolve_sandbox("required")
    assert resolve_sandbox("off") is None


@needs_bwrap
def test_doctor_says_the_repls_are_sandboxed() -> None:
    result = CliRunner().invoke(app, ["doctor", "--sandbox", "auto"], env={"COLUMNS": "400"})
    assert "REPL sandbox" in result.output
    assert "each REPL runs inside bubblewrap" in result.output, result.output
