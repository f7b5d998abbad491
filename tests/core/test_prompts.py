"""The reflection prompt library and the order prompts are suggested in."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from client_sdk.documents import check_prompt_id
from client_sdk.errors import InvalidInput
from client_sdk.prompts import (
    CATEGORIES,
    DAY_MS,
    LIBRARY,
    THERAPIST,
    Prompt,
    answered_at,
    check_category,
    library,
    library_prompt,
    rank,
    select,
)

NOW = 1_800_000_000_000  # a fixed moment, in ms


def therapist_prompt(prompt_id: str, created_ms: int) -> Prompt:
    created = datetime.fromtimestamp(created_ms / 1000, tz=UTC)
    return Prompt(prompt_id, THERAPIST, f"Prompt {prompt_id}", True, "drsmith", "Personal", created)


def test_the_library_has_at_least_forty_prompts_covering_every_category() -> None:
    assert len(LIBRARY) >= 40
    assert {prompt.category for prompt in LIBRARY} == set(CATEGORIES)
    assert all(len(library(category)) >= 5 for category in CATEGORIES)


def test_every_library_id_is_stable_unique_and_a_valid_prompt_id() -> None:
    ids = [prompt.id for prompt in LIBRARY]
    assert len(ids) == len(set(ids))
    for prompt in LIBRARY:
        assert re.fullmatch(rf"{prompt.category}-\d\d", prompt.id)
        check_prompt_id(prompt.id)
    assert library_prompt("trust-01") == LIBRARY[0]
    assert library_prompt(" TRUST-01 ") == LIBRARY[0]
    assert library_prompt("trust-99") is None


def test_every_prompt_is_a_question_or_an_invitation_of_reasonable_length() -> None:
    texts = [prompt.text for prompt in LIBRARY]
    assert len(set(texts)) == len(texts)
    for text in texts:
        assert 20 <= len(text) <= 200, text
        assert text[0].isupper() and text[-1] in "?.", text
        assert "  " not in text, text


def test_category_names_are_forgiving_about_case_and_spaces() -> None:
    assert check_category("Self reflection") == "self-reflection"
    assert check_category("COPING") == "coping"
    with pytest.raises(InvalidInput, match="trust, communication"):
        check_category("dreams")


def test_unanswered_library_prompts_come_before_ones_answered_recently() -> None:
    prompts = library("trust")
    answered = {"trust-01": NOW - DAY_MS, "trust-02": NOW - 30 * DAY_MS}
    ordered = [p.id for p in rank(prompts, answered, NOW, recent_days=14)]
    assert ordered[-1] == "trust-01"
    # never answered first, then the one answered long ago
    assert ordered[-2] == "trust-02"
    assert set(ordered[:-2]) == {p.id for p in prompts} - {"trust-01", "trust-02"}


def test_ranking_fills_in_when_each_prompt_was_last_answered() -> None:
    ranked = {p.id: p for p in rank(library("coping"), {"coping-03": NOW}, NOW)}
    assert ranked["coping-03"].last_answered == datetime.fromtimestamp(NOW / 1000, tz=UTC)
    assert ranked["coping-01"].last_answered is None


def test_the_suggestion_changes_from_day_to_day_among_equals() -> None:
    prompts = library("gratitude")
    firsts = {rank(prompts, {}, NOW + day * DAY_MS)[0].id for day in range(len(prompts))}
    assert firsts == {p.id for p in prompts}


def test_a_therapists_unanswered_prompts_come_first_newest_first() -> None:
    older, newer = therapist_prompt("aa" * 16, NOW - 2 * DAY_MS), therapist_prompt("bb" * 16, NOW)
    ordered = rank([*LIBRARY, older, newer], {}, NOW)
    assert [p.id for p in ordered[:2]] == [newer.id, older.id]
    assert ordered[0].from_therapist


def test_a_therapists_prompt_once_answered_goes_behind_the_library() -> None:
    theirs = therapist_prompt("cc" * 16, NOW)
    ordered = rank([theirs, *library("goals")], {theirs.id: NOW - 90 * DAY_MS}, NOW)
    assert ordered[-1].id == theirs.id


def test_a_category_leaves_out_the_therapists_prompts_which_have_none() -> None:
    theirs = therapist_prompt("dd" * 16, NOW)
    assert theirs in select([theirs, *LIBRARY], None)
    chosen = select([theirs, *LIBRARY], "emotions")
    assert chosen == library("emotions")


def test_answered_at_keeps_the_latest_answer_of_each_prompt() -> None:
    def moment(ms: int) -> datetime:
        return datetime.fromtimestamp(ms / 1000, tz=UTC)

    answers = [("trust-01", moment(1_000)), (None, moment(9_000)), ("trust-01", moment(5_000))]
    assert answered_at(answers) == {"trust-01": 5_000}


def test_the_json_shape_of_a_prompt_is_stable() -> None:
    assert LIBRARY[0].to_dict() == {
        "id": "trust-01",
        "category": "trust",
        "text": LIBRARY[0].text,
        "from_therapist": False,
        "author": None,
        "journal": None,
        "journal_id": None,
        "last_answered": None,
    }
