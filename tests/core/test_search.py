"""Search over entries: matching, ranking, filters and highlighted snippets."""

from __future__ import annotations

import dataclasses
import unicodedata
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

import client_sdk.search
from client_sdk.errors import InvalidInput
from client_sdk.models import Entry
from client_sdk.search import (
    ELLIPSIS,
    KANA_MARKS,
    FoldedText,
    SearchHit,
    fold,
    fold_with_positions,
    make_snippet,
    parse_query,
    rank_entries,
    search_entries,
)

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def entry(
    body: str, *, title: str = "", tags: tuple[str, ...] = (), day: int = 0, id: str = ""
) -> Entry:
    at = START + timedelta(days=day)
    return Entry(id or f"{day:032x}", "Personal", "00" * 16, title, body, None, tags, at, at, False)


def ids(hits: list[SearchHit]) -> list[str]:
    return [hit.entry.id for hit in hits]


def test_a_term_matches_words_that_start_with_it_in_any_case() -> None:
    found = search_entries([entry("Felt ANXIOUS before the session.")], "anx")
    [hit] = found
    assert hit.snippet[slice(*hit.highlights[0])] == "ANXIOUS"


def test_entries_without_any_term_are_left_out() -> None:
    entries = [entry("Slept well.", day=1), entry("A walk in the park.", day=2)]
    assert ids(search_entries(entries, "walk")) == [entries[1].id]
    assert search_entries(entries, "boundaries") == []


def test_a_match_in_the_title_outranks_one_in_the_body() -> None:
    in_body = entry("We talked about boundaries today.", day=3)
    in_title = entry("Long day at work.", title="Boundaries", day=1)
    hits = search_entries([in_body, in_title], "boundaries")
    assert ids(hits) == [in_title.id, in_body.id]
    assert hits[0].title_highlights == ((0, 10),)


def test_more_occurrences_rank_higher() -> None:
    once = entry("Sleep was fine.", day=2)
    often = entry("Sleep, sleep, sleep: I could not sleep at all.", day=1)
    assert ids(search_entries([once, often], "sleep")) == [often.id, once.id]


def test_entries_with_every_term_come_before_those_with_some() -> None:
    both = entry("Mother called; we argued.", day=1)
    many_of_one = entry("Mother, mother, mother, mother.", day=2)
    assert ids(search_entries([many_of_one, both], "mother argued"))[0] == both.id


def test_text_matches_rank_above_tag_only_matches_and_a_tag_adds_to_a_text_match() -> None:
    tag_only = entry("Tough evening.", tags=("sleep",), day=3)  # the newest
    plain = entry("Could not sleep.", day=1)
    text_and_tag = entry("Could not sleep.", tags=("sleep",), day=0)
    in_title = entry("Tired.", title="Sleep", tags=("sleep",), day=2)
    untagged_miss = entry("Nothing relevant.", day=4)
    hits = search_entries([tag_only, plain, text_and_tag, in_title, untagged_miss], "sleep")
    assert ids(hits) == [in_title.id, text_and_tag.id, plain.id, tag_only.id]


def test_equal_scores_list_the_newest_entry_first() -> None:
    entries = [entry("Gratitude list.", day=day) for day in (1, 3, 2)]
    assert [h.entry.created_at.day for h in search_entries(entries, "gratitude")] == [8, 7, 6]


def test_the_tag_and_since_filters_narrow_the_results() -> None:
    old = entry("Walk by the river.", tags=("outside",), day=0)
    new = entry("Walk in the rain.", tags=("Outside",), day=10)
    untagged = entry("Walk to work.", day=11)
    entries = [old, new, untagged]
    assert ids(search_entries(entries, "walk", tag="outside")) == [new.id, old.id]
    since = START + timedelta(days=5)
    assert ids(search_entries(entries, "walk", since=since)) == [untagged.id, new.id]


def test_an_empty_query_is_refused() -> None:
    for query in ("", "  ", "?!"):
        with pytest.raises(InvalidInput, match="at least one word"):
            search_entries([entry("text")], query)


