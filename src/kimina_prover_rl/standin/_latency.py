"""The stand-in's latency models: a spec string from the command line -> a sampler."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

__all__ = ["Latency", "parse_latency"]

_Z99 = 2.3263478740408408  # standard normal quantile at 0.99

Latency = Callable[[random.Random], float]


def parse_latency(spec: str) -> Latency:
    """``S``, ``constant:S``, ``uniform:LO,HI`` or ``lognormal:MEDIAN,P99`` -> a sampler."""
    kind, _, params = spec.partition(":")
    if not params:
        kind, params = "constant", kind
    try:
        values = [float(v) for v in params.split(",")]
    except ValueError:
        raise ValueError(f"latency {spec!r} has a non-number in {params!r}") from None
    if any(v < 0 or not math.isfinite(v) for v in values):
        raise ValueError(f"latency {spec!r} must use finite, non-negative seconds")
    if kind == "constant" and len(values) == 1:
        return lambda _rng: values[0]
    if kind == "uniform" and len(values) == 2 and values[0] <= values[1]:
        low, high = values
        return lambda rng: rng.uniform(low, high)
    if kind == "lognormal" and len(values) == 2 and 0 < values[0] <= values[1]:
        mu = math.log(values[0])
        sigma = (math.log(values[1]) - mu) / _Z99
        return lambda rng: rng.lognormvariate(mu, sigma)
    raise ValueError(
        f"latency {spec!r} is not one of SECONDS, constant:S, uniform:LOW,HIGH (LOW <= HIGH) "
        "or lognormal:MEDIAN,P99 (0 < MEDIAN <= P99)"
    )
