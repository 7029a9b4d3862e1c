"""What one request may ask of the server: the longest Lean time limit, the most proofs,
the largest body.

kimina-lean-server takes any ``timeout`` and any number of snippets, so one request can
hold every REPL for hours. Here a ``timeout`` above ``max_timeout_s`` is *clamped*, not
refused: kimina's clients send a fixed timeout with every batch and treat any non-2xx
answer as a failed transport (they retry the whole batch, then mark every snippet as an
error), so refusing would lose every verdict over a policy detail. A clamped proof still
gets its own verdict; one that needs longer gets ``timeout``, whose detail names the
limit applied. A batch over ``max_snippets`` is refused with HTTP 413 naming the limit:
it cannot be answered in part, and the client has to split it. A body over
``max_body_bytes`` is refused with HTTP 413 before it is read
(:mod:`~kimina_prover_rl.server.body_limit`). ``GET /health`` reports all three.
"""

from __future__ import annotations

from dataclasses import dataclass

from kimina_prover_rl.errors import ConfigError, InputError

__all__ = ["BatchTooLarge", "ServerLimits"]


class BatchTooLarge(InputError):
    """A request holds more proofs than the server accepts at once (HTTP 413)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerLimits:
    """Per-request limits of ``kimina-rl serve``."""

    max_timeout_s: float = 300.0
    """Requested Lean time limits above this are lowered to it."""
    max_snippets: int = 4096
    """Requests with more proofs than this are refused (HTTP 413)."""
    max_body_bytes: int = 64 * 1024 * 1024
    """Request bodies larger than this are refused (HTTP 413) before they are read."""

    def __post_init__(self) -> None:
        timeout: object = self.max_timeout_s
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
            raise ConfigError(
                f"ServerLimits.max_timeout_s={timeout!r} must be a positive number of seconds "
                "(--max-timeout)"
            )
        count: object = self.max_snippets
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ConfigError(
                f"ServerLimits.max_snippets={count!r} must be a positive integer (--max-snippets)"
            )
        size: object = self.max_body_bytes
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ConfigError(
                f"ServerLimits.max_body_bytes={size!r} must be a positive integer "
                "(--max-body-bytes)"
            )

    def timeout_for(self, requested: float) -> float:
        """The Lean time limit a proof gets when ``requested`` seconds were asked for."""
        return min(requested, self.max_timeout_s)

    def check_count(self, count: int, *, field: str) -> None:
        """Refuse a request whose ``field`` list holds more than ``max_snippets`` proofs."""
        if count > self.max_snippets:
            raise BatchTooLarge(
                f"the request has {count} entries in `{field}`, over this server's limit of "
                f"{self.max_snippets} per request; send them in batches of at most "
                f"{self.max_snippets} (or start the server with a larger --max-snippets)"
            )
