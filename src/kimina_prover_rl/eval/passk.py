"""The unbiased pass@k estimator (Chen et al., 2021) and its mean over problems.

With ``n`` samples of which ``c`` are correct, the chance that ``k`` samples drawn without
replacement contain a correct one is ``1 - C(n-c, k) / C(n, k)``. Averaged over problems
this is the pass@k the field reports; the "best of the first k" that training logs show
is a single draw of it and, with few problems, noisy.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from kimina_prover_rl.errors import ConfigError

__all__ = ["mean_pass_at_k", "parse_ks", "pass_at_k"]


def pass_at_k(n: int, c: int, k: int) -> float:
    """``1 - C(n-c, k) / C(n, k)``: the chance that ``k`` of ``n`` samples hold a correct one.

    Exact integer binomials, one correctly rounded division; ``k`` must not exceed ``n``.
    """
    if not 0 <= c <= n:
        raise ConfigError(f"pass_at_k: c={c} correct samples out of n={n} is impossible")
    if not 1 <= k <= n:
        raise ConfigError(
            f"pass_at_k: k={k} needs 1 <= k <= n={n}; draw at least k samples per problem "
            "(raise --n) or drop that k"
        )
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def mean_pass_at_k(counts: Iterable[tuple[int, int]], k: int) -> float | None:
    """The mean of :func:`pass_at_k` over ``(n, c)`` pairs, one per problem (None if none)."""
    values = [pass_at_k(n, c, k) for n, c in counts]
    return sum(values) / len(values) if values else None


def parse_ks(text: str, n: int) -> tuple[int, ...]:
    """``"1,8,32"`` as sorted distinct ks, each checked against ``n`` samples per problem."""
    ks: set[int] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        try:
            k = int(part)
        except ValueError as exc:
            raise ConfigError(
                f"--k {text!r}: {part!r} is not an integer; write e.g. 1,8,32"
            ) from exc
        if not 1 <= k <= n:
            raise ConfigError(
                f"--k {text!r}: k={k} needs 1 <= k <= --n ({n}); raise --n or drop that k"
            )
        ks.add(k)
    if not ks:
        raise ConfigError(f"--k {text!r} names no k; write e.g. 1,8,32")
    return tuple(sorted(ks))
