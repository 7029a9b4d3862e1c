"""kimina-lean-server: its wire format, a client for it, and its answers read as verdicts.

``wire`` is the one definition of the HTTP bodies (the server adapter validates with it,
the client builds with it); ``client`` is :class:`RemoteServer`; ``_results`` judges an
answer by the local pool's rules; ``_numbering`` reads which line numbering it uses.
"""

from __future__ import annotations

from kimina_prover_rl.lean.kimina.client import DEFAULT_SERVER_URL, RemoteConfig, RemoteServer
from kimina_prover_rl.lean.kimina.wire import SERVER_NAME

__all__ = ["DEFAULT_SERVER_URL", "SERVER_NAME", "RemoteConfig", "RemoteServer"]
