"""One Lean REPL process: start it, send commands under deadlines, watch memory, kill it.

Any executable that speaks the leanprover-community/repl JSON protocol works. The default
``("lake", "env", "repl")`` assumes ``repl`` is on ``PATH``; usually you build the REPL
once and point at its binary, run inside a Lean project that depends on Mathlib::

    ReplConfig(
        command=("lake", "env", "/opt/repl/.lake/build/bin/repl"),
        cwd=Path("/opt/mathlib-project"),   # `lake env` puts its .olean files on LEAN_PATH
    )

Each process gets its own session (process group), so a kill reaches ``lake`` and the
``repl`` it spawned alike: SIGTERM to the group, ``kill_grace_s`` to exit, SIGKILL, and
the exit is always awaited, also when the caller is cancelled mid-command.

Memory. ``RLIMIT_AS`` cannot cap a REPL: ``import Mathlib`` memory-maps gigabytes of
``.olean`` files, so any address-space limit low enough to matter breaks the import. A
watchdog instead polls the anonymous resident memory (``RssAnon`` in
``/proc/<pid>/status``) of the process and all its descendants while a command runs and
SIGKILLs the group past ``memory_limit_mb`` (-> ``ReplOutOfMemory``). File-backed pages
(the mapped ``.olean`` files, shared by every REPL through the page cache) are not
counted. The cap can overshoot by what the proof allocates in one ``memory_poll_s``. For a
hard kernel limit, wrap the command in a cgroup v2 scope, e.g.
``("systemd-run", "--user", "--scope", "-p", "MemoryMax=8G", "lake", "env", "repl")``.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import errno
import os
import shlex
import shutil
import signal
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from kimina_prover_rl.errors import ConfigError, ReplCrashed, ReplOutOfMemory, ReplTimeout
from kimina_prover_rl.lean.protocol import (
    DEFAULT_MAX_RESPONSE_BYTES,
    ResponseReader,
    encode_request,
)
from kimina_prover_rl.lean.sandbox import Sandbox

__all__ = ["LeanRepl", "ReplConfig"]

_MIB = 1024 * 1024
_STDERR_CHUNK = 64 * 1024
_NATURAL_EXIT_WAIT_S = 0.5
_PIPE_EOF_WAIT_S = 1.0

_State = Literal["idle", "busy", "dead", "closed"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplConfig:
    """How to run one REPL process, and when to kill or recycle it.

    Memory figures are anonymous resident memory in MiB (see the module docstring).
    """

    command: tuple[str, ...] = ("lake", "env", "repl")
    """The argv of any executable speaking the REPL protocol."""
    cwd: Path | None = None
    """Working directory: the Lean project whose packages ``lake env`` exposes."""
    env: Mapping[str, str] = field(default_factory=dict)
    """Extra environment variables, on top of this process's environment."""
    memory_limit_mb: int | None = 8192
    """Kill the process group past this much memory during a command (None: no cap)."""
    recycle_after_commands: int = 500
    """``needs_recycle`` turns true after this many commands (the REPL keeps every env)."""
    recycle_rss_mb: int | None = 6144
    """``needs_recycle`` turns true when a command leaves more memory than this."""
    kill_grace_s: float = 2.0
    """Time between SIGTERM and SIGKILL."""
    stderr_tail_chars: int = 8192
    """How much of the latest stderr to keep for error messages."""
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    """Largest answer accepted; a bigger one means a broken REPL (-> ``ReplCrashed``)."""
    memory_poll_s: float = 0.25
    """How often the memory watchdog looks at a running command."""
    sandbox: Sandbox | None = None
    """Run the command inside this bubblewrap sandbox (``lean.sandbox``); None: as is."""

    def __post_init__(self) -> None:
        command: object = self.command
        if isinstance(command, str) or not self.command:
            raise ConfigError(
                f"ReplConfig.command={self.command!r} must be a non-empty argv tuple; "
                "split a shell string with shlex.split, e.g. ('lake', 'env', 'repl')"
            )
        object.__setattr__(self, "command", tuple(str(part) for part in self.command))
        object.__setattr__(self, "env", dict(self.env))
        _require_positive("recycle_after_commands", self.recycle_after_commands)
        _require_positive("stderr_tail_chars", self.stderr_tail_chars)
        _require_positive("max_response_bytes", self.max_response_bytes)
        _require_positive("memory_poll_s", self.memory_poll_s)
        if self.memory_limit_mb is not None:
            _require_positive("memory_limit_mb", self.memory_limit_mb)
        if self.recycle_rss_mb is not None:
            _require_positive("recycle_rss_mb", self.recycle_rss_mb)
        if self.kill_grace_s < 0:
            raise ConfigError(
                f"ReplConfig.kill_grace_s={self.kill_grace_s!r} is negative; "
                "pass 0 to SIGKILL at once or a few seconds to let Lean exit"
            )


