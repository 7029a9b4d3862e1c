#!/usr/bin/env bash
# An offline run of the scoring pipeline on fixed answers (no model, no training):
# prepare a prompt set, check, verify and score answers built from verified proofs.
#
# Lean is SIMULATED here (the stand-in REPL): no machine in this setup has Lean. The
# verdicts show the pipeline's plumbing, not whether the proofs are right. Point
# `--backend local --project-dir DIR` at a Lean + Mathlib project for real verdicts.
set -euo pipefail
cd "$(dirname "$0")/.."

SHARED_DATA="${SHARED_DATA:-../shared/data}"
OUT="${DEMO_OUT:-out/score-demo}"
PROBLEMS="${DEMO_PROBLEMS:-12}"
export KIMINA_CACHE="$OUT/verdicts.sqlite"

for file in train_sample.jsonl minif2f_test.jsonl; do
    if [[ ! -f "$SHARED_DATA/$file" ]]; then
        echo "demo: $SHARED_DATA/$file is missing; set SHARED_DATA to the folder holding" \
             "train_sample.jsonl and minif2f_test.jsonl" >&2
        exit 2
    fi
done
rm -rf "$OUT"
mkdir -p "$OUT"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. prepare a verl prompt set: the training sample, decontaminated against MiniF2F"
kimina-rl prepare --train "$SHARED_DATA/train_sample.jsonl" \
    --val "$SHARED_DATA/minif2f_test.jsonl" --out "$OUT/data"

step "2. answers to check: $PROBLEMS Lean-verified proofs in the answer format, plus broken variants"
python examples/make_answers.py "$SHARED_DATA/train_sample.jsonl" -n "$PROBLEMS" \
    > "$OUT/answers.jsonl"
echo "wrote $(wc -l < "$OUT/answers.jsonl") answers to $OUT/answers.jsonl"

step "3. check the answers' format and statements (pure text, no Lean)"
kimina-rl check-format "$OUT/answers.jsonl" -o "$OUT/format.jsonl"

step "4. verify the extracted proofs (stand-in REPL: Lean is simulated)"
python - "$OUT/format.jsonl" > "$OUT/proofs.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    row = json.loads(line)
    if row.get("proof"):
        print(json.dumps({"id": row["id"], "code": row["proof"]}, ensure_ascii=False))
PY
kimina-rl verify "$OUT/proofs.jsonl" -o "$OUT/verdicts.jsonl" --backend standin --workers 2

step "5. score the answers end to end (format x statement x verdict), again on the stand-in"
kimina-rl score "$OUT/answers.jsonl" -o "$OUT/scores.jsonl" --backend standin --workers 2

step "done"
cat <<MSG
Outputs are in $OUT: data/ (train.parquet, val.parquet, manifest.json), answers.jsonl,
format.jsonl, verdicts.jsonl, scores.jsonl.
What was real: prompt-set preparation, answer parsing, format and statement checks, the
REPL pool's processes and protocol, dedup, the verdict cache, scoring and feedback.
What was simulated: Lean itself (the stand-in REPL accepts any proof without an error
directive or a sorry). The training loop itself is what make demo runs.
MSG
