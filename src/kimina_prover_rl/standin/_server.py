"""The stand-in's process: read requests, inject faults and latency, write answers.

Standard library only, so that a stand-in starts in a few tens of milliseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any, NoReturn

from kimina_prover_rl.standin import STANDIN_BANNER
from kimina_prover_rl.standin._latency import parse_latency
from kimina_prover_rl.standin._lean import (
    Constant,
    Directive,
    Namespace,
    elaborate,
    parse_directives,
)

_MB = 1024 * 1024


@dataclass(slots=True)
class _State:
    """Environments handed out so far: each maps declaration names to their axioms, and
    keeps the namespace its command left open (the REPL keeps a command's scopes)."""

    envs: list[tuple[dict[str, Constant], Namespace]] = field(default_factory=list)
    proof_states: int = 0


def main(argv: list[str] | None = None) -> int:
    """Serve requests from stdin until it closes."""
    args = _parser().parse_args(argv)
    try:
        latency, import_latency = parse_latency(args.latency), parse_latency(args.import_latency)
    except ValueError as exc:
        _parser().error(str(exc))
    sys.stderr.write(STANDIN_BANNER + "\n")
    sys.stderr.flush()
    rng = random.Random(args.seed)
    state = _State()
    out = sys.stdout.buffer
    for request in _requests(sys.stdin.buffer):
        if not request.strip():
            continue
        try:
            query = json.loads(request)
        except json.JSONDecodeError as exc:
            message = json.dumps({"message": f"Could not parse JSON:\n{exc}"})
            sys.stderr.write(f"uncaught exception: {message}\n")
            return 1
        cmd = query.get("cmd") if isinstance(query, dict) else None
        if not isinstance(cmd, str):
            _write(out, {"message": 'the stand-in only runs commands: {"cmd": ..., "env": N}'})
            continue
        directives = parse_directives(cmd)
        _apply_faults(directives, rng, args)
        delay = (import_latency if "import" in cmd else latency)(rng)
        time.sleep(delay + sum(float(d.options.get("slow", 0)) for d in directives))
        _write_answer(out, _answer(query, cmd, state, args), directives, cmd)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kimina_prover_rl.standin",
        description="Stand-in Lean REPL (SIMULATED): the REPL JSON protocol on stdin/stdout. "
        "See the module docstring for directives.",
    )
    parser.add_argument("--latency", default="0", help="per-command latency SPEC")
    parser.add_argument("--import-latency", default="0", help="latency SPEC for headers")
    parser.add_argument("--crash-rate", type=float, default=0.0)
    parser.add_argument("--hang-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--sorry-quote", choices=["'", "`"], default="'")
    parser.add_argument("--oom-ceiling-mb", type=int, default=4096)
    parser.add_argument(
        "--sorry-wording", default=None, help="sorry warning TEMPLATE ({name}: the declaration)"
    )
    parser.add_argument(
        "--axioms-wording", default=None, help="#print axioms TEMPLATE ({name}, {axioms})"
    )
    return parser


def _requests(stream: IO[bytes]) -> Iterator[str]:
    """Yield each request: the text up to a blank line, as the real REPL reads it."""
    lines: list[bytes] = []
    for line in stream:
        if line.strip():
            lines.append(line)
        elif lines:
            yield b"".join(lines).decode(errors="replace")
            lines = []
    if lines:
        yield b"".join(lines).decode(errors="replace")


def _answer(query: dict[str, Any], cmd: str, state: _State, args: argparse.Namespace) -> Any:
    env = query.get("env")
    if env is not None and not (isinstance(env, int) and 0 <= env < len(state.envs)):
        return {"message": "Unknown environment."}
    known, namespace = state.envs[env] if env is not None else ({}, ())
    result = elaborate(
        cmd,
        in_env=env is not None,
        known=known,
        next_proof_state=state.proof_states,
        sorry_quote=args.sorry_quote,
        all_tactics=bool(query.get("allTactics")),
        infotree=bool(query.get("infotree")),
        namespace=namespace,
        sorry_wording=args.sorry_wording,
        axioms_wording=args.axioms_wording,
    )
    response = result.response
    state.proof_states += len(response.get("sorries", ())) + len(response.get("tactics", ()))
    state.envs.append(({**known, **result.declarations}, result.namespace))
    return {"env": len(state.envs) - 1, **response}


def _apply_faults(
    directives: list[Directive], rng: random.Random, args: argparse.Namespace
) -> None:
    names = {d.name: d for d in directives}
    draw = rng.random()
    if "crash" in names or draw < args.crash_rate:
        _crash()
    if "ignore-sigterm" in names or "hang-ignoring-sigterm" in names:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if "hang-ignoring-sigterm" in names:
        _hang()
    if "hang" in names or draw < args.crash_rate + args.hang_rate:
        _hang()
    if "oom" in names:
        _grow_memory(float(names["oom"].options.get("oom", 200)), args.oom_ceiling_mb)
    if "spawn-child" in names:
        _spawn_child()
    if "stderr-flood" in names:
        megabytes = float(names["stderr-flood"].options.get("stderr-flood", 16))
        line = "stand-in stderr flood: " + "x" * 100 + "\n"
        for _ in range(int(megabytes * _MB / len(line))):
            sys.stderr.write(line)
        sys.stderr.flush()


def _crash() -> NoReturn:
    sys.stderr.write("INTERNAL PANIC: stand-in simulated crash\n")
    sys.stderr.flush()
    os._exit(1)


def _hang() -> NoReturn:
    while True:
        time.sleep(3600)


def _grow_memory(mb_per_s: float, ceiling_mb: int) -> NoReturn:
    hoard: list[bytes] = []
    step_mb = max(1, int(mb_per_s / 20))
    while len(hoard) * step_mb < ceiling_mb:
        hoard.append(b"\x01" * (step_mb * _MB))
        time.sleep(0.05)
    _hang()


def _spawn_child() -> None:
    pid = os.fork()
    if pid == 0:
        time.sleep(3600)
        os._exit(0)
    sys.stderr.write(f"stand-in spawned child pid {pid}\n")
    sys.stderr.flush()


def _write_answer(
    out: IO[bytes], response: dict[str, Any], directives: list[Directive], cmd: str
) -> None:
    names = {d.name: d for d in directives}
    if "big" in names and "env" in response:
        size = int(float(names["big"].options.get("big", 1)) * _MB)
        padding = {"severity": "info", "pos": {"line": 1, "column": 0}, "data": "x" * size}
        response.setdefault("messages", []).append(padding)
    if "noise" in names:
        out.write(f"Processing incremental state [pos: 0..{len(cmd)}]:\n{cmd}\n\n".encode())
    if "garbage" in names:
        out.write(b'{"env": 0, "messages": [\x00\xff\xfe garbage ]]]\n\n')
        out.flush()
        return
    data = _encode(response)
    if "partial" in names:
        out.write(data[: len(data) // 2])
        out.flush()
        os._exit(1)
    out.write(data)
    out.flush()


def _write(out: IO[bytes], response: dict[str, Any]) -> None:
    out.write(_encode(response))
    out.flush()


def _encode(response: dict[str, Any]) -> bytes:
    return (json.dumps(response, indent=2, ensure_ascii=False) + "\n\n").encode()
