"""The verifier options every Lean-checking command shares, defined once.

:func:`with_verifier_options` adds ``--backend``, ``--repl-cmd``, ``--project-dir``,
``--workers``, ``--spares``, ``--timeout``, ``--cache``/``--no-cache`` and the rest to a typer
command and hands the command one :class:`~kimina_prover_rl.lean.factory.VerifierOptions` in
their place, so ``verify``, ``serve`` and ``score`` cannot drift apart::

    @app.command("verify")
    @with_verifier_options()
    def verify(input_path: Path, *, verifier_options: VerifierOptions) -> None: ...
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

import typer

from kimina_prover_rl.errors import ConfigError

if TYPE_CHECKING:
    from kimina_prover_rl.lean.factory import VerifierOptions

__all__ = ["default_cache_path", "with_verifier_options"]

_R = TypeVar("_R")
_PANEL = "Verifier"


def default_cache_path() -> Path:
    """``$KIMINA_CACHE``, else ``kimina-prover-rl/verdicts.sqlite`` in ``$XDG_CACHE_HOME``."""
    explicit = os.environ.get("KIMINA_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kimina-prover-rl" / "verdicts.sqlite"


def _option(annotation: Any, default: Any, *flags: str, **kwargs: Any) -> tuple[Any, Any]:
    return Annotated[annotation, typer.Option(*flags, rich_help_panel=_PANEL, **kwargs)], default


# name -> (annotation with its typer.Option, default); the order is the order in --help
_OPTIONS: dict[str, tuple[Any, Any]] = {
    "backend": _option(
        Literal["local", "standin", "remote", "ray"],
        "local",
        "--backend",
        help="`local`: REPLs in --project-dir. `standin`: SIMULATED Lean for tests and demos. "
        "`remote`: a kimina-lean-server at --url. `ray`: the Lean pools of a Ray cluster, "
        "one per node offering --ray-resource.",
    ),
    "repl_cmd": _option(
        str | None,
        None,
        "--repl-cmd",
        metavar="CMD",
        help="REPL command line, run in --project-dir [default: lake env repl].",
    ),
    "project_dir": _option(
        Path | None,
        None,
        "--project-dir",
        metavar="DIR",
        envvar="KIMINA_LEAN_PROJECT",
        help="Lean project with Mathlib (holds lakefile and lean-toolchain), or a workspace "
        "made by `kimina-rl lean setup`.",
    ),
    "sandbox": _option(
        Literal["auto", "required", "off"],
        "auto",
        "--sandbox",
        envvar="KIMINA_SANDBOX",
        help="Run each REPL in bubblewrap (no network, read-only project and toolchain, "
        "private /tmp, no home): `auto` when bwrap works here (says so at start), "
        "`required` refuses to start without it, `off` runs REPLs with your full rights.",
    ),
    "workers": _option(
        int,
        4,
        "--workers",
        min=1,
        help="REPL processes checking at once (`ray`: each node's --ray-resource instead).",
    ),
    "spares": _option(
        int,
        1,
        "--spares",
        min=0,
        metavar="N",
        help="Warm spare REPLs per header on top of --workers, so a killed or recycled REPL "
        "is replaced without waiting for `import Mathlib`. Each real Mathlib REPL holds "
        "2-5 GiB: budget (workers + spares) x that per header in use; 0 saves the memory.",
    ),
    "timeout": _option(
        float,
        60.0,
        "--timeout",
        metavar="S",
        help="Per-proof time limit in seconds (the header's import is not counted).",
    ),
    "cache": _option(
        Path | None,
        None,
        "--cache",
        metavar="FILE",
        help="SQLite verdict cache [default: $KIMINA_CACHE or "
        "~/.cache/kimina-prover-rl/verdicts.sqlite].",
    ),
    "no_cache": _option(bool, False, "--no-cache", help="Do not read or write the verdict cache."),
    "dedup": _option(
        bool, True, "--dedup/--no-dedup", help="Check identical proofs in flight once."
    ),
    "url": _option(
        str | None,
        None,
        "--url",
        envvar="LEAN_SERVER_API_URL",
        help="Server URL for --backend remote [default: http://localhost:8000].",
    ),
    "api_key": _option(
        str | None,
        None,
        "--api-key",
        envvar="LEAN_SERVER_API_KEY",
        help="API key of the --backend remote server.",
    ),
    "endpoint": _option(
        Literal["check", "verify"],
        "check",
        "--endpoint",
        help="Remote route: `/api/check` or the legacy `/verify`.",
    ),
    "remote_batch_size": _option(
        int,
        16,
        "--remote-batch-size",
        min=1,
        metavar="N",
        help="Proofs per request to the --backend remote server; a server refusing that many "
        "(HTTP 413) gets them in smaller requests.",
    ),
    "ray_pool": _option(
        Literal["local", "standin"],
        "local",
        "--ray-pool",
        help="What the per-node Ray actor runs.",
    ),
    "ray_resource": _option(
        str,
        "lean_slots",
        "--ray-resource",
        metavar="NAME",
        help="Ray resource marking Lean slots: a pool on each node offering it, one REPL per "
        "unit (`ray start --resources='{\"lean_slots\": 32}'`). Joins $RAY_ADDRESS or the "
        "local cluster.",
    ),
    "standin_latency": _option(
        str,
        "0",
        "--standin-latency",
        metavar="SPEC",
        help="Stand-in latency: SECONDS, uniform:LOW,HIGH or lognormal:MEDIAN,P99.",
    ),
    "standin_seed": _option(
        int | None, None, "--standin-seed", help="Seed of the stand-in's latency draws."
    ),
    "trusted_code": _option(
        bool,
        False,
        "--trusted-code",
        help="Skip the verifier's own forbidden-construct checks (kernel-checking off, "
        "`#eval`, `axiom`, ...). Only for code you wrote: by default every proof is "
        "scanned and a refused one is `rejected`, naming the construct.",
    ),
    "self_check": _option(
        bool,
        True,
        "--self-check/--skip-self-check",
        help="Before any proof, check that known proofs get their known verdicts from this "
        "Lean (remembered per Lean version and project in the --cache); skipping is said "
        "on every run.",
    ),
    "self_check_header": _option(
        str,
        "import Mathlib",
        "--self-check-header",
        metavar="HEADER",
        help="Header the self-check's core-Lean proofs run under (the one your proofs use; "
        "'' for none).",
    ),
}


def _to_options(values: dict[str, Any]) -> VerifierOptions:
    """Map the parsed options onto :class:`VerifierOptions` (bad values -> BadParameter)."""
    from kimina_prover_rl.lean.factory import VerifierOptions

    cache: Path | None = None
    if not values["no_cache"]:
        cache = values["cache"] or default_cache_path()
    try:
        return VerifierOptions(
            backend=values["backend"],
            repl_cmd=values["repl_cmd"],
            project_dir=values["project_dir"],
            sandbox=values["sandbox"],
            workers=values["workers"],
            spares=values["spares"],
            timeout_s=values["timeout"],
            cache_path=cache,
            dedup=values["dedup"],
            url=values["url"],
            api_key=values["api_key"],
            remote_endpoint=values["endpoint"],
            remote_batch_size=values["remote_batch_size"],
            ray_pool=values["ray_pool"],
            ray_resource=values["ray_resource"],
            standin_latency=values["standin_latency"],
            standin_seed=values["standin_seed"],
            trusted_code=values["trusted_code"],
            self_check=values["self_check"],
            self_check_header=values["self_check_header"],
        )
    except ConfigError as exc:
        raise typer.BadParameter(str(exc)) from exc


def _own_hints(command: Callable[..., Any]) -> dict[str, Any]:
    """The command's parameter annotations, evaluated, except ``verifier_options``.

    That one stays unevaluated so commands can import ``VerifierOptions`` under
    ``TYPE_CHECKING`` only, keeping ``kimina-rl --help`` free of the ``lean`` layer.
    """
    namespace = vars(inspect.getmodule(command))
    return {
        name: eval(value, namespace) if isinstance(value, str) else value
        for name, value in command.__annotations__.items()
        if name not in ("verifier_options", "return")
    }


def with_verifier_options(
    *, exclude: Collection[str] = ()
) -> Callable[[Callable[..., _R]], Callable[..., _R]]:
    """Add the shared options to a command taking ``verifier_options: VerifierOptions``.

    ``exclude`` drops options a command defines differently (``serve`` has its own
    ``--api-key``; the remote key then comes from ``LEAN_SERVER_API_KEY``).
    """
    unknown = set(exclude) - set(_OPTIONS)
    if unknown:
        raise ValueError(f"with_verifier_options(exclude=...) names unknown options {unknown}")
    shared = {name: spec for name, spec in _OPTIONS.items() if name not in exclude}

    def decorate(command: Callable[..., _R]) -> Callable[..., _R]:
        signature = inspect.signature(command)
        hints = _own_hints(command)
        own = [
            p.replace(annotation=hints[p.name])
            for p in signature.parameters.values()
            if p.name != "verifier_options"
        ]
        clash = {p.name for p in own} & set(shared)
        if clash:
            raise ValueError(f"{command.__name__} defines shared verifier options {clash}")
        added = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=d, annotation=a)
            for name, (a, d) in shared.items()
        ]

        @functools.wraps(command)
        def wrapper(**kwargs: Any) -> _R:
            values = {name: default for name, (_, default) in _OPTIONS.items()}
            values.update((name, kwargs.pop(name)) for name in shared)
            return command(**kwargs, verifier_options=_to_options(values))

        wrapper.__signature__ = signature.replace(parameters=own + added)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {**hints, **{name: a for name, (a, _) in shared.items()}}
        return wrapper

    return decorate