def test_an_emoji_is_searched_wherever_it_appears() -> None:
    """NU35 #9: `tj search 😀` was refused although an entry held it."""
    smiling = entry("Good day 😀 at the park, then tea😀.")
    sunny = entry("Sun ☀️ all day.")
    plain = entry("Nothing to see.")
    [hit] = search_entries([smiling, sunny, plain], "😀")
    assert hit.entry.id == smiling.id
    assert [hit.snippet[a:b] for a, b in hit.highlights] == ["😀", "😀"]
    assert ids(search_entries([smiling, sunny, plain], "☀️")) == [sunny.id]
    assert ids(search_entries([smiling, sunny, plain], "day -😀")) == [sunny.id]
    assert parse_query("park 😀 ...").terms == ("park", "😀")


def test_query_terms_are_distinct_lowercase_words() -> None:
    assert parse_query("Sleep, SLEEP and dreams!").terms == ("sleep", "and", "dreams")


def test_a_query_splits_into_terms_phrases_and_exclusions() -> None:
    query = parse_query('walk "felt calm" -work by the -Sea')
    assert query.terms == ("walk", "by", "the")
    assert query.phrases == ("felt calm",)
    assert query.excluded == ("work", "sea")


def test_a_query_of_exclusions_only_is_refused() -> None:
    with pytest.raises(InvalidInput, match="at least one word"):
        search_entries([entry("text")], "-work")


def test_accents_and_case_are_ignored_both_ways() -> None:
    zurich = entry("Train to Zürich, then a walk by the lake.", day=1)
    cafe = entry("Met her at the CAFE.", day=2)
    assert ids(search_entries([zurich, cafe], "zurich")) == [zurich.id]
    assert ids(search_entries([zurich, cafe], "ZÜRICH")) == [zurich.id]
    assert ids(search_entries([zurich, cafe], "café")) == [cafe.id]
    [hit] = search_entries([zurich], "zur")
    [span] = hit.highlights
    assert hit.snippet[span[0] : span[1]] == "Zürich"


def test_a_decomposed_accent_in_the_text_still_matches_and_highlights() -> None:
    decomposed = "Zu\u0308rich in spring."
    [hit] = search_entries([entry(decomposed)], "zürich")
    [span] = hit.highlights
    assert hit.snippet[span[0] : span[1]] == "Zu\u0308rich"


def test_an_exact_phrase_must_appear_word_for_word() -> None:
    together = entry("I felt calm after the walk.", day=1)
    apart = entry("Calm is not what I felt.", day=2)
    hits = search_entries([together, apart], '"felt calm"')
    assert ids(hits) == [together.id]
    [span] = hits[0].highlights
    assert hits[0].snippet[span[0] : span[1]] == "felt calm"


def test_a_phrase_with_a_term_needs_both() -> None:
    both = entry("Felt calm. A long walk.", day=1)
    phrase_only = entry("Felt calm at home.", day=2)
    term_only = entry("A walk alone.", day=3)
    assert ids(search_entries([both, phrase_only, term_only], 'walk "felt calm"')) == [both.id]


def test_several_words_find_only_entries_with_every_word() -> None:
    """NU61 F5: "work box" listed entries holding only "work" (a tag included): every word
    must be found, in the title, the body, a tag or an emotion."""
    both = entry("Offline on the work box.", day=1)
    work_only = entry("A work thing.", day=2)
    tag_only = entry("Offline laptop.", tags=("work",), day=3)
    split = entry("A new box.", tags=("work",), day=4)  # the word in a tag, the other in text
    hits = search_entries([both, work_only, tag_only, split], "work box")
    assert sorted(ids(hits)) == sorted([both.id, split.id])
    assert ids(hits)[0] == both.id  # both words in the text rank first


def test_an_excluded_word_drops_the_entry_wherever_it_appears() -> None:
    plain = entry("A walk in the park.", day=1)
    in_body = entry("A walk after work.", day=2)
    in_title = entry("A walk.", title="Work day", day=3)
    in_tags = entry("A walk.", tags=("Work",), day=4)
    longer_word = entry("A walk to the workshop.", day=5)
    hits = search_entries([plain, in_body, in_title, in_tags, longer_word], "walk -work")
    assert ids(hits) == [longer_word.id, plain.id]


