"""Statement integrity and forbidden constructs, on real statements."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kimina_prover_rl.proof import FormatConfig, FormatError, check_answer, parse_lean_code
from kimina_prover_rl.proof.integrity import is_empty_proof, scan_code, statement_difference
from tests.proof._answers import make_answer, row_named, theorem_text

PROOF = ["norm_num [Nat.gcd_rec]", "omega"]


@pytest.fixture
def row(minif2f: list[dict[str, Any]]) -> dict[str, Any]:
    return row_named(minif2f, "imo_1959_p1")


def _check(row: dict[str, Any], response: str, **config: Any) -> Any:
    return check_answer(row["formal_statement"], response, FormatConfig(**config))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("(n : ℕ)", "(n : ℤ)"),
        ("(h₀ : 0 < n)", "(h₀ : 0 ≤ n)"),
        ("(h₀ : 0 < n) ", ""),
        ("= 1", "= 1 ∨ True"),
    ],
)
def test_changed_binders_or_type_are_rejected(row: dict[str, Any], old: str, new: str) -> None:
    theorem = theorem_text(row).replace(old, new)
    check = _check(row, make_answer(row, PROOF, theorem=theorem))
    assert check.format_error is FormatError.STATEMENT_MODIFIED
    assert check.proof is None
    assert check.answer_code is not None


def test_renamed_theorem_is_missing(row: dict[str, Any]) -> None:
    theorem = theorem_text(row).replace("imo_1959_p1", "imo_1959_p1'")
    check = _check(row, make_answer(row, PROOF, theorem=theorem))
    assert check.format_error is FormatError.STATEMENT_MISSING


def test_layout_comments_and_lemma_keyword_do_not_matter(row: dict[str, Any]) -> None:
    theorem = (
        "lemma imo_1959_p1 -- the classic one\n  (n : ℕ)\n  (h₀ : 0 < n) :"
        "\n  Nat.gcd (21*n + 4) (14*n+3) = 1 := by"
    )
    check = _check(row, make_answer(row, PROOF, theorem=theorem))
    assert check.ok, check.detail
    assert check.proof is not None
    assert "theorem imo_1959_p1 (n : ℕ)" in check.proof


def test_statement_difference_shows_both_sides() -> None:
    given = parse_lean_code("theorem t (x : ℕ) : x + 0 = x := by sorry")
    answer = parse_lean_code("theorem t (x : ℤ) : x + 0 = x := by simp")
    detail = statement_difference(given, answer)
    assert detail is not None
    assert "ℕ" in detail
    assert "ℤ" in detail


@pytest.mark.parametrize(
    ("line", "construct"),
    [
        ("#eval 1 + 1", "#eval"),
        ("run_tac pure ()", "run_tac"),
        ("run_cmd pure ()", "run_cmd"),
        ("#exit", "#exit"),
        ("set_option debug.skipKernelTC true in", "set_option debug.skipKernelTC"),
        ("set_option warn.sorry false in", "set_option warn.sorry"),
        ("attribute [local instance] Classical.propDecidable", "local instance"),
    ],
)
def test_forbidden_in_the_proof_is_named_with_its_line(
    row: dict[str, Any], line: str, construct: str
) -> None:
    response = make_answer(row, [PROOF[0], line, PROOF[1]])
    check = _check(row, response)
    assert check.format_error is FormatError.FORBIDDEN_CONSTRUCT, line
    assert check.proof is None
    assert check.answer_code is not None
    block_line = check.answer_code.split("\n").index("  " + line) + 1
    assert f"line {block_line}" in check.detail
    assert f"`{construct}`" in check.detail
    answer_line = response.split("\n").index("  " + line) + 1
    assert f"answer line {answer_line})" in check.detail


@pytest.mark.parametrize(
    "lemma",
    [
        "axiom cheat : ∀ n : ℕ, Nat.gcd (21 * n + 4) (14 * n + 3) = 1\n\n",
        "@[implemented_by id] def f (n : ℕ) : ℕ := n\n\n",
        '@[extern "c_gcd"] opaque g : ℕ → ℕ\n\n',
        "unsafe def h : ℕ := 0\n\n",
        'macro "cheat" : tactic => `(tactic| sorry)\n\n',
        'syntax "cheat" : tactic\n\n',
        'elab "cheat" : tactic => pure ()\n\n',
        "initialize counter : IO.Ref ℕ ← IO.mkRef 0\n\n",
        "variable [Fact False]\n\n",
        "instance : LT ℕ := ⟨fun _ _ => True⟩\n\n",
        'local notation "ℕ" => ℤ\n\n',
        "namespace Real\n\n",
    ],
)
def test_forbidden_auxiliary_commands(row: dict[str, Any], lemma: str) -> None:
    check = _check(row, make_answer(row, PROOF, lemmas=lemma))
    assert check.format_error is FormatError.FORBIDDEN_CONSTRUCT, lemma
    assert check.proof is None


def test_allowed_auxiliary_lemma_and_words_inside_identifiers_or_comments(
    row: dict[str, Any],
) -> None:
    lemma = (
        "/-- a helper; note that `axiom` and #eval in comments do not count -/\n"
        "lemma my_axiom_free_syntax_lemma (n : ℕ) : n + 0 = n := by simp\n\n"
    )
    check = _check(row, make_answer(row, PROOF, lemmas=lemma), check_tactics_coverage=False)
    assert check.ok, check.detail
    assert check.proof is not None
    assert "my_axiom_free_syntax_lemma" in check.proof


def test_native_decide_variants() -> None:
    for code in ("by native_decide", "by decide +native", "Lean.ofReduceBool x"):
        assert scan_code(code, 0).native_decide is not None, code
    assert scan_code("by decide -- native_decide", 0).native_decide is None
    assert scan_code("my_native_decide_lemma", 0).native_decide is None


def test_native_decide_in_auxiliary_lemma_counts(row: dict[str, Any]) -> None:
    lemma = "lemma small : Nat.gcd 25 17 = 1 := by native_decide\n\n"
    check = _check(row, make_answer(row, PROOF, lemmas=lemma))
    assert check.format_error is FormatError.NATIVE_DECIDE
    allowed = _check(
        row,
        make_answer(row, PROOF, lemmas=lemma),
        allow_native_decide=True,
        check_tactics_coverage=False,
    )
    assert allowed.ok
    assert allowed.uses_native_decide


@pytest.mark.parametrize(
    ("body", "empty"),
    [
        (" by sorry", True),
        (" by\n  -- todo\n  sorry", True),
        ("", True),
        (" by\n  admit", True),
        (" by\n  simp\n  sorry", False),
        (" by omega", False),
    ],
)
def test_empty_proofs(body: str, empty: bool) -> None:
    assert is_empty_proof(body) is empty


def test_no_proof_is_reported(row: dict[str, Any]) -> None:
    check = _check(row, make_answer(row, ["sorry"]))
    assert check.format_error is FormatError.NO_PROOF
    assert check.proof is None


# Reward hacks: each answer below passed the text checks before, and each can make Lean
# accept (no error, no sorry, standard axioms) code whose checked statement is not the
# given one, or run code that rewrites the environment. Built on imo_1959_p1.

LEXER_DESYNCS = [
    # Lean reads «x--» as one identifier; a lexer that does not sees a comment.
    "def «x--» : ℕ := 1 run_cmd pure ()\n\n",
    # Raw strings have no escapes: r"\" is closed, so the next line is code.
    'def s := r"\\"\nrun_cmd pure ()\ndef t := "x"\n\n',
    # Interpolated strings hold code: the tactic runs when `s` is elaborated.
    'def s : String := s!"{(by run_tac pure (); exact 1 : ℕ)}"\n\n',
    # `//` is one token (Subtype), so `/-` here opens no comment in Lean.
    "def S := { x : ℤ //-x = 1 }\nrun_cmd pure () -- -/\n\n",
    # After a number, `'"'` is a char literal in Lean, not a quote opening a string.
    "def p : ℕ × Char := (2,'a')\ndef q := [2'\"']\nrun_cmd pure ()\ndef r := '\"'\n\n",
    # Issue 7, hole 2: around `!`, `?`, `'` and subscripts a lexer that opens a string
    # where Lean does not hides everything up to the next quote.
    "def c := !'\"'\naxiom cheat : False\ndef d := '\"'\n\n",
    "def c := (∑'\"')\nvariable (h : False)\ninclude h\ndef d := '\"'\n\n",
    'def c := h!\'""\nlocal notation "ℕ" => ℤ\n\n',
    'def c := x₁\'""\naxiom cheat : False\n\n',
    "def c := x.1e5'\"'\naxiom cheat : False -- '\n\n",
    'def c := throwError "{\n"\naxiom cheat : False\n\n',
    # `ᵒᵈ` and `ᶜ` are postfix tokens, not identifier characters (Python's `\w` says they
    # are): the command after them starts right there.
    "def c := ℕᵒᵈaxiom cheat : False\n\n",
    "def c (s : Set ℕ) := sᶜaxiom cheat : False\n\n",
]


@pytest.mark.parametrize("lemma", LEXER_DESYNCS)
def test_code_hidden_from_the_lexer_is_rejected(row: dict[str, Any], lemma: str) -> None:
    check = _check(row, make_answer(row, PROOF, lemmas=lemma))
    assert check.format_error is FormatError.FORBIDDEN_CONSTRUCT, (lemma, check.detail)
    assert check.proof is None


def test_header_ending_inside_a_comment_does_not_smuggle_code(row: dict[str, Any]) -> None:
    # `open … /-` is a header line; the comment it opens hides `run_cmd` from the scan,
    # but the answer's header is dropped, so Lean saw the line after it as code.
    header = row["header"].replace("Rat\n", "Rat /-\nrun_cmd pure () -- -/\n")
    answer = make_answer(row, PROOF, repeat_header=False, lemmas=header)
    check = _check(row, answer, check_tactics_coverage=False)
    assert "run_cmd" not in (check.proof or "")


def test_raw_string_cannot_swallow_the_given_statement(row: dict[str, Any]) -> None:
    # Lean would read the given statement as the inside of r#"…"# and check the `True`
    # theorem after it under the given name.
    answer = make_answer(
        row, [*PROOF, '"#', "theorem imo_1959_p1 : True := trivial"], lemmas='def s := r#"a"\n'
    )
    check = _check(row, answer)
    assert check.format_error in {FormatError.STATEMENT_MODIFIED, FormatError.FORBIDDEN_CONSTRUCT}
    assert check.proof is None


@pytest.mark.parametrize(
    "lemma",
    [
        # An earlier constant of the given name answers `#print axioms`; #guard_msgs
        # swallows Lean's "already declared" error for the given theorem.
        "def imo_1959_p1 : True := trivial\n\n"
        "/-- error: 'imo_1959_p1' has already been declared -/\n#guard_msgs in\n",
        "noncomputable def «imo_1959_p1» : True := trivial\n\n",
        # Commands hidden mid-line used to escape the start-of-line check.
        "lemma aux : True := trivial variable [Fact False]\n\n",
        'lemma aux : True := trivial local notation "ℕ" => ℤ\n\n',
        "lemma aux : True := trivial namespace Nat\n\n",
        # Instances and elaborators registered through attributes on plain definitions.
        "@[instance] def badLT : LT ℕ := ⟨fun _ _ => True⟩\n\n",
        "@[default_instance] instance badAdd : HAdd ℕ ℕ ℕ := ⟨fun _ _ => 0⟩\n\n",
        "@[tactic Lean.Parser.Tactic.omega] def evil : Lean.Elab.Tactic.Tactic := "
        "fun _ => pure ()\n\n",
        "@[simp, norm_num Nat.gcd _ _] def evil : Mathlib.Meta.NormNum.NormNumExt := sorry\n\n",
        "attribute [-instance] Nat.instLT\n\n",
        # Kernel and warning switches spelled with escaped name components.
        "set_option «debug».skipKernelTC true in\n",
        "set_option warn.«sorry» false\n\n",
        # Issue 7, hole 3: no space before a quoted option name.
        "set_option«debug».skipKernelTC true in\n",
        "set_option«warn».sorry false\n\n",
        "set_option pp.deepTerms false\n\n",
        # A bare `open` or `attribute` before the theorem applies to its statement.
        "lemma aux : True := trivial\nopen Finset\n\n",
        "attribute [simp] Nat.add_comm\n\n",
        # `open X in section` leaves a section open with `open X` over the statement.
        "open Finset in\nsection\n\n",
        "open Finset in noncomputable section\n\n",
        "attribute [local simp] Nat.add_comm in\nsection\n\n",
        # `… in` modifiers that would apply to the given theorem.
        "open Nat in\n",
        "open Nat in\nset_option maxHeartbeats 400000 in\n",
        "omit [Fact False] in\n",
        "mutual\n",
        # A definition that captures an identifier of the statement.
        "def h₀ : 0 < 1 := Nat.one_pos\n\n",
        "with_weak_namespace Hidden\n",
    ],
)
def test_commands_that_change_what_is_checked_are_rejected(row: dict[str, Any], lemma: str) -> None:
    check = _check(row, make_answer(row, PROOF, lemmas=lemma))
    assert check.format_error is FormatError.FORBIDDEN_CONSTRUCT, (lemma, check.detail)
    assert check.proof is None


@pytest.mark.parametrize(
    "after",
    [
        # Left open, a namespace makes `#print axioms imo_1959_p1` find Hidden.imo_1959_p1.
        ["", "namespace Hidden", "theorem imo_1959_p1 : True := trivial"],
        # A command elaborator for `#print axioms` would print whatever it likes.
        [
            "",
            "@[command_elab Lean.Parser.Command.printAxioms]",
            "def fake : Lean.Elab.Command.CommandElab := fun _ => pure ()",
        ],
        # A trailing `… in` modifier would wrap the appended axiom check.
        ["", "open Nat in"],
        ["", "/-- info: 'imo_1959_p1' depends on axioms: [sorryAx] -/", "#guard_msgs in"],
        ["", "set_option trace.Elab.command true"],
    ],
)
def test_commands_after_the_theorem_that_touch_the_axiom_check(
    row: dict[str, Any], after: list[str]
) -> None:
    check = _check(row, make_answer(row, [*PROOF, *after]))
    assert check.format_error is FormatError.FORBIDDEN_CONSTRUCT, (after, check.detail)
    assert check.proof is None


@pytest.mark.parametrize("spelling", ["a", "aᶜ"])
def test_auto_bound_identifier_cannot_be_captured(spelling: str) -> None:
    # With autoImplicit (Lean's default outside Mathlib) `a` is a universally bound
    # variable; a `def a` before the theorem would turn it into the constant 5. `ᶜ` is a
    # postfix token, not part of the name.
    theorem = f"theorem t (h : {spelling} = 2) : {spelling} + 1 = 3 :="
    statement = f"import Mathlib\n\n{theorem} by sorry\n"
    answer = (
        "<think>\n```tactics\nsubst h\n```\n```tactics\nrfl\n```\n</think>\n```lean4\n"
        f"def a : ℕ := 5\n\n{theorem} by\n  subst h\n  rfl\n```"
    )
    check = check_answer(statement, answer)
    assert check.format_error is FormatError.FORBIDDEN_CONSTRUCT, check.detail
    assert "`a`" in check.detail


HONEST_LEMMAS = [
    "/-- This lemma is an axiom-free `theorem` about `#eval`; no sorry here. -/\n"
    "lemma gcd_step (a b : ℕ) : Nat.gcd (a + b) b = Nat.gcd a b := by simp\n\n",
    "-- an axiom? no: `instance` and `namespace` in a comment do not count\n"
    "@[simp] lemma two_pos' : (0 : ℕ) < 2 := by norm_num\n\n",
    'lemma str_len : "a{b".length = 3 := by decide\n\n'.replace("{", "("),
    "lemma primes (x₁ h₂' : ℕ) (hα : x₁ = h₂') : h₂' = x₁ := hα.symm\n\n",
    "set_option maxHeartbeats 400000 in\n",
    "set_option maxRecDepth 10000 in\nset_option maxHeartbeats 400000 in\n",
    "lemma c : 'a' ≠ 'b' := by decide\n\n",
    "theorem helper (n : ℕ) : n + 0 = n := by\n  open Nat in simp\n\n".replace("open Nat in ", ""),
    # Issue 7, "no false rejections": scoped `open`/`attribute`, helpers in the theorem's
    # namespace or with dotted names, attributes on helpers.
    "open Real in\nlemma pi_pos' : 0 < π := Real.pi_pos\n\n",
    "open Finset in lemma card_aux : (range 3).card = 3 := by simp\n\n",
    "attribute [local simp] Nat.add_comm in\nlemma aux (n : ℕ) : 0 + n = n := by simp\n\n",
    "lemma imo_1959_p1.aux (n : ℕ) : n + 0 = n := rfl\n\n",
    "theorem Nat.my_helper (n : ℕ) : n + 0 = n := rfl\n\n",
    "@[simp, norm_cast] lemma aux_cast (n : ℕ) : ((n : ℤ) : ℤ) = n := rfl\n\n",
    "private lemma aux (n : ℕ) : n + 0 = n := by simp\n\n",
]


@pytest.mark.parametrize("lemma", HONEST_LEMMAS)
def test_honest_auxiliary_code_is_accepted(row: dict[str, Any], lemma: str) -> None:
    check = _check(row, make_answer(row, PROOF, lemmas=lemma), check_tactics_coverage=False)
    assert check.ok, (lemma, check.detail)
    assert check.proof is not None
    assert lemma.strip() in check.proof


@pytest.mark.parametrize(
    "proof",
    [
        [*PROOF[:1], "open Nat in omega"],
        [*PROOF[:1], "set_option maxRecDepth 5000 in omega"],
        [*PROOF, "", "#print axioms imo_1959_p1"],
        [*PROOF, "", "theorem imo_1959_p1_again (n : ℕ) : n = n := rfl  -- sorry, no axiom"],
    ],
)
def test_honest_proofs_and_commands_after_the_theorem_are_accepted(
    row: dict[str, Any], proof: list[str]
) -> None:
    check = _check(row, make_answer(row, proof), check_tactics_coverage=False)
    assert check.ok, (proof, check.detail)


def test_crlf_answer_is_accepted(row: dict[str, Any]) -> None:
    lemma = "-- helper\nlemma aux (n : ℕ) : n + 0 = n := by simp\n\n"
    answer = make_answer(row, PROOF, lemmas=lemma).replace("\n", "\r\n")
    check = _check(row, answer, check_tactics_coverage=False)
    assert check.ok, check.detail
    assert check.proof is not None
    assert "\r" not in check.proof


# -- default deny: the commands an answer may contain ------------------------------------

_HELPERS = [
    "lemma two_aux : (2 : ℕ) = 1 + 1 := by norm_num",
    "@[simp] lemma one_aux (x : ℕ) : x * 1 = x := by simp",
    "private def twice (n : ℕ) : ℕ := 2 * n",
    "open Nat in\nlemma succ_aux (n : ℕ) : n + 1 = Nat.succ n := rfl",
    "namespace Aux\n\nlemma zero_aux (n : ℕ) : n + 0 = n := by simp\n\nend Aux",
    "section\n\nlemma zero_aux' (n : ℕ) : 0 + n = n := by simp\n\nend",
    "-- a comment\n/- a block comment -/",
    "/-- A documented helper. -/\ntheorem doc_aux : True := trivial",
    "def fib : ℕ → ℕ\n| 0 => 0\n| (n + 1) => n",
]
_REFUSED = [
    'binder_predicate x " >~ " y:term => `($x > $y)',
    "declare_syntax_cat kimina_cat",
    "kimina_command",
    "assert_not_exists Real",
    "#check Nat",
    "#print axioms Nat.add_comm",
    "variable (x : ℕ)",
    'syntax "kimina" : term',
    "mutual\nend",
    'local notation "π₂" => 2',
    "export Nat (succ)",
]
_WRAPPINGS = ["{}", "/-- doc -/\n{}", "/-- doc -/ {}", "/- c -/ {}", "@[simp]\n{}", "private {}"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(_HELPERS), max_size=4),
    st.sampled_from(_REFUSED),
    st.sampled_from(_WRAPPINGS),
    st.integers(0, 4),
    st.booleans(),
)
def test_any_command_outside_the_allow_list_is_refused_wherever_it_stands(
    helpers: list[str], command: str, wrapping: str, at: int, after: bool
) -> None:
    parts = [*helpers]
    parts.insert(min(at, len(parts)), wrapping.format(command))
    code = "\n\n".join(parts) + "\n\n"
    statement = "theorem t : True := by\n  trivial\n"
    full = statement + "\n" + code if after else code + statement
    start = len(statement) + 1 if after else len(code)
    if after:
        scan = scan_code(full, 0, len("theorem t : True :="), prelude_start=0, name="t")
    else:
        scan = scan_code(full, start, start + len("theorem t : True :="), name="t")
    assert scan.forbidden is not None, full
    word = command.split(maxsplit=1)[0]
    assert word in scan.forbidden.construct or scan.forbidden.construct in word, (full, scan)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_HELPERS), max_size=5), st.booleans())
def test_allowed_commands_in_any_order_pass(helpers: list[str], after: bool) -> None:
    code = "\n\n".join(helpers) + "\n\n"
    statement = "theorem t : True := by\n  trivial\n"
    if after:
        full = statement + "\n" + code
        scan = scan_code(full, 0, len("theorem t : True :="), name="t")
    else:
        full = code + statement
        scan = scan_code(full, len(code), len(code) + len("theorem t : True :="), name="t")
    assert scan.forbidden is None, (full, scan.forbidden)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(_HELPERS), max_size=3),
    st.sampled_from(["namespace Aux", "namespace A.B", "end", "end Aux"]),
)
def test_a_scope_left_open_or_closed_too_often_is_refused(helpers: list[str], scope: str) -> None:
    code = "\n\n".join([*helpers, scope]) + "\n\n"
    scan = scan_code(code + "theorem t : True := trivial", len(code), name="t")
    assert scan.forbidden is not None
    assert scan.forbidden.construct == scope.split(maxsplit=1)[0]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("noncomputable section\n\ndef twice (n : ℕ) : ℕ := 2 * n\n\n", ""),
        ("section\n\nlemma two_aux : (2 : ℕ) = 1 + 1 := rfl\n\n", "\n\nend"),
        ("namespace Aux\n\nlemma two_aux : (2 : ℕ) = 1 + 1 := rfl\n\nend Aux\n\n", ""),
    ],
)
def test_a_section_may_stay_open_and_a_closed_namespace_is_fine(before: str, after: str) -> None:
    code = before + "theorem t : True := trivial" + after
    start = len(before)
    scan = scan_code(code, start, start + len("theorem t : True :="), name="t")
    assert scan.forbidden is None, scan.forbidden


def test_refusals_say_what_to_write_instead() -> None:
    code = "kimina_command\n\ntheorem t : True := trivial"
    scan = scan_code(code, code.index("theorem"), name="t")
    assert scan.forbidden is not None
    assert scan.forbidden.construct == "kimina_command"
    assert "not a command an answer may contain" in scan.forbidden.reason
    assert "write a helper as a lemma" in scan.forbidden.reason


# -- honest answers from the data still pass the text checks -----------------------------


def _as_response(code: str) -> str:
    return f"<think>\nI prove it directly.\n</think>\n```lean4\n{code}\n```\n"


_TEXT_CHECK_ERRORS = {
    FormatError.FORBIDDEN_CONSTRUCT,
    FormatError.NATIVE_DECIDE,
    FormatError.STATEMENT_MODIFIED,
    FormatError.STATEMENT_MISSING,
    FormatError.NO_PROOF,
}


def test_every_verified_proof_of_the_training_sample_passes_the_text_checks(
    train_sample: list[dict[str, Any]],
) -> None:
    verified = [r for r in train_sample if r.get("proof_verified_in_fixture")]
    assert len(verified) == 96
    refused = {}
    for row in verified:
        check = check_answer(row["formal_statement"], _as_response(row["formal_proof"]))
        if check.proof is None or check.format_error in _TEXT_CHECK_ERRORS:
            refused[row["name"]] = check.detail
    assert refused == {}


def test_every_builtin_reference_answer_passes_the_checks() -> None:
    from kimina_prover_rl.data.builtin import builtin_problems, reference_answer

    for problem in builtin_problems():
        check = check_answer(problem.formal_statement, reference_answer(problem))
        assert check.ok, (problem.name, check.detail)


@pytest.mark.parametrize(
    "code", ["@[simp]\n" * 20_000, "@[\n" * 20_000, "private " * 40_000, "/-- d -/\n" * 20_000]
)
def test_hostile_command_prefixes_are_scanned_in_one_pass(code: str) -> None:
    # Time is measured in benchmarks; here only that the scan ends with an answer.
    scan = scan_code(code + "theorem t : True := trivial", len(code), name="t")
    assert scan.forbidden is None or scan.forbidden.line >= 1
