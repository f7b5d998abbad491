"""Cutting text where a reader sees a character end (client_sdk/graphemes.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from client_sdk.graphemes import cut, graphemes

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 7 code points
FLAG = "\U0001f1eb\U0001f1f7"  # France: two regional indicators
THUMB = "\U0001f44d\U0001f3fd"  # a thumbs up with a skin tone
ACCENTED = "e\u0301"  # e and a combining acute accent


def test_clusters_are_what_a_reader_sees_as_one_character() -> None:
    text = f"{FAMILY}{FLAG}{FLAG}{THUMB}{ACCENTED}한국 a\r\nb"
    assert graphemes(text) == [
        FAMILY,
        FLAG,
        FLAG,
        THUMB,
        ACCENTED,
        "한",
        "국",
        " ",
        "a",
        "\r\n",
        "b",
    ]


def test_a_cut_never_splits_a_cluster_and_keeps_within_the_limit() -> None:
    assert cut(f"ab{FAMILY}cd", 8) == "ab…"  # the family (7) does not fit beside "…"
    assert cut(f"ab{FAMILY}cd", 10) == f"ab{FAMILY}…"
    assert cut(f"{FLAG}{FLAG}{FLAG}", 5) == f"{FLAG}{FLAG}…"
    assert cut(f"{FLAG}{FLAG}{FLAG}", 4, mark="") == f"{FLAG}{FLAG}"
    assert cut(f"caf{ACCENTED} crème", 5) == "caf…"  # 'e' and its accent stay together
    assert cut("short", 5) == "short"
    assert cut("plain ascii text", 8) == "plain a…"


@given(st.text(), st.integers(min_value=1, max_value=40))
def test_a_cut_is_a_prefix_of_whole_clusters_within_the_limit(text: str, limit: int) -> None:
    result = cut(text, limit)
    assert len(result) <= max(limit, 1)
    if result == text:
        return
    kept = result.removesuffix("…")
    clusters = graphemes(text)
    assert kept == "".join(clusters[: len(graphemes(kept))])  # whole clusters from the start