def test_an_excluded_word_ignores_accents() -> None:
    assert search_entries([entry("Walk to the café.")], "walk -cafe") == []


def test_a_long_body_gives_a_snippet_around_the_first_match_with_ellipses() -> None:
    body = "Filler words here. " * 20 + "Then the panic came back. " + "More filler text. " * 20
    [hit] = search_entries([entry(body)], "panic")
    assert hit.snippet.startswith(ELLIPSIS) and hit.snippet.endswith(ELLIPSIS)
    assert len(hit.snippet) <= 170
    [span] = hit.highlights
    assert hit.snippet[span[0] : span[1]] == "panic"


def test_the_snippet_is_one_line_and_limits_are_respected() -> None:
    entries = [entry(f"Line one\nline two about anger {n}", day=n) for n in range(5)]
    hits = search_entries(entries, "anger", limit=2)
    assert len(hits) == 2 and all("\n" not in hit.snippet for hit in hits)


def test_the_json_shape_of_a_hit_has_the_entry_relevance_and_snippet() -> None:
    [hit] = search_entries([entry("Calm morning.", title="Calm")], "calm")
    shaped = hit.to_dict()
    assert set(shaped) == {
        "entry",
        "relevance",  # "score" is a questionnaire's whole total in every JSON (NU67 F5)
        "snippet",
        "highlights",
        "title_highlights",
        "tags_matched",  # NU40 #4
        "emotions_matched",  # NU42 #8
    }
    assert shaped["tags_matched"] == [] and shaped["emotions_matched"] == []
    assert shaped["entry"]["body"] == "Calm morning."
    assert shaped["highlights"] == [[0, 4]] and shaped["title_highlights"] == [[0, 4]]
    assert shaped["relevance"] == round(hit.score, 3) > 0


@given(
    text=st.text(alphabet="ab cé\n中", max_size=400),
    term=st.sampled_from(["a", "ab", "c", "é", "中"]),
)
def test_snippet_highlights_always_point_at_the_matched_words(text: str, term: str) -> None:
    spans = FoldedText(text).word_spans(fold(term))
    snippet, highlights = make_snippet(text, spans, width=40)
    for start, end in highlights:
        assert 0 <= start < end <= len(snippet)
        assert ELLIPSIS not in snippet[start:end] and " " not in snippet[start:end]
    if len(text) <= 40:
        assert [snippet[s:e] for s, e in highlights] == [text[s:e] for s, e in spans]


def test_a_quote_left_open_is_a_phrase_to_the_end_of_the_query() -> None:
    assert parse_query('"unclosed').phrases == ("unclosed",)
    query = parse_query('walk "felt calm')
    assert (query.terms, query.phrases) == (("walk",), ("felt calm",))
    hits = search_entries([entry("I felt calm after the walk.")], 'walk "felt calm')
    assert len(hits) == 1


def test_a_cjk_word_is_found_anywhere_in_a_run_without_spaces() -> None:
    """NU39 #2: only a word at the start of a run of CJK characters was found ("今天"), never
    one in the middle ("公园" in "我去了公园。"): a term had to start at a `\\w` boundary."""
    chinese = entry("今天天气很好。我去了公园。", title="标签测试", day=1)
    japanese = entry("東京に行きたい。", day=2)
    korean = entry("오늘 한국어를 공부했다.", day=3)
    entries = [chinese, japanese, korean]
    for term, found, highlighted in (
        ("公园", chinese, "公园"),
        ("天气", chinese, "天气"),
        ("行きたい", japanese, "行きたい"),
        ("国語", None, ""),
        ("국어", korean, "국어"),
        ("하", None, ""),  # the start of the syllable 한 is not a match
    ):
        hits = search_entries(entries, term)
        assert ids(hits) == ([found.id] if found else []), term
        if hits:
            assert [hits[0].snippet[a:b] for a, b in hits[0].highlights] == [highlighted]
    [hit] = search_entries(entries, "测试")  # in the title: highlighted there, term only
    assert [chinese.title[a:b] for a, b in hit.title_highlights] == ["测试"]
    [hit] = search_entries(entries, '"去了公园"')
    assert [hit.snippet[a:b] for a, b in hit.highlights] == ["去了公园"]
    assert ids(search_entries(entries, "很好 -公园")) == []
    assert ids(search_entries([entry("A walk.", tags=("标签测试",))], "测试")) != []


