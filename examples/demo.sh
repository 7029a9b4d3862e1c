#!/usr/bin/env bash
# `make demo`: the training loop, offline, on CPU, in a few minutes.
#
# A tiny Qwen3-architecture model (built on first use, cached) is warmed up into a weak
# prover (known proofs, and answers with a sorry gap, a false drafted value or a format
# slip), then trained with GRPO (TRL) on the built-in problem set: sampled answers ->
# format checks -> Lean verdicts -> rewards -> policy update -> failed proofs become
# error-correction prompts served in later batches. Metrics and plots land in $DEMO_OUT;
# about 3 minutes on 2 cores.
#
# Lean is SIMULATED here (the stand-in REPL) unless you pass a Lean project:
#   bash examples/demo.sh --project-dir ~/lean/mathlib-project --repl-cmd "lake env repl"
# Any other `kimina-rl dry-run` option passes through the same way.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT="${DEMO_OUT:-out/demo}"
STEPS="${DEMO_STEPS:-80}"

rm -rf "$OUT"
kimina-rl dry-run --out "$OUT" --steps "$STEPS" "$@"
echo "Redraw the plots any time with: kimina-rl report $OUT"
