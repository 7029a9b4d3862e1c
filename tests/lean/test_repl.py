"""LeanRepl against the stand-in: answers, deadlines, crashes, memory cap, cleanup, leaks."""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time
from pathlib import Path

import pytest

from kimina_prover_rl.errors import ConfigError, ReplCrashed, ReplOutOfMemory, ReplTimeout
from kimina_prover_rl.lean import STANDIN_BANNER, LeanRepl, ReplConfig, standin_command
from kimina_prover_rl.lean.sandbox import Sandbox

BASE = ReplConfig(command=standin_command(), kill_grace_s=0.5, memory_poll_s=0.05)


def _config(**changes: object) -> ReplConfig:
    fields = {name: getattr(BASE, name) for name in BASE.__dataclass_fields__}
    fields.update(changes)
    return ReplConfig(**fields)  # type: ignore[arg-type]


def _gone(pid: int) -> bool:
    """No such process, or only a zombie left for init to reap."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


async def _wait_for(predicate: object, timeout_s: float = 60.0) -> bool:
    """Poll until ``predicate()`` holds; the bound only stops a broken test hanging."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        await asyncio.sleep(0.02)
    return False


async def test_commands_build_on_environments() -> None:
    async with await LeanRepl.start(BASE) as repl:
        header = await repl.send({"cmd": "import Mathlib"}, timeout_s=60)
        proof = await repl.send(
            {"cmd": "theorem t : 1 = 1 := by\n  sorry", "env": header["env"]}, timeout_s=10
        )
        assert proof["env"] > header["env"]
        assert proof["sorries"][0]["pos"]["line"] == 2
        unknown = await repl.send({"cmd": "example : True := trivial", "env": 99}, timeout_s=60)
        assert unknown == {"message": "Unknown environment."}
        assert repl.commands_run == 3
        assert repl.alive
        assert not repl.needs_recycle
        assert re.fullmatch(rf"<LeanRepl pid={repl.pid} idle commands_run=3>", repr(repl))
        assert await _wait_for(lambda: STANDIN_BANNER in repl.stderr_tail)
    assert not repl.alive
    assert "closed" in repr(repl)


async def test_timeout_kills_the_whole_process_group() -> None:
    repl = await LeanRepl.start(BASE)
    await repl.send({"cmd": "-- standin: spawn-child"}, timeout_s=60)
    assert await _wait_for(lambda: "spawned child pid" in repl.stderr_tail)
    child = int(re.findall(r"spawned child pid (\d+)", repl.stderr_tail)[0])
    assert not _gone(child)
    with pytest.raises(ReplTimeout) as info:
        await repl.send({"cmd": "-- standin: hang"}, timeout_s=0.3)
    assert info.value.pid == repl.pid
    assert "killed by SIGTERM" in repr(repl)  # it honoured SIGTERM: no escalation needed
    assert not repl.alive
    assert repl.needs_recycle
    assert _gone(repl.pid)
    assert await _wait_for(lambda: _gone(child))
    await repl.aclose()


async def test_a_process_ignoring_sigterm_is_killed_after_the_grace_period() -> None:
    repl = await LeanRepl.start(_config(kill_grace_s=0.3))
    await repl.send({"cmd": "-- standin: ignore-sigterm"}, timeout_s=60)
    with pytest.raises(ReplTimeout):
        await repl.send({"cmd": "-- standin: hang"}, timeout_s=0.2)
    assert _gone(repl.pid)
    assert "killed by SIGKILL" in repr(repl)


async def test_crash_raises_with_the_stderr_tail_and_the_repl_stays_dead() -> None:
    repl = await LeanRepl.start(BASE)
    with pytest.raises(ReplCrashed, match="exit code 1") as info:
        await repl.send({"cmd": "-- standin: crash"}, timeout_s=60)
    assert "INTERNAL PANIC" in info.value.stderr_tail
    assert info.value.pid == repl.pid
    assert repl.needs_recycle
    with pytest.raises(ReplCrashed, match="no longer running"):
        await repl.send({"cmd": "example : True := trivial"}, timeout_s=60)
    await repl.aclose()


@pytest.mark.parametrize(
    ("directive", "pattern"), [("garbage", "not JSON"), ("partial", "unfinished output")]
)
async def test_broken_output_is_a_crash(directive: str, pattern: str) -> None:
    repl = await LeanRepl.start(BASE)
    with pytest.raises(ReplCrashed, match=pattern):
        await repl.send({"cmd": f"-- standin: {directive}"}, timeout_s=60)
    assert _gone(repl.pid)


async def test_an_oversized_answer_is_a_crash() -> None:
    repl = await LeanRepl.start(_config(max_response_bytes=100_000))
    with pytest.raises(ReplCrashed, match="max_response_bytes=100000"):
        await repl.send({"cmd": "-- standin: big=1"}, timeout_s=60)
    assert _gone(repl.pid)


async def test_progress_noise_on_stdout_is_tolerated() -> None:
    async with await LeanRepl.start(BASE) as repl:
        answer = await repl.send(
            {"cmd": "-- standin: noise\ntheorem t : True := trivial"}, timeout_s=10
        )
        assert answer == {"env": 0}


