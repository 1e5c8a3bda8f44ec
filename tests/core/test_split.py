"""The one splitter both platforms use: every piece fits, nothing is lost, nothing is cut in two."""

from hypothesis import given
from hypothesis import strategies as st

from adapters.split import split_message


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=5000),
       st.integers(min_value=1, max_value=2000))
def test_pieces_fit_are_never_empty_and_keep_every_character(text: str, limit: int) -> None:
    pieces = split_message(text, limit)
    assert all(0 < len(p) <= limit for p in pieces)

    def kept(s: str) -> str:
        return s.replace("\n", "").replace(" ", "")

    assert kept("".join(pieces)) == kept(text)


def test_short_text_is_one_piece_and_lines_stay_whole() -> None:
    assert split_message("", 10) == []
    assert split_message("one\ntwo", 10) == ["one\ntwo"]
    assert split_message("first line\nsecond line", 12) == ["first line", "second line"]


def test_a_long_line_is_cut_at_a_space_in_its_second_half() -> None:
    assert split_message("aaaa bbbb cccc", 10) == ["aaaa bbbb", "cccc"]
    assert split_message("a" * 25, 10) == ["a" * 10, "a" * 10, "a" * 5]


def test_mentions_entities_and_escapes_are_never_cut_in_two() -> None:
    line = "x" * 8 + "<@U0123>"
    assert split_message(line, 12) == ["x" * 8, "<@U0123>"]
    assert split_message("x" * 9 + "&amp;", 12) == ["x" * 9, "&amp;"]
    assert split_message("x" * 11 + "\\*", 12) == ["x" * 11, "\\*"]


def test_an_escaped_angle_bracket_is_not_a_mention_and_words_stay_whole() -> None:
    # Discord escapes a typed "<3" as "\<3": no mention there, so the cut stays at a space near the limit.
    text = "I \\<3 " + "volunteering " * 200
    pieces = split_message(text, 2000)
    assert len(pieces[0]) > 1900
    assert all(not p.startswith("ering") for p in pieces)
    assert split_message("x" * 8 + "Q&A<@U0123>", 12) == ["xxxxxxxxQ&A", "<@U0123>"]  # "&A" is no entity