def test_a_latin_word_right_after_cjk_text_starts_a_word() -> None:
    mixed = entry("今天和Tom去了公园。", day=1)
    [hit] = search_entries([mixed], "tom")
    assert [hit.snippet[a:b] for a, b in hit.highlights] == ["Tom"]
    assert search_entries([mixed], "om") == []
    assert search_entries([entry("A walk.")], "alk") == []  # Latin: word starts, as before


def test_a_kana_voicing_mark_makes_another_syllable_not_an_accent() -> None:
    """NU39b: folding dropped the kana voiced sound mark as an accent, so "か" (ka) found "が"
    (ga) and "パン" (bread) matched "ハン". Accents on Latin letters are still ignored."""
    ga = entry("がっこうに行った。", day=1)
    bread = entry("パンを買った。", day=2)
    cafe = entry("Café at noon.", day=3)
    entries = [ga, bread, cafe]
    assert ids(search_entries(entries, "かっこう")) == []
    assert ids(search_entries(entries, "がっこう")) == [ga.id]
    assert ids(search_entries(entries, "ハン")) == []
    assert ids(search_entries(entries, "パン")) == [bread.id]
    assert ids(search_entries(entries, "ﾊﾟﾝ")) == [bread.id]  # half-width, the same syllables
    assert ids(search_entries(entries, "cafe")) == [cafe.id]
    # NU40 #1: the query's words kept their marks only once folded; cut at each mark, each
    # piece matched alone ("か" found "が", "ばか" anything holding "は")
    today = entry("今日は雨。がんばる。", day=4)
    entries = [ga, bread, cafe, today]
    assert ids(search_entries(entries, "か")) == []
    assert ids(search_entries(entries, "かんばる")) == []
    assert ids(search_entries(entries, "がんばる")) == [today.id]
    assert ids(search_entries(entries, "ばか")) == []
    assert ids(search_entries(entries, '"がんばる"')) == [today.id]
    assert ids(search_entries(entries, "雨 -がんばる")) == []
    school = entry("No text of it.", tags=("がっこう",), day=5)
    assert ids(search_entries([school], "か")) == []  # nor in a tag
    assert ids(search_entries([school], "が")) == [school.id]


def test_a_match_found_only_in_the_tags_names_them() -> None:
    """NU40 #4: for a tag-only match the hit said nothing of the tag (the CLI showed the
    body's start, which holds no match): `tags_matched` names the tags, as written."""
    tagged = entry("Walked by the river.", tags=("家庭", "Sleep", "work"), day=1)
    texted = entry("Family dinner; sleep came late.", day=2)
    [hit] = search_entries([tagged, texted], "家庭")
    assert (hit.entry.id, hit.highlights, hit.tags_matched) == (tagged.id, (), ("家庭",))
    hits = {h.entry.id: h for h in search_entries([tagged, texted], "sleep")}
    assert hits[tagged.id].tags_matched == ("Sleep",)
    assert hits[texted.id].tags_matched == () and hits[texted.id].highlights
    assert hits[tagged.id].to_dict()["tags_matched"] == ["Sleep"]


def test_an_entrys_emotions_are_searched_as_its_tags_are() -> None:
    """NU42 #8: `tj search calm` found no check-in with the emotion calm (tags were
    searched, emotions not): an emotion is matched and scored as a tag is, named in the
    hit, and an excluded word excludes an entry holding it as an emotion."""
    checkin = dataclasses.replace(entry("", day=1), emotions=("calm", "anxious"))
    texted = entry("A calm walk after work.", day=2)
    hits = search_entries([checkin, texted], "calm")
    assert ids(hits) == [texted.id, checkin.id]  # the text outranks a label, as for tags
    assert hits[1].emotions_matched == ("calm",) and hits[1].tags_matched == ()
    assert hits[1].to_dict()["emotions_matched"] == ["calm"]
    assert ids(search_entries([checkin, texted], "anx")) == [checkin.id]
    assert ids(search_entries([checkin, texted], "walk -anxious")) == [texted.id]
    assert ids(search_entries([checkin, texted], "calm -anxious")) == [texted.id]