async def test_a_stderr_flood_neither_blocks_nor_grows_memory() -> None:
    async with await LeanRepl.start(_config(stderr_tail_chars=1000)) as repl:
        answer = await repl.send({"cmd": "-- standin: stderr-flood=8"}, timeout_s=60)
        assert answer == {"env": 0}
        assert len(repl.stderr_tail) <= 1000
        assert "stand-in stderr flood" in repl.stderr_tail


async def test_the_memory_watchdog_kills_a_growing_repl() -> None:
    repl = await LeanRepl.start(_config(memory_limit_mb=120))
    with pytest.raises(ReplOutOfMemory, match="memory_limit_mb=120") as info:
        await repl.send({"cmd": "-- standin: oom=600"}, timeout_s=60)
    assert info.value.pid == repl.pid
    assert _gone(repl.pid)


async def test_cancellation_mid_command_reaps_the_process() -> None:
    repl = await LeanRepl.start(BASE)
    task = asyncio.create_task(repl.send({"cmd": "-- standin: hang"}, timeout_s=None))
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _gone(repl.pid)
    assert not repl.alive
    await repl.aclose()


async def test_recycle_after_n_commands_and_past_the_memory_threshold() -> None:
    async with await LeanRepl.start(_config(recycle_after_commands=2)) as repl:
        await repl.send({"cmd": "def a := 1"}, timeout_s=60)
        assert not repl.needs_recycle
        await repl.send({"cmd": "def b := 1"}, timeout_s=60)
        assert repl.needs_recycle
    async with await LeanRepl.start(_config(recycle_rss_mb=1)) as repl:
        await repl.send({"cmd": "def a := 1"}, timeout_s=60)
        size = repl.rss_bytes()
        assert size is not None
        assert size > 1024 * 1024
        assert repl.needs_recycle


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _children() -> list[str]:
    tasks = Path("/proc/self/task")
    return [c for t in tasks.iterdir() for c in (t / "children").read_text().split()]


async def test_no_fd_or_process_leaks_over_many_start_close_cycles() -> None:
    async with await LeanRepl.start(BASE) as warmup:
        await warmup.send({"cmd": "def a := 1"}, timeout_s=60)
    before = _open_fds()
    children_before = set(_children())
    for _ in range(10):
        repl = await LeanRepl.start(BASE)
        await repl.send({"cmd": "def a := 1"}, timeout_s=60)
        await repl.aclose()
        await repl.aclose()
    assert _open_fds() <= before
    assert set(_children()) - children_before == set()


async def test_a_missing_command_is_a_config_error_naming_the_fix() -> None:
    with pytest.raises(ConfigError, match=r"no-such-repl.*--repl-cmd"):
        await LeanRepl.start(ReplConfig(command=("no-such-repl-binary",)))


@pytest.mark.parametrize(
    ("command", "cause"),
    [
        ("no-such-repl-binary", "No such file or directory"),
        ("./no-such-repl", "No such file or directory"),
        ("/no/such/repl", "No such file or directory"),
        ("./not-executable", "Permission denied"),
    ],
)
async def test_a_missing_command_is_named_before_the_sandbox_hides_it(
    command: str, cause: str, tmp_path: Path
) -> None:
    """Inside bubblewrap a missing program would only be a crash at the first command; it
    is found before bwrap runs (this bwrap does not even exist, and is never started)."""
    (tmp_path / "not-executable").write_text("#!/bin/sh\n")
    sandbox = Sandbox(bwrap=str(tmp_path / "bwrap-never-run"))
    config = ReplConfig(command=(command,), cwd=tmp_path, sandbox=sandbox)
    with pytest.raises(ConfigError, match=rf"{cause}.*--repl-cmd"):
        await LeanRepl.start(config)


@pytest.mark.parametrize(
    ("field", "value", "pattern"),
    [
        ("command", "lake env repl", "shlex.split"),
        ("command", (), "non-empty"),
        ("kill_grace_s", -1.0, "kill_grace_s=-1.0"),
        ("memory_limit_mb", 0, "memory_limit_mb=0"),
        ("recycle_after_commands", 0, "recycle_after_commands=0"),
    ],
)
def test_config_validation_names_the_field(field: str, value: object, pattern: str) -> None:
    with pytest.raises(ConfigError, match=pattern):
        _config(**{field: value})


def test_config_defaults_run_lake_env_repl() -> None:
    assert ReplConfig().command == ("lake", "env", "repl")
    assert standin_command()[:3] == (sys.executable, "-m", "kimina_prover_rl.standin")


async def test_a_repl_that_exits_at_start_says_why_in_the_error() -> None:
    command = (sys.executable, "-c", "import sys; sys.exit('error: no lakefile found')")
    repl = await LeanRepl.start(ReplConfig(command=command))
    await asyncio.sleep(0.3)  # usually dead before the command is written, the case tested
    with pytest.raises(ReplCrashed, match="no lakefile found"):
        await repl.send({"cmd": "example : True := trivial"}, timeout_s=60)
    await repl.aclose()
