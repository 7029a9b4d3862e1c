"""Throughput of ``check_answer`` on realistic answers and on 1 MB worst cases.

Run: ``.venv/bin/python benchmarks/bench_format.py`` (reads ../shared/data/minif2f_test.jsonl).
Prints the machine, answers/second for realistic answers of about 10K, 50K and 200K
characters, time per call against length (growth should be linear), how time grows with
20 times more of one hostile piece (lexer and parser pitfalls; linear is about 20x,
quadratic about 400x), and 1 MB worst cases.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from _machine import machine
from kimina_prover_rl.proof import AnswerCheck, FormatConfig, FormatError, check_answer

DATA = Path(
    os.environ.get("KIMINA_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
MB = 1_000_000


def statement() -> tuple[str, str, str]:
    """A real MiniF2F statement: (formal_statement, header, theorem ending in ``by``)."""
    with (DATA / "minif2f_test.jsonl").open(encoding="utf-8") as f:
        row = json.loads(f.readline())
    return row["formal_statement"], row["header"], row["theorem"].rstrip()


def realistic(target_chars: int) -> str:
    """A well-formed answer of about ``target_chars``: reasoning, drafts, final proof."""
    _, header, theorem = statement()
    tactics = [f"have h{i} : (b * h) / 3 = {i} + 0 := by norm_num [h₁, h₂, h₃]" for i in range(8)]
    step = (
        "Let us look at the volume formula again: substituting b = 30 and h = 13/2 gives "
        "v = 1/3 * (30 * 13/2), and the product simplifies to 65 after clearing fractions.\n"
    )
    parts = ["<think>\n"]
    size = 0
    i = 0
    while size < target_chars * 0.9:
        chunk = (
            f"Step {i}: {step}```tactics\n"
            + "\n".join(tactics[(i + k) % 8] for k in range(3))
            + "\n```\n"
        )
        parts.append(chunk)
        size += len(chunk)
        i += 1
    parts.append("</think>\nThe final proof:\n```lean4\n" + header + theorem + "\n")
    parts.append("\n".join("  " + t for t in tactics) + "\n  norm_num\n```\n")
    return "".join(parts)


def worst_cases() -> dict[str, str]:
    """Hostile 1 MB inputs for each part of the parser."""
    _, header, theorem = statement()
    return {
        "realistic answer": realistic(MB),
        "newlines only": "\n" * MB,
        "one line, no newline": "x" * MB,
        "fence lines": "```\n" * (MB // 4),
        "backticks, one line": "`" * MB,
        "unclosed comment in lean4": "<think></think>\n```lean4\n" + "/-" * (MB // 2) + "\n```",
        "nested brackets in lean4": "<think></think>\n```lean4\n"
        + theorem.replace(":= by", "")
        + "(" * MB
        + " := by\n  simp\n```",
        "one significant line repeated": "<think>\n"
        + "so the product of both positive numbers stays strictly larger than the sum of "
        "their squares minus twice their difference\n"
        * (MB // 110)
        + "</think>\n```lean4\n"
        + theorem
        + "\n  simp\n```",
        "many think tags": "<think></think>" * (MB // 15),
        "huge final proof": "<think>\n```tactics\nsimp\n```\n```tactics\nsimp\n```\n</think>\n"
        "```lean4\n" + header + theorem + "\n" + "  norm_num\n" * (MB // 11) + "```\n",
        "spaces then text": " " * MB + "x",
    }


# Pieces repeated many times, in the think block and in the final code: each is a spot
# where a scan could back-track or rescan (quotes, comments, names, interpolation).
HOSTILE_UNITS = [
    "\n", "`", "```\n", "<think>", "a ", "/-", "-- x\n", "(", "theorem ", "a'", "«", 'r#"',
    "@[simp,", "set_option a b in\n", '"{', "//-", "h!'", "'\"'", 's!"{', "x₁'", "∑'",
    "open X in\n", "set_option«debug».x true\n",
]  # fmt: skip


def growth(formal_statement: str, unit: str, config: FormatConfig) -> tuple[float, float]:
    """Seconds per call with 2,000 and with 40,000 copies of ``unit``."""

    def cost(n: int) -> float:
        text = "<think>" + unit * n + "</think>```lean4\n" + unit * n + "\n```"
        return per_call(lambda: check_answer(formal_statement, text, config), 3)

    return cost(2_000), cost(40_000)


def per_call(fn: Callable[[], AnswerCheck], repeat: int) -> float:
    """Median seconds of one call."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    formal_statement, _, _ = statement()
    config = FormatConfig(max_fences=10**6, max_code_chars=10**7)
    print(f"Machine: {machine()}\n")

    print("| answer | chars | result | ms / call | answers / s |")
    print("|---|---:|---|---:|---:|")
    for target in (10_000, 50_000, 200_000):
        text = realistic(target)
        check = check_answer(formal_statement, text)
        t = per_call(lambda text=text: check_answer(formal_statement, text), 30)
        result = check.format_error or "ok"
        print(f"| realistic | {len(text):,} | {result} | {t * 1e3:.2f} | {1 / t:,.0f} |")

    print("\n| length (chars) | ms / call | µs per 1K chars |")
    print("|---:|---:|---:|")
    for n in (25_000, 50_000, 100_000, 200_000, 400_000, 800_000):
        text = realistic(n)
        t = per_call(lambda text=text: check_answer(formal_statement, text, config), 10)
        print(f"| {len(text):,} | {t * 1e3:.2f} | {t * 1e6 / (len(text) / 1000):.1f} |")

    print("\n| hostile piece | ms, 2,000 copies | ms, 40,000 copies | ratio |")
    print("|---|---:|---:|---:|")
    unit_config = FormatConfig(max_fences=10**6, max_code_chars=10**7, max_response_chars=10**8)
    for unit in HOSTILE_UNITS:
        small, large = growth(formal_statement, unit, unit_config)
        shown = repr(unit).replace("|", "\\|")
        print(f"| {shown} | {small * 1e3:.1f} | {large * 1e3:.1f} | {large / small:.0f} |")

    print("\n| 1 MB worst case | config | result | ms / call |")
    print("|---|---|---|---:|")
    for name, text in worst_cases().items():
        for label, cfg in (("default", FormatConfig()), ("limits raised", config)):
            if label != "default" and check_answer(formal_statement, text).format_error not in (
                FormatError.TOO_MANY_FENCES,
                FormatError.CODE_TOO_LONG,
            ):
                continue
            check = check_answer(formal_statement, text, cfg)
            t = per_call(lambda text=text, cfg=cfg: check_answer(formal_statement, text, cfg), 5)
            print(f"| {name} | {label} | {check.format_error or 'ok'} | {t * 1e3:.1f} |")


if __name__ == "__main__":
    main()
