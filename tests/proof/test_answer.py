"""parse_answer: think block and fenced code blocks, including broken fences."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kimina_prover_rl.proof import parse_answer

ANSWER = """<think>
Plan: substitute, then normalise.
```tactics
rw [h₁]
```
  ```tactics
  norm_num
  ```
</think>
Final:
```lean4
theorem t : 1 + 1 = 2 := by
  norm_num
```
"""


def test_blocks_languages_lines_and_think_membership() -> None:
    answer = parse_answer(ANSWER)
    assert [(b.language, b.line, b.in_think, b.closed) for b in answer.blocks] == [
        ("tactics", 3, True, True),
        ("tactics", 6, True, True),
        ("lean4", 11, False, True),
    ]
    assert answer.blocks[0].content == "rw [h₁]"
    assert answer.blocks[2].content == "theorem t : 1 + 1 = 2 := by\n  norm_num"
    assert answer.text[answer.blocks[2].end :] == ""


def test_content_line_k_is_answer_line_line_plus_k() -> None:
    answer = parse_answer(ANSWER)
    block = answer.blocks[2]
    lines = ANSWER.split("\n")
    for k, text in enumerate(block.content.split("\n"), start=1):
        assert lines[block.line + k - 1] == text


def test_think_text_outside_blocks_drops_drafts() -> None:
    text = parse_answer(ANSWER).think_text_outside_blocks()
    assert "Plan: substitute" in text
    assert "rw [h₁]" not in text
    assert "norm_num" not in text


def test_unclosed_block_runs_to_the_end() -> None:
    answer = parse_answer("<think>x</think>\n```lean4\ntheorem t : True := by\n  triv")
    (block,) = answer.blocks
    assert not block.closed
    assert block.content.endswith("triv")


def test_fence_with_language_inside_open_block_starts_a_new_block() -> None:
    answer = parse_answer("```tactics\nsimp\n```lean4\ntheorem t : True := trivial\n```\n")
    assert answer.nested_fence_lines == (3,)
    assert [(b.language, b.closed) for b in answer.blocks] == [("tactics", False), ("lean4", True)]


def test_inline_backticks_and_mid_line_fences_are_not_fences() -> None:
    answer = parse_answer("use ```lean4``` like this, or text ```lean4\nno block\n")
    assert answer.blocks == ()


def test_longer_closing_fence_closes_and_shorter_does_not() -> None:
    answer = parse_answer("````lean4\na\n```\nb\n`````\n")
    (block,) = answer.blocks
    assert block.closed
    assert block.content == "a\n```\nb"


def test_think_opened_by_prompt() -> None:
    answer = parse_answer(
        "reasoning\n```tactics\nsimp\n```\n</think>\n```lean4\nx\n```", think_in_prompt=True
    )
    assert answer.think_span is not None
    assert answer.think_span[0] == 0
    assert [b.in_think for b in answer.blocks] == [True, False]


def test_close_before_open_and_counts() -> None:
    answer = parse_answer("</think> a <think> b </think> <think>")
    assert answer.first_think_close < answer.first_think_open
    assert (answer.think_open_count, answer.think_close_count) == (2, 2)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["```", "```lean4", "```tactics", "````", "\n", " ", "x", "<think>", "</think>", "`"]
        ),
        max_size=60,
    )
)
def test_blocks_are_ordered_disjoint_and_inside_the_text(pieces: list[str]) -> None:
    text = "".join(pieces)
    answer = parse_answer(text)
    last_end = 0
    for block in answer.blocks:
        assert last_end <= block.start < block.end <= len(text)
        assert block.content in text
        last_end = block.end
