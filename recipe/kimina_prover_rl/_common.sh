# Shared by the kimina_prover_*.sh launchers (bash; each launcher re-executes itself under
# bash when started with `sh`): prepare the prompt set, pick the Lean verifier and the
# attention kernel, and start GRPO with the reference hyper-parameters in verl 0.9.1's keys.
# Every value below is an environment variable with a default; a launcher sets its model
# and sizes, and any extra argument is passed to verl as a Hydra override.
#
# KIMINA_PRINT_OVERRIDES=1 prints the overrides, one per line, and exits (the tests
# compose them against verl's config this way).

# --- data: `kimina-rl prepare` writes train.parquet / val.parquet in verl's schema ---
# The dry run keeps its small prompt set in a folder of its own (see its launcher).
DATA_DIR=${DATA_DIR:-$HOME/data/kimina_prover_rl}
TRAIN_SRC=${TRAIN_SRC:-AI-MO/Kimina-Prover-Promptset}
VAL_SRC=${VAL_SRC:-AI-MO/minif2f_test}
# The reference keeps the Promptset's repeated rows (hard problems appear several times);
# decontamination against the validation set stays on and `prepare` reports what it dropped.
PREPARE_ARGS=${PREPARE_ARGS:---keep-duplicates}

# --- the reference hyper-parameters (GRPO, no std normalisation, no KL) ---
TRAIN_BATCH=${TRAIN_BATCH:-256}        # prompts per step
ROLLOUT_N=${ROLLOUT_N:-8}              # samples per prompt
MINI_BATCH=${MINI_BATCH:-32}           # prompts per PPO mini-batch
LR=${LR:-2e-6}
CLIP_LOW=${CLIP_LOW:-0.2}
CLIP_HIGH=${CLIP_HIGH:-0.3}
MAX_PROMPT=${MAX_PROMPT:-8192}
MAX_RESPONSE=${MAX_RESPONSE:-24576}    # 8K prompt + 24K answer = 32K total
TEMPERATURE=${TEMPERATURE:-1.0}
CORRECTION_RATE=${CORRECTION_RATE:-0.5}  # half of each batch: error-correction prompts
TEST_FREQ=${TEST_FREQ:-5}              # validate on MiniF2F every 5 steps
VAL_N=${VAL_N:-8}                      # samples per validation problem (best@8)
VAL_TOP_P=${VAL_TOP_P:-0.95}
EPOCHS=${EPOCHS:-15}
TOTAL_STEPS=${TOTAL_STEPS:-null}
SAVE_FREQ=${SAVE_FREQ:-5}
# Attention kernel: flash_attention_2 when flash-attn imports, else sdpa (logged at start).
ATTENTION=${ATTENTION:-auto}

# --- cluster ---
NNODES=${NNODES:-1}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
TP=${TP:-1}
GPU_MEM=${GPU_MEM:-0.6}
REWARD_WORKERS=${REWARD_WORKERS:-8}
LEAN_WORKERS=${LEAN_WORKERS:-32}       # REPL processes per node (local Lean project)
LEAN_TIMEOUT=${LEAN_TIMEOUT:-60}

# --- the Lean project and REPL: the names `kimina-rl` reads too ---
if [[ -z "${KIMINA_LEAN_PROJECT:-}" && -n "${LEAN_PROJECT_DIR:-}" ]]; then
    echo "warning: LEAN_PROJECT_DIR is deprecated; set KIMINA_LEAN_PROJECT instead" >&2
    KIMINA_LEAN_PROJECT=$LEAN_PROJECT_DIR
fi
KIMINA_LEAN_PROJECT=${KIMINA_LEAN_PROJECT:-}
KIMINA_LEAN_REPL=${KIMINA_LEAN_REPL:-}  # REPL command line [default: lake env repl]
KIMINA_SANDBOX=${KIMINA_SANDBOX:-auto}  # REPLs in bubblewrap: auto, required or off
PROJECT=${PROJECT:-kimina_prover_rl}
EXPERIMENT=${EXPERIMENT:-$(basename "$0" .sh)}
LOGGER=${LOGGER:-"['console','wandb']"}