def _require_positive(name: str, value: float) -> None:
    if not value > 0:
        raise ConfigError(f"ReplConfig.{name}={value!r} must be positive")


class LeanRepl:
    """A running REPL process. Create it with ``await LeanRepl.start(config)``.

    Commands run one at a time (concurrent ``send`` calls queue on a lock). After
    ``ReplTimeout``, ``ReplCrashed`` or ``ReplOutOfMemory`` the process group is already
    dead and reaped; start a new ``LeanRepl``.
    """

    def __init__(self, config: ReplConfig, process: asyncio.subprocess.Process) -> None:
        """Wrap a started process; use :meth:`start` instead."""
        if process.stdin is None or process.stdout is None or process.stderr is None:
            raise ValueError("LeanRepl needs a process with stdin, stdout and stderr pipes")
        self._config = config
        self._proc = process
        self._stdin = process.stdin
        self._proc_stdout = process.stdout
        self._reader = ResponseReader(process.stdout, max_response_bytes=config.max_response_bytes)
        self._stderr_tail = ""
        self._stderr_task = asyncio.create_task(self._drain_stderr(process.stderr))
        self._lock = asyncio.Lock()
        self._state: _State = "idle"
        self._commands_run = 0
        self._last_rss: int | None = None
        self._oom_rss: int | None = None
        self._terminating: asyncio.Task[None] | None = None
        self._watchdog: asyncio.Task[None] | None = None

    @classmethod
    async def start(cls, config: ReplConfig) -> LeanRepl:
        """Spawn ``config.command`` in its own session; ``ConfigError`` if it cannot run."""
        env = {**os.environ, **config.env}
        argv = config.command
        if config.sandbox is not None:
            # inside bwrap a missing program is only a crash at the first command: say so here
            missing = _why_not_runnable(config.command[0], cwd=config.cwd, path=env.get("PATH"))
            if missing is not None:
                raise _cannot_start(config, missing)
            argv = config.sandbox.wrap(config.command, cwd=config.cwd, env=env)
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                cwd=config.cwd,
                env=env,
                start_new_session=True,
            )
        except OSError as exc:
            raise _cannot_start(config, str(exc)) from exc
        return cls(config, process)

    @property
    def pid(self) -> int:
        """Process id of the command (also the id of its process group)."""
        return self._proc.pid

    @property
    def commands_run(self) -> int:
        """Commands sent so far, including one that failed."""
        return self._commands_run

    @property
    def alive(self) -> bool:
        """True while the process runs and can take commands."""
        return self._state in ("idle", "busy") and self._proc.returncode is None

    @property
    def needs_recycle(self) -> bool:
        """True when the pool should replace this REPL (dead, old, or grown too large)."""
        limit = self._config.recycle_rss_mb
        return (
            not self.alive
            or self._commands_run >= self._config.recycle_after_commands
            or (limit is not None and (self._last_rss or 0) > limit * _MIB)
        )

    @property
    def stderr_tail(self) -> str:
        """The last ``stderr_tail_chars`` characters the process wrote to stderr."""
        return self._stderr_tail

    def __repr__(self) -> str:
        state: str = self._state
        if self._proc.returncode is not None:
            state = f"{state}, {_describe_exit(self._proc.returncode)}"
        return f"<LeanRepl pid={self.pid} {state} commands_run={self._commands_run}>"

    def rss_bytes(self) -> int | None:
        """Anonymous resident memory of the process and its descendants; None if unknown."""
        if self._proc.returncode is not None:
            return None
        sizes = [size for pid in _descendants(self.pid) if (size := _rss_anon(pid)) is not None]
        return sum(sizes) if sizes else None

    async def send(self, request: Mapping[str, Any], *, timeout_s: float | None) -> dict[str, Any]:
        """Run one request and return the REPL's answer (``{"message": ...}`` included).

        The deadline starts when the request is written. On timeout, crash, memory cap
        or cancellation the process group is killed and reaped before this returns.
        """
        if timeout_s is not None and not timeout_s > 0:
            raise ConfigError(f"timeout_s={timeout_s!r} must be positive or None")
        payload = encode_request(request)
        async with self._lock:
            if not self.alive:
                if self._state != "closed":
                    # It exited on its own (say, `lake` found no project): reap it and
                    # read its stderr to the end, so the error says why.
                    await self._kill_shielded(natural_exit=True)
                raise ReplCrashed(
                    f"{self!r} is no longer running (the pool starts another one); "
                    f"stderr tail: {self._stderr_tail[-500:]!r}",
                    pid=self.pid,
                    stderr_tail=self._stderr_tail,
                )
            self._state = "busy"
            self._commands_run += 1
            response = await self._exchange(payload, timeout_s)
            if self._state == "busy":
                self._state = "idle"
            self._last_rss = self.rss_bytes()
            return response

    async def _exchange(self, payload: bytes, timeout_s: float | None) -> dict[str, Any]:
        limit = self._config.memory_limit_mb
        if limit is not None:
            self._watchdog = asyncio.create_task(self._watch_memory(limit * _MIB))
        try:
            async with asyncio.timeout(timeout_s):
                try:
                    self._stdin.write(payload)
                    await self._stdin.drain()
                except (BrokenPipeError, ConnectionResetError) as exc:
                    raise ReplCrashed(f"the REPL closed its input ({exc})") from exc
                return await self._reader.read_response()
        except TimeoutError:
            await self._kill_shielded(natural_exit=False)
            raise ReplTimeout(
                f"{self!r} did not answer within {timeout_s} s and was killed; raise the "
                "timeout if such proofs are expected",
                pid=self.pid,
                stderr_tail=self._stderr_tail,
            ) from None
        except ReplCrashed as exc:
            await self._kill_shielded(natural_exit=True)
            if self._oom_rss is not None:
                raise ReplOutOfMemory(
                    f"{self!r} grew to {self._oom_rss // _MIB} MiB, past memory_limit_mb="
                    f"{limit}, and was killed; raise ReplConfig.memory_limit_mb if the "
                    "proof legitimately needs more",
                    pid=self.pid,
                    stderr_tail=self._stderr_tail,
                ) from exc
            closed = " (closed by aclose())" if self._state == "closed" else ""
            raise ReplCrashed(
                f"{self!r}{closed}: {exc}; stderr tail: {self._stderr_tail[-500:]!r}",
                pid=self.pid,
                stderr_tail=self._stderr_tail,
            ) from exc
        except BaseException:
            await self._kill_shielded(natural_exit=False)
            raise
        finally:
            if self._watchdog is not None:
                self._watchdog.cancel()

    async def aclose(self) -> None:
        """Kill the process group and reap it; later calls join the same termination."""
        self._state = "closed"
        await self._kill_shielded(natural_exit=False)

    async def __aenter__(self) -> LeanRepl:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _kill_shielded(self, *, natural_exit: bool) -> None:
        """Run (or join) the termination to its end, even if we are cancelled meanwhile."""
        if self._terminating is None:
            self._terminating = asyncio.create_task(self._terminate(natural_exit))
        task = self._terminating
        cancelled = False
        while not task.done():
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                cancelled = cancelled or not task.done()
        task.result()
        if cancelled:
            raise asyncio.CancelledError

    async def _terminate(self, natural_exit: bool) -> None:
        proc = self._proc
        with contextlib.suppress(OSError):
            self._stdin.close()
        if natural_exit and proc.returncode is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), _NATURAL_EXIT_WAIT_S)
        if proc.returncode is None:
            self._signal_group(signal.SIGTERM)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), self._config.kill_grace_s)
        self._signal_group(signal.SIGKILL)
        await proc.wait()
        if self._state != "closed":
            self._state = "dead"
        # asyncio closes the subprocess transport only once every pipe has hit EOF; a
        # process that escaped the group could hold them open, hence the bound.
        try:
            async with asyncio.timeout(_PIPE_EOF_WAIT_S):
                await self._stderr_task
                while await self._proc_stdout.read(_STDERR_CHUNK):
                    pass
        except TimeoutError:
            self._stderr_task.cancel()

    def _signal_group(self, signum: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signum)

    async def _drain_stderr(self, stream: asyncio.StreamReader) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        keep = self._config.stderr_tail_chars
        while chunk := await stream.read(_STDERR_CHUNK):
            self._stderr_tail = (self._stderr_tail + decoder.decode(chunk))[-keep:]

    async def _watch_memory(self, limit_bytes: int) -> None:
        while True:
            await asyncio.sleep(self._config.memory_poll_s)
            rss = self.rss_bytes()
            if rss is not None and rss > limit_bytes:
                self._oom_rss = rss
                self._signal_group(signal.SIGKILL)
                return


