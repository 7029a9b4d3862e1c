"""The stand-in REPL: a fake Lean that speaks the real REPL protocol, for tests and demos.

Run it as its own process, exactly where a real REPL would go::

    python -m kimina_prover_rl.standin [--latency SPEC] [--import-latency SPEC]
        [--crash-rate P] [--hang-rate P] [--seed N] [--sorry-quote "'"|"`"]
        [--sorry-wording TEMPLATE] [--axioms-wording TEMPLATE]

or from Python: ``ReplConfig(command=standin_command(latency="lognormal:0.05,1.0"))``.
It never pretends to be Lean: it prints :data:`STANDIN_BANNER` on stderr at start-up.

**Protocol.** Requests ``{"cmd": ..., "env": N?, "allTactics": bool?, "infotree": str?}``
separated by blank lines; answers pretty-printed over several lines and followed by a blank
line. Every command gets a new environment id (0, 1, 2, ...); an ``env`` it never handed
out answers ``{"message": "Unknown environment."}``. A request that is not JSON ends the
process with an "uncaught exception" on stderr, as the real REPL does.

**What "Lean" says without directives.**

- Code with no ``sorry`` and no directive is accepted: no messages, only ``{"env": N}``.
- The word ``sorry`` (outside comments and strings) adds a ``sorries`` entry (position,
  a goal built from the statement's binders and type, a proofState id) and one warning
  ``declaration uses 'sorry'`` per declaration, at its name (``--sorry-quote '`'`` gives
  the backquoted wording of Lean >= 4.28).
- ``apply?`` and an explicit ``sorryAx`` (``exact sorryAx _ false``) admit the goal of the
  declaration they are in (every declaration of the command when outside all of them), as
  in Lean: no ``sorries`` entry, but the ``declaration uses 'sorry'`` warning (Lean's
  ``addDecl`` warns whenever a declaration holds ``sorryAx`` and no error was logged) and
  ``sorryAx`` in its axioms; ``apply?`` also answers ``Try this: refine ?_``.
- Closed arithmetic is really evaluated (``standin/_arith.py``; the one piece of
  mathematics it does, and it is not Lean): a one-line ``have h : CLAIM := by TACTIC``,
  or a declaration whose goal has no binders and whose last tactic line closes it, where
  CLAIM is built from literals, ``+ - * / % ^``, ``(e : ℕ)``/``(e : ℤ)``, comparisons and
  ``¬ ∧ ∨``, and TACTIC is ``norm_num``, ``decide``, ``simp``, ``omega``, ``rfl``,
  ``linarith``, ``nlinarith`` or ``positivity``: a false CLAIM is an error at the tactic
  in Lean's style (``unsolved goals\n⊢ False`` for ``norm_num``/``simp``, ``decide``'s
  "proved that the proposition … is false", …). Everything else is accepted as before.
- ``import`` in a command run in an existing environment is an error, as in Lean.
- ``#print axioms NAME`` answers ``'FULL.NAME' depends on axioms: [propext,
  Classical.choice, Quot.sound]`` for declarations of this command or of the environment
  it runs in; ``sorryAx`` is added when the declaration used ``sorry``,
  ``Lean.ofReduceBool`` when it used ``native_decide``, and the axioms of every earlier
  declaration whose name its text mentions (a stand-in for transitivity); an unknown name
  is an ``unknown constant`` error. ``axiom NAME : T`` declares a constant whose axioms
  are ``[NAME]``.
- ``#check NAME`` / ``#check @NAME`` (also after ``set_option … in`` prefixes on the same
  line) answers ``@FULL.NAME <signature>``: the declaration's binders and type as written,
  whitespace normalised, with what the command declared before it applied as Lean would
  (``notation "x" => y`` rewrites ``x``; ``variable`` binders lead the type once an
  ``include`` line has appeared); an unknown name is an ``unknown identifier`` error.
- Namespaces: lines starting ``namespace A.B``, ``section``, ``mutual`` and ``end [A.B]``
  open and close scopes; a declaration ``x`` gets the full name ``A.B.x`` (``_root_.x``
  stays ``x``); redeclaring a full name is an ``already been declared`` error. Scopes
  left open carry over to commands run in the resulting environment, as in the REPL, and
  ``#print axioms x`` resolves ``x`` as Lean does: innermost namespace first, then the
  root; ``_root_.x`` is exactly ``x``. The report names the resolved constant.
- ``#eval``/other ``#`` commands give an info message saying output is simulated.
- ``"allTactics": true`` lists one tactic per line of each ``:= by`` block; any
  ``"infotree"`` value returns one ``TacticInfo`` node per such line (``kind``, ``node``
  with ``name``/``stx``/``goalsBefore``/``goalsAfter``, ``children``), the real shape.

**Directives** are line comments ``-- standin: NAME ARGS`` anywhere in the code (quoted
arguments, ``key=value`` options, ``\\n`` in a value is a newline). Messages point at the
directive's line when it has code before the comment, else at the next code line.

- ``error "MSG" goal="x : ℕ\\n⊢ x = x"``: an error (``warning``/``info`` likewise); the
  goal is appended to the text, and ``"unsolved goals"`` without ``goal=`` gets the
  statement's goal.
- ``sorry`` / ``sorry goal="..."``: as if the line held a ``sorry`` tactic.
- ``type "T"``: inside a declaration, ``#check`` prints ``T`` as its type (for what the
  simulation cannot work out, e.g. an instance that changes how the statement elaborates).
- ``synthetic-sorry``: a ``sorryAx`` Lean does not warn about (``set_option warn.sorry
  false``, or Lean before 4.25 in nested proofs): an info ``Try this: refine ?_`` with the
  remaining goal, no warning, no sorries entry, but ``#print axioms`` shows ``sorryAx``
  for the declaration the directive is about (each one, outside every declaration).
- ``axioms A B ...``: the declaration the directive is in (or, outside every
  declaration, each declaration of the command) depends on exactly these axioms (none if
  no names are given), plus what it inherits as above.
- ``slow=SECONDS``: add this much latency to the command.
- Faults: ``crash`` (stderr note, exit 1 without answering), ``hang`` (never answer),
  ``hang-ignoring-sigterm`` (never answer and survive SIGTERM), ``ignore-sigterm``
  (survive SIGTERM from now on, and answer), ``oom`` / ``oom=MB_PER_S``
  (allocate and touch memory steadily, default 200 MB/s, up to ``--oom-ceiling-mb``,
  never answer), ``garbage`` (a corrupt, non-JSON answer), ``partial`` (half an answer,
  then exit 1), ``stderr-flood`` / ``stderr-flood=MB`` (write that much to stderr, default
  16 MB, then answer), ``big=MB`` (pad the answer with a message of that size), ``noise``
  (progress text on stdout before the answer, like kimina's REPL fork), ``spawn-child``
  (fork a child process that sleeps, for process-group tests; its pid goes to stderr).

**Wording.** ``--sorry-wording`` and ``--axioms-wording`` replace Lean's wording of the
sorry warning (``{name}`` for the declaration: ``"declaration `{name}` uses `sorry`"`` is
Lean's newest) and of the ``#print axioms`` report (``{name}``, ``{axioms}``), to test how
the verifier meets a Lean that words them differently (its start-up self-check).

**Latency** (seeded by ``--seed``): ``--latency`` for commands, ``--import-latency`` for
commands containing ``import`` (the header). SPEC is ``SECONDS`` or ``constant:S``,
``uniform:LOW,HIGH``, or ``lognormal:MEDIAN,P99``. ``--crash-rate`` and ``--hang-rate``
inject those faults at random into commands, for benchmarks.
"""