# The Lean verifier, as the reference reads it: a kimina-lean-server at
# LEAN_SERVER_API_URL (key in LEAN_SERVER_API_KEY, read from the environment of each
# node, never written into the logged config), else a local Lean project with Mathlib at
# KIMINA_LEAN_PROJECT, its REPL command in KIMINA_LEAN_REPL (one REPL pool per node; a
# `kimina-rl lean setup` workspace works, its REPLs sandboxed as
# KIMINA_SANDBOX=auto|required|off says). With neither, the launcher stops before any
# work: simulated Lean (the stand-in REPL, for plumbing checks only) runs only when asked
# for by name, LEAN_BACKEND=standin. LEAN_BACKEND may name any backend of
# kimina_prover_rl.lean.VerifierSettings; the reward refuses any other value.
LEAN_BACKEND=${LEAN_BACKEND:-}

# lean_backend: the backend the environment names, or a message and status 1.
lean_backend() {
    if [[ -n "$LEAN_BACKEND" ]]; then
        echo "$LEAN_BACKEND"
    elif [[ -n "${LEAN_SERVER_API_URL:-}" ]]; then
        echo remote
    elif [[ -n "$KIMINA_LEAN_PROJECT" ]]; then
        echo local
    else
        cat >&2 <<'MESSAGE'
error: no Lean is configured, and simulated Lean is never picked silently. Set
LEAN_SERVER_API_URL (a kimina-lean-server) or KIMINA_LEAN_PROJECT (a Lean project with
Mathlib on every node), or LEAN_BACKEND=standin to check the plumbing on SIMULATED Lean.
MESSAGE
        return 1
    fi
}

lean_overrides() {
    local kw=reward.custom_reward_function.reward_kwargs backend
    backend=$(lean_backend)
    echo "$kw.backend=$backend"
    echo "$kw.workers=$LEAN_WORKERS"
    echo "$kw.timeout_s=$LEAN_TIMEOUT"
    if [[ -n "${LEAN_SERVER_API_URL:-}" ]]; then
        echo "$kw.url=$LEAN_SERVER_API_URL"
    fi
    if [[ -n "$KIMINA_LEAN_PROJECT" ]]; then
        echo "$kw.project_dir=$KIMINA_LEAN_PROJECT"
        if [[ -n "$KIMINA_LEAN_REPL" ]]; then
            echo "$kw.repl_cmd='$KIMINA_LEAN_REPL'"
        fi
        echo "$kw.sandbox=$KIMINA_SANDBOX"
        echo "$kw.cache_path=${LEAN_CACHE:-$DATA_DIR/verdicts.sqlite}"
    fi
    # Local REPL pools run on the Ray nodes offering lean_slots. When verl starts Ray itself
    # (one node, no RAY_ADDRESS) this node offers LEAN_WORKERS of them; on a cluster, each
    # node declares its own with `ray start --resources='{"lean_slots": N}'`.
    # That Ray is a private one (address=local), so it starts with these slots even when
    # another Ray instance already runs on the node (joining it, Ray would refuse them).
    if [[ "$backend" != remote && "$NNODES" == "1" && -z "${RAY_ADDRESS:-}" ]]; then
        echo "ray_kwargs.ray_init.address=local"
        echo "ray_kwargs.ray_init.resources={lean_slots:$LEAN_WORKERS}"
    fi
}