def _describe_exit(returncode: int) -> str:
    if returncode < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-returncode).name}"
        return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


def _descendants(root: int) -> list[int]:
    """``root`` and every process below it, via ``/proc/<pid>/task/<tid>/children``."""
    found = [root]
    for pid in found:
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            with contextlib.suppress(OSError, ValueError):
                text = Path(f"/proc/{pid}/task/{tid}/children").read_text()
                found.extend(int(child) for child in text.split())
    return found


def _rss_anon(pid: int) -> int | None:
    """``RssAnon`` of one process in bytes (``VmRSS`` on kernels without it)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    value = fields.get("RssAnon") or fields.get("VmRSS")
    if value is None:
        return None
    return int(value.split()[0]) * 1024


def _why_not_runnable(program: str, *, cwd: Path | None, path: str | None) -> str | None:
    """Why ``exec`` would not find ``program`` from ``cwd`` with ``path`` as ``$PATH`` (the
    OS's words), or None when it names an executable file."""
    if os.sep not in program:
        if shutil.which(program, path=path) is not None:
            return None
        return f"{os.strerror(errno.ENOENT)} (not on PATH)"
    file = Path(program) if Path(program).is_absolute() else (cwd or Path.cwd()) / program
    if not file.is_file():
        return os.strerror(errno.ENOENT)
    return None if os.access(file, os.X_OK) else os.strerror(errno.EACCES)


def _cannot_start(config: ReplConfig, reason: str) -> ConfigError:
    return ConfigError(
        f"cannot start the REPL command {shlex.join(config.command)!r} "
        f"in {config.cwd or Path.cwd()}: {reason}; pass --repl-cmd (or set KIMINA_LEAN_REPL) "
        "to your REPL command, e.g. 'lake env /path/to/repl/.lake/build/bin/repl', "
        "and --project-dir (or KIMINA_LEAN_PROJECT) to a Lean project with Mathlib; "
        "--backend standin runs simulated Lean instead"
    )