from __future__ import annotations

import sys

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.standin._latency import parse_latency

__all__ = ["MODULE", "STANDIN_BANNER", "STANDIN_LEAN_VERSION", "standin_command"]

STANDIN_BANNER = (
    "*** SIMULATED LEAN: this is the kimina-prover-rl stand-in REPL, not Lean. "
    "Nothing it accepts is a checked proof. ***"
)
"""Printed on stderr at start-up, so that logs never mistake the stand-in for Lean."""

STANDIN_LEAN_VERSION = "standin (simulated Lean, no Mathlib)"
"""What a verifier built on the stand-in reports as its Lean version."""

MODULE = "kimina_prover_rl.standin"
"""The module ``python -m`` runs (lets a pool recognise a stand-in command)."""


def standin_command(
    *,
    latency: str | float = 0.0,
    import_latency: str | float = 0.0,
    crash_rate: float = 0.0,
    hang_rate: float = 0.0,
    seed: int | None = None,
    sorry_quote: str = "'",
    sorry_wording: str | None = None,
    axioms_wording: str | None = None,
    python: str = sys.executable,
) -> tuple[str, ...]:
    """The argv that runs the stand-in with these options (for ``ReplConfig.command``)."""
    for name, spec in (("--standin-latency", latency), ("import latency", import_latency)):
        try:
            parse_latency(str(spec))
        except ValueError as exc:
            raise ConfigError(f"stand-in {name} {spec!r}: {exc}") from exc
    for name, rate in (("crash rate", crash_rate), ("hang rate", hang_rate)):
        if not 0 <= rate <= 1:
            raise ConfigError(f"the stand-in's {name} {rate!r} must be within [0, 1]")
    if crash_rate + hang_rate > 1:
        raise ConfigError(
            f"the stand-in's crash rate + hang rate = {crash_rate + hang_rate} exceeds 1"
        )
    if sorry_quote not in ("'", "`"):
        raise ConfigError(f"the stand-in's sorry quote {sorry_quote!r} must be \"'\" or '`'")
    argv = [python, "-m", MODULE, "--latency", str(latency), "--import-latency"]
    argv += [str(import_latency), "--crash-rate", str(crash_rate), "--hang-rate", str(hang_rate)]
    argv += ["--sorry-quote", sorry_quote]
    if seed is not None:
        argv += ["--seed", str(seed)]
    for flag, wording in (("--sorry-wording", sorry_wording), ("--axioms-wording", axioms_wording)):
        if wording is not None:
            argv += [flag, wording]
    return tuple(argv)
