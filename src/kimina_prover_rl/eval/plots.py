"""The evaluation's PNG plots: pass@k against k per round, solved problems per category.

matplotlib is imported only here, with its file-only ``Agg`` backend.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kimina_prover_rl.errors import ConfigError

__all__ = ["PASS_AT_K_PLOT", "SOLVED_PLOT", "write_plots"]

PASS_AT_K_PLOT = "pass_at_k.png"
SOLVED_PLOT = "solved_by_category.png"


def write_plots(summary: Mapping[str, Any], directory: Path) -> list[Path]:
    """Write both plots into ``directory``; returns their paths."""
    try:
        import matplotlib
    except ImportError as exc:
        raise ConfigError(
            f"plots need matplotlib ({exc}): pip install 'kimina-prover-rl[plot]'; "
            "samples.jsonl, summary.json and summary.md are written without it"
        ) from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    rounds = summary["rounds"]
    figure, axes = plt.subplots(figsize=(6, 4))
    for r in rounds:
        curve = r["pass_at_k_curve"]
        ks = [k for k, v in enumerate(curve, start=1) if v is not None]
        axes.plot(ks, [100 * curve[k - 1] for k in ks], marker=".", label=f"round {r['round']}")
    n = len(rounds[0]["pass_at_k_curve"])
    ticks = sorted({2**i for i in range(n.bit_length()) if 2**i <= n} | {n})
    axes.set_xscale("log", base=2)
    axes.set_xticks(ticks, [str(k) for k in ticks])
    axes.set_ylim(0, 100)
    axes.set_xlabel("k (samples per problem)")
    axes.set_ylabel("pass@k (%)")
    axes.set_title(f"pass@k over {rounds[-1]['complete_problems']} problems")
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    first = directory / PASS_AT_K_PLOT
    figure.savefig(first, dpi=120)
    plt.close(figure)

    categories = rounds[-1]["by_category"]
    names = list(categories)
    figure, axes = plt.subplots(figsize=(max(6, 0.8 * len(names)), 4))
    positions = range(len(names))
    axes.bar(positions, [categories[c]["problems"] for c in names], color="#dddddd", label="all")
    width = 0.8 / max(len(rounds), 1)
    for i, r in enumerate(rounds):
        axes.bar(
            [p - 0.4 + width * (i + 0.5) for p in positions],
            [r["by_category"][c]["solved"] for c in names],
            width=width,
            label=f"solved, round {r['round']}",
        )
    axes.set_xticks(list(positions), names, rotation=30, ha="right")
    axes.set_ylabel("problems")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title("Solved problems per category")
    axes.legend()
    figure.tight_layout()
    second = directory / SOLVED_PLOT
    figure.savefig(second, dpi=120)
    plt.close(figure)
    return [first, second]