def folded_char_by_char(text: str) -> tuple[str, list[int]]:
    """The fold as the module docstring defines it, one character at a time: the reference
    the faster fold (ASCII runs lower-cased at once, characters cached) must equal."""
    folded, origin = [], []
    for index, char in enumerate(text):
        for part in unicodedata.normalize("NFKD", char):
            if unicodedata.combining(part) and part not in KANA_MARKS:
                continue
            folded.append(part.casefold())
            origin += [index] * len(part.casefold())
    return "".join(folded), origin


@given(text=st.text(max_size=200) | st.text(alphabet="aB Zü\u0301ß\u30abﾊﾟİ中\n", max_size=200))
def test_the_fold_is_the_same_as_folding_each_character(text: str) -> None:
    assert fold_with_positions(text) == folded_char_by_char(text)
    assert fold(text) == folded_char_by_char(text)[0]


def test_only_the_hits_returned_get_a_snippet_and_the_total_counts_every_match(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """NU47 #5: a search of 10,000 entries built 6,000 snippets to show 20."""
    entries = [entry(f"Slept badly, night {n}. Zürich.", day=n) for n in range(30)]
    entries.append(entry("Nothing to see."))
    every = search_entries(entries, "slept zurich")
    built = []
    real = client_sdk.search.make_snippet
    monkeypatch.setattr(
        client_sdk.search, "make_snippet", lambda *a, **k: built.append(1) or real(*a, **k)
    )
    found = rank_entries(entries, "slept zurich", limit=5)
    assert (len(built), found.total) == (5, 30)
    assert found.hits == every[:5]
    assert [found.hits[0].snippet[s:e] for s, e in found.hits[0].highlights] == ["Slept", "Zürich"]


def test_a_hyphenated_tag_is_found_by_its_name_and_by_each_of_its_words() -> None:
    """A tag is searched as a text is: "self-care" typed as the tag is written, either of its
    words, or both apart, finds the entry (they found nothing: a tag matched only from its
    start, as one token)."""
    care = entry("Well-being day: a long walk, re-read my notes.", tags=("self-care",), day=1)
    balance = entry("Balance talk", tags=("work-life",), day=2)
    other = entry("Nothing tagged.", day=3)
    entries = [care, balance, other]
    for query in ("self-care", '"self-care"', "self care", "care", "self-care walk"):
        hits = search_entries(entries, query)
        assert ids(hits) == [care.id], query
        assert hits[0].tags_matched == ("self-care",), query
    assert ids(search_entries(entries, "work-life")) == [balance.id]
    assert ids(search_entries(entries, "life")) == [balance.id]
    assert search_entries(entries, '"care self"') == []


def test_a_hyphenated_excluded_word_leaves_out_the_word_whole() -> None:
    """`-well-being` leaves out entries holding "well-being" (it left out "well" and asked
    for "being", finding nothing); `-"well-being"` too (it was read as a phrase to find);
    a hyphen inside a word is never an exclusion."""
    wellbeing = entry("Well-being day: a long walk.", tags=("self-care",), day=1)
    walk = entry("A walk by the river, felt well.", day=2)
    plain = entry("Another walk.", day=3)
    entries = [wellbeing, walk, plain]
    expected = sorted([walk.id, plain.id])
    for query in ("walk -well-being", 'walk -"well-being"', "walk -self-care", 'walk -"self care"'):
        assert sorted(ids(search_entries(entries, query))) == expected, query
    assert sorted(ids(search_entries(entries, "walk -well"))) == [plain.id]
    assert parse_query("well-being").excluded == ()
    assert parse_query("walk -well-being").terms == ("walk",)


def test_a_word_after_two_dashes_is_a_word_to_find_not_one_to_leave_out() -> None:
    """nu79 F2: `tj search -- --limit` was refused: the second "-" of "--limit" left "limit"
    out, and nothing was left to find. Only one "-" at a word's start leaves it out."""
    assert parse_query("--limit") == parse_query("limit")
    assert parse_query("walk --limit -work").terms == ("walk", "limit")
    assert parse_query("walk --limit -work").excluded == ("work",)
