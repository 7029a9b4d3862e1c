"""Build a demo answers file from a problems file: real verified proofs, and broken variants.

Reads JSON Lines problems (``formal_statement`` plus an optional ``formal_proof``, as in
``../shared/data/train_sample.jsonl``) and writes model-style answers
(``{"id", "formal_statement", "response"}``) for ``kimina-rl check-format`` and
``kimina-rl score``. No model is involved: each answer wraps a proof that Lean verified
into the reasoning-then-generation format, and a few variants break it on purpose (a
``sorry``, a changed statement, a missing think block) so every path shows up.

    python examples/make_answers.py ../shared/data/train_sample.jsonl -n 12 > answers.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kimina_prover_rl.proof import parse_lean_code


def _answer(statement: str, proof_code: str) -> str:
    """Wrap complete Lean code into a think block with two tactics drafts and a lean4 block."""
    body = parse_lean_code(proof_code).body.strip("\n").split("\n")
    tactics = [line for line in body if line.strip() and line.strip() != "by"]
    half = max(1, len(tactics) // 2)
    drafts = [tactics[:half], tactics[half:] or tactics[:1]]
    name = parse_lean_code(statement).name
    parts = [
        "<think>",
        f"We need to prove {name}. Let me look at the hypotheses and the goal first.",
        "A first attempt at the opening steps:",
        "```tactics",
        *drafts[0],
        "```",
        "Then the remaining goal should close with the following steps:",
        "```tactics",
        *drafts[1],
        "```",
        "</think>",
        "Here is the complete proof.",
        "```lean4",
        proof_code.strip("\n"),
        "```",
    ]
    return "\n".join(parts)


def _variants(row: dict[str, Any]) -> Iterator[tuple[str, str]]:
    statement = row["formal_statement"]
    proof = row["formal_proof"]
    good = _answer(statement, proof)
    yield "verified", good
    lean_code = parse_lean_code(proof)
    if lean_code.body.lstrip().startswith("by"):
        gap = "by\n  have h_demo : (1 : ℕ) + 1 = 2 := by sorry"
        yield (
            "sorry",
            _answer(statement, proof.replace(lean_code.body, lean_code.body.replace("by", gap, 1))),
        )
    changed = lean_code.statement.replace(":=", "∧ True :=", 1)
    yield "statement_changed", _answer(statement, proof.replace(lean_code.statement, changed, 1))
    yield "no_think", good.replace("<think>", "").replace("</think>", "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("problems", type=Path, help="JSON Lines with formal_statement/formal_proof")
    parser.add_argument("-n", type=int, default=12, help="how many problems with proofs to use")
    args = parser.parse_args(argv)
    used = 0
    with args.problems.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if not row.get("proof_verified_in_fixture") or used >= args.n:
                continue
            used += 1
            for kind, response in _variants(row):
                out = {
                    "id": f"{row['name']}:{kind}",
                    "formal_statement": row["formal_statement"],
                    "response": response,
                }
                sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    return 0 if used else 1


if __name__ == "__main__":
    sys.exit(main())