reference_overrides() {
    cat <<OVERRIDES
algorithm.adv_estimator=grpo
algorithm.norm_adv_by_std_in_grpo=False
algorithm.use_kl_in_reward=False
data.train_files=$DATA_DIR/train.parquet
data.val_files=$DATA_DIR/val.parquet
data.train_batch_size=$TRAIN_BATCH
data.max_prompt_length=$MAX_PROMPT
data.max_response_length=$MAX_RESPONSE
data.filter_overlong_prompts=True
data.truncation=error
data.dataloader_num_workers=0
data.correction.rate=$CORRECTION_RATE
actor_rollout_ref.model.path=$MODEL
actor_rollout_ref.model.enable_gradient_checkpointing=True
actor_rollout_ref.actor.optim.lr=$LR
actor_rollout_ref.actor.ppo_mini_batch_size=$MINI_BATCH
actor_rollout_ref.actor.use_dynamic_bsz=True
actor_rollout_ref.actor.ppo_max_token_len_per_gpu=$((MAX_PROMPT + MAX_RESPONSE))
actor_rollout_ref.actor.loss_agg_mode=seq-mean-token-sum-norm
actor_rollout_ref.actor.loss_scale_factor=$MAX_RESPONSE
actor_rollout_ref.actor.clip_ratio_low=$CLIP_LOW
actor_rollout_ref.actor.clip_ratio_high=$CLIP_HIGH
actor_rollout_ref.actor.use_kl_loss=False
actor_rollout_ref.actor.entropy_coeff=0
actor_rollout_ref.rollout.name=vllm
actor_rollout_ref.rollout.n=$ROLLOUT_N
actor_rollout_ref.rollout.temperature=$TEMPERATURE
actor_rollout_ref.rollout.prompt_length=$MAX_PROMPT
actor_rollout_ref.rollout.response_length=$MAX_RESPONSE
actor_rollout_ref.rollout.tensor_model_parallel_size=$TP
actor_rollout_ref.rollout.gpu_memory_utilization=$GPU_MEM
actor_rollout_ref.rollout.val_kwargs.n=$VAL_N
actor_rollout_ref.rollout.val_kwargs.do_sample=True
actor_rollout_ref.rollout.val_kwargs.temperature=$TEMPERATURE
actor_rollout_ref.rollout.val_kwargs.top_p=$VAL_TOP_P
reward.num_workers=$REWARD_WORKERS
trainer.project_name=$PROJECT
trainer.experiment_name=$EXPERIMENT
trainer.logger=$LOGGER
trainer.nnodes=$NNODES
trainer.n_gpus_per_node=$GPUS_PER_NODE
trainer.total_epochs=$EPOCHS
trainer.total_training_steps=$TOTAL_STEPS
trainer.test_freq=$TEST_FREQ
trainer.save_freq=$SAVE_FREQ
trainer.val_before_train=True
OVERRIDES
    attention_overrides
    lean_overrides
}

# flash-attn is optional (it builds against the installed torch and CUDA); without it
# the actor runs PyTorch's sdpa kernel, without verl's padding removal (which needs it).
attention_overrides() {
    local kernel=$ATTENTION
    if [[ "$kernel" == "auto" ]]; then
        if "${PYTHON:-python3}" -c 'import flash_attn' >/dev/null 2>&1; then
            kernel=flash_attention_2
        else
            kernel=sdpa
        fi
    fi
    echo "kimina recipe: attention $kernel (ATTENTION=$ATTENTION)" >&2
    echo "actor_rollout_ref.model.override_config.attn_implementation=$kernel"
    if [[ "$kernel" == "flash_attention_2" ]]; then
        echo "actor_rollout_ref.model.use_remove_padding=True"
    else
        echo "actor_rollout_ref.model.use_remove_padding=False"
    fi
}

# run_recipe EXTRA_OVERRIDE... -- CLI_ARGS...: prepare the data, then train.
run_recipe() {
    lean_backend >/dev/null || return 1  # no Lean: stop before preparing data or training
    local overrides=()
    while [[ $# -gt 0 && "$1" != "--" ]]; do overrides+=("$1"); shift; done
    [[ "${1:-}" == "--" ]] && shift
    mapfile -t reference < <(reference_overrides)
    local all=("${reference[@]}" "${overrides[@]}" "$@")
    if [[ "${KIMINA_PRINT_OVERRIDES:-0}" == "1" ]]; then
        printf '%s\n' "${all[@]}"
        return 0
    fi
    if [[ ! -f "$DATA_DIR/train.parquet" || ! -f "$DATA_DIR/val.parquet" ]]; then
        # shellcheck disable=SC2086  # PREPARE_ARGS holds several options on purpose
        kimina-rl prepare --train "$TRAIN_SRC" --val "$VAL_SRC" --out "$DATA_DIR" $PREPARE_ARGS
    fi
    kimina-rl train "${all[@]}"
}
