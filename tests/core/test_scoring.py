"""Scoring of the shipped instruments: every band edge, reliable change, caseness, falling
below it, and the recall period (sources in client_sdk/data/instruments/*.json and the
scoring module's docstring)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from client_sdk.errors import InvalidInput
from client_sdk.scoring import (
    DAY_MS,
    DETERIORATION,
    IMPROVEMENT,
    NO_RELIABLE_CHANGE,
    builtin_instruments,
    compare,
    difference,
    instrument,
    parse_instrument,
)

DATA = Path(__file__).resolve().parents[2] / "client_sdk" / "data" / "instruments"
APART = 30 * DAY_MS  # at least every shipped instrument's recall period (PCL-5: 30 days)


def answers_totalling(name: str, total: int) -> list[int]:
    """Answers for `name` (lowest safety-item answers first) that add up to `total`."""
    chosen = instrument(name)
    top = max(o.value for o in chosen.options)
    answers = [0] * len(chosen.items)
    order = [i for i in range(len(answers)) if i + 1 not in chosen.safety_items]
    order += [n - 1 for n in chosen.safety_items]
    left = total
    for index in order:
        answers[index] = min(top, left)
        left -= answers[index]
    assert left == 0
    return answers


PHQ9_EDGES = [
    (0, "None-minimal"), (4, "None-minimal"), (5, "Mild"), (9, "Mild"), (10, "Moderate"),
    (14, "Moderate"), (15, "Moderately Severe"), (19, "Moderately Severe"), (20, "Severe"),
    (27, "Severe"),
]  # fmt: skip
GAD7_EDGES = [
    (0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
    (14, "moderate"), (15, "severe"), (21, "severe"),
]  # fmt: skip
BELOW = "below the provisional cut-point"
ABOVE = "at or above the provisional cut-point (probable PTSD)"
PCL5_EDGES = [(0, BELOW), (32, BELOW), (33, ABOVE), (80, ABOVE)]


@pytest.mark.parametrize(("total", "band"), PHQ9_EDGES)
def test_phq9_band_edges(total: int, band: str) -> None:
    phq9 = instrument("phq9")
    assert phq9.score(answers_totalling("phq9", total)) == total
    assert phq9.band(total) == band


@pytest.mark.parametrize(("total", "band"), GAD7_EDGES)
def test_gad7_band_edges(total: int, band: str) -> None:
    gad7 = instrument("GAD-7")
    assert gad7.score(answers_totalling("gad7", total)) == total
    assert gad7.band(total) == band


@pytest.mark.parametrize(("total", "band"), PCL5_EDGES)
def test_pcl5_band_edges(total: int, band: str) -> None:
    pcl5 = instrument("PCL-5")
    assert pcl5.score(answers_totalling("pcl5", total)) == total
    assert pcl5.band(total) == band


@pytest.mark.parametrize(("name", "maximum"), [("phq9", 27), ("gad7", 21), ("pcl5", 80)])
def test_scores_outside_the_range_have_no_band(name: str, maximum: int) -> None:
    chosen = instrument(name)
    assert chosen.max_score == maximum
    for score in (-1, maximum + 1):
        with pytest.raises(InvalidInput):
            chosen.band(score)


def test_instruments_have_the_published_number_of_items_and_options() -> None:
    shipped = builtin_instruments()
    assert [len(shipped[n].items) for n in ("phq9", "gad7", "pcl5")] == [9, 7, 20]
    assert [o.value for o in shipped["phq9"].options] == [0, 1, 2, 3]
    assert [o.label for o in shipped["gad7"].options] == [
        "Not at all", "Several days", "More than half the days", "Nearly every day",
    ]  # fmt: skip
    assert [o.label for o in shipped["pcl5"].options] == [
        "Not at all", "A little bit", "Moderately", "Quite a bit", "Extremely",
    ]  # fmt: skip


def test_attribution_is_the_official_wording() -> None:
    pfizer = (
        "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, "
        "with an educational grant from Pfizer Inc. No permission required to reproduce, "
        "translate, display or distribute."
    )
    assert instrument("phq9").attribution == pfizer
    assert instrument("gad7").attribution == pfizer
    assert "Weathers, Litz, Keane, Palmieri, Marx, & Schnurr" in instrument("pcl5").attribution
    for shipped in builtin_instruments().values():
        assert shipped.sources["text"] and shipped.sources["bands"]


@pytest.mark.parametrize(("name", "items"), [("phq9", 9)])
def test_difficulty_question_is_asked_but_not_scored(name: str, items: int) -> None:
    chosen = instrument(name)
    assert chosen.unscored is not None and chosen.unscored.id == "difficulty"
    assert [o.label for o in chosen.unscored.options] == [
        "Not difficult at all", "Somewhat difficult", "Very difficult", "Extremely difficult",
    ]  # fmt: skip
    assert [o.value for o in chosen.unscored.options] == [0, 1, 2, 3]
    assert chosen.score([3] * items) == 3 * items  # the difficulty question is no item
    with pytest.raises(InvalidInput):
        chosen.score([3] * (items + 1))
    chosen.check_unscored(0)
    chosen.check_unscored(3)
    for bad in (4, -1):
        with pytest.raises(InvalidInput):
            chosen.check_unscored(bad)
    assert instrument("pcl5").unscored is None
    with pytest.raises(InvalidInput):
        instrument("pcl5").check_unscored(0)


def test_gad7_asks_no_difficulty_question_but_an_older_result_may_hold_an_answer() -> None:
    """REV-CLIN F2: a new GAD-7 result cannot answer the difficulty question; one answered
    with version 2 (an import) may, and is written as version 2."""
    gad7 = instrument("gad7")
    assert gad7.unscored is None
    for value in (0, 3):
        with pytest.raises(InvalidInput, match="GAD-7 has no unscored question"):
            gad7.check_unscored(value)
        gad7.check_stored_unscored(value)
    for bad in (4, -1):
        with pytest.raises(InvalidInput):
            gad7.check_stored_unscored(bad)
    gad7.check_unscored(None)
    gad7.check_stored_unscored(None)
    assert (gad7.version_for(None), gad7.version_for(2)) == (3, 2)
    assert gad7.stored_unscored is not None and gad7.stored_unscored.id == "difficulty"
    phq9 = instrument("phq9")  # asks it now: nothing retired, its current version
    assert phq9.version_for(2) == phq9.version and phq9.stored_unscored is phq9.unscored
    with pytest.raises(InvalidInput):
        phq9.check_stored_unscored(4)
    with pytest.raises(InvalidInput):
        instrument("pcl5").check_stored_unscored(0)


@pytest.mark.parametrize("bad", [[0] * 8, [0] * 8 + [4], [0] * 8 + [-1], [0] * 8 + [True]])
def test_bad_answers_are_refused(bad: list[int]) -> None:
    with pytest.raises(InvalidInput):
        instrument("phq9").score(bad)


BAD_ANSWERS = [
    # (measure, answers, words of the refusal): REV-CLIN F7, PHQ-9's cases for each measure
    ("gad7", [0] * 6, "GAD-7 has 7 items: give 7 answers, not 6"),
    ("gad7", [0] * 8, "GAD-7 has 7 items: give 7 answers, not 8"),
    ("gad7", [0] * 6 + [4], "GAD-7 item 7: an answer is one of 0, 1, 2, 3, not 4"),
    ("gad7", [-1] + [0] * 6, "GAD-7 item 1: an answer is one of 0, 1, 2, 3, not -1"),
    ("gad7", [0] * 6 + [True], "GAD-7 item 7: an answer is one of 0, 1, 2, 3, not True"),
    ("gad7", [0] * 6 + [1.0], "GAD-7 item 7: an answer is one of 0, 1, 2, 3, not 1.0"),
    ("pcl5", [0] * 19, "PCL-5 has 20 items: give 20 answers, not 19"),
    ("pcl5", [0] * 21, "PCL-5 has 20 items: give 20 answers, not 21"),
    ("pcl5", [0] * 19 + [5], "PCL-5 item 20: an answer is one of 0, 1, 2, 3, 4, not 5"),
    ("pcl5", [-1] + [0] * 19, "PCL-5 item 1: an answer is one of 0, 1, 2, 3, 4, not -1"),
    ("pcl5", [0] * 19 + [True], "PCL-5 item 20: an answer is one of 0, 1, 2, 3, 4, not True"),
    ("phq9", [0] * 8 + [1.0], "PHQ-9 item 9: an answer is one of 0, 1, 2, 3, not 1.0"),
    ("phq9", [0] * 8 + ["1"], "PHQ-9 item 9: an answer is one of 0, 1, 2, 3, not '1'"),
]


@pytest.mark.parametrize(("name", "bad", "words"), BAD_ANSWERS)
def test_a_wrong_number_of_answers_or_an_answer_out_of_range_is_refused_for_every_measure(
    name: str, bad: list[Any], words: str
) -> None:
    chosen = instrument(name)
    with pytest.raises(InvalidInput) as refused:
        chosen.score(bad)
    assert str(refused.value) == words
    with pytest.raises(InvalidInput):
        chosen.check_answers(bad)


@pytest.mark.parametrize("name", ["phq9", "gad7", "pcl5"])
def test_every_option_value_is_accepted_on_every_item(name: str) -> None:
    """The edges that must pass: each option's value on each item (PCL-5's 4 included)."""
    chosen = instrument(name)
    for option in chosen.options:
        assert chosen.score([option.value] * len(chosen.items)) == option.value * len(chosen.items)


@pytest.mark.parametrize(("item9", "concern"), [(0, False), (1, True), (2, True), (3, True)])
def test_any_answer_above_zero_to_phq9_item_9_is_a_safety_concern(
    item9: int, concern: bool
) -> None:
    assert instrument("phq9").safety_concern([3] * 8 + [item9]) is concern
    assert not instrument("gad7").safety_concern([3] * 7)


@pytest.mark.parametrize(
    ("earlier", "later", "reliable"),
    [
        (15, 9, IMPROVEMENT),  # exactly 6 points down
        (15, 10, NO_RELIABLE_CHANGE),  # 5 points down
        (9, 15, DETERIORATION),  # exactly 6 points up
        (10, 15, NO_RELIABLE_CHANGE),
        (12, 12, NO_RELIABLE_CHANGE),
    ],
)
def test_phq9_reliable_change_is_six_points(earlier: int, later: int, reliable: str) -> None:
    assert compare(instrument("phq9"), earlier, later, apart_ms=APART).reliable == reliable


@pytest.mark.parametrize(
    ("earlier", "later", "reliable"),
    [
        (12, 8, IMPROVEMENT),
        (12, 9, NO_RELIABLE_CHANGE),
        (8, 12, DETERIORATION),
        (9, 12, NO_RELIABLE_CHANGE),
    ],
)
def test_gad7_reliable_change_is_four_points(earlier: int, later: int, reliable: str) -> None:
    assert compare(instrument("gad7"), earlier, later, apart_ms=APART).reliable == reliable


@pytest.mark.parametrize(
    ("name", "earlier", "later", "below"),
    [
        ("phq9", 10, 9, True),  # a case (>= 10) below caseness
        ("phq9", 10, 10, False),
        ("phq9", 9, 4, False),  # never a case
        ("gad7", 8, 7, True),  # GAD-7 caseness is 8
        ("gad7", 8, 8, False),
        ("gad7", 7, 0, False),
        ("pcl5", 33, 32, True),
    ],
)
def test_now_below_caseness_when_a_case_falls_below_the_cut_off(
    name: str, earlier: int, later: int, below: bool
) -> None:
    assert compare(instrument(name), earlier, later, apart_ms=APART).now_below_caseness is below


def test_no_field_calls_one_measure_recovered() -> None:
    """The NHS Talking Therapies manual's recovery is over PHQ-9 and GAD-7 together: a single
    measure's change never says "recovered" (NU19 C12)."""
    change = compare(instrument("phq9"), 15, 9, apart_ms=APART)
    assert (change.reliable, change.now_below_caseness) == (IMPROVEMENT, True)
    assert not any("recover" in key for key in change.to_dict())


def test_pcl5_shows_change_without_a_reliable_change_flag() -> None:
    change = compare(instrument("pcl5"), 50, 30, apart_ms=APART)
    assert (change.change, change.reliable) == (-20, None)


def test_thresholds_match_the_published_values() -> None:
    shipped = builtin_instruments()
    assert (shipped["phq9"].caseness, shipped["phq9"].reliable_change) == (10, 6)
    assert (shipped["gad7"].caseness, shipped["gad7"].reliable_change) == (8, 4)
    assert shipped["pcl5"].caseness == 33
    assert shipped["phq9"].safety_items == (9,)


def test_definitions_with_gaps_in_their_bands_are_refused() -> None:
    data = json.loads((DATA / "gad7.json").read_text())
    data["bands"][1]["from"] = 6
    with pytest.raises(InvalidInput):
        parse_instrument(data)
    data = json.loads((DATA / "gad7.json").read_text())
    data["bands"][-1]["to"] = 20
    with pytest.raises(InvalidInput):
        parse_instrument(data)


BAND_IDS = {
    "phq9": ["none_minimal", "mild", "moderate", "moderately_severe", "severe"],
    "gad7": ["minimal", "mild", "moderate", "severe"],
    "pcl5": ["below_cut_point", "probable_ptsd"],
}


def test_every_band_has_a_stable_token_at_every_score() -> None:
    """A result's JSON "band" is the source's words (PCL-5: "at or above the provisional
    cut-point (probable PTSD)"); "band_id" is a token an app can switch on: one per band,
    lower snake_case, read from the definition's bands table, found for every score."""
    shipped = builtin_instruments()
    assert {name: [b.id for b in i.bands] for name, i in shipped.items()} == BAND_IDS
    for chosen in shipped.values():
        for band in chosen.bands:
            for score in (band.low, band.high):
                assert chosen.band_id(score) == band.id
                assert chosen.band_id_of(band.label, score) == band.id
    assert shipped["pcl5"].band_id(33) == "probable_ptsd"
    assert shipped["phq9"].band_id(15) == "moderately_severe"


@pytest.mark.parametrize("bad", [None, "", "Moderately Severe", "moderately-severe", "mild"])
def test_a_definition_whose_bands_lack_their_own_token_is_refused(bad: str | None) -> None:
    data = json.loads((DATA / "phq9.json").read_text())
    if bad is None:
        del data["bands"][2]["id"]
    else:
        data["bands"][2]["id"] = bad  # "mild": the id of another band
    with pytest.raises(InvalidInput):
        parse_instrument(data)


def test_unknown_measure_names_the_choices() -> None:
    with pytest.raises(InvalidInput, match=r"phq9 \(PHQ-9\), gad7 \(GAD-7\), pcl5 \(PCL-5\)"):
        instrument("ors")


@pytest.mark.parametrize(
    ("earlier", "later", "below", "reliable"),
    [
        (11, 7, True, IMPROVEMENT),  # a case, below 8, exactly 4 points down
        (10, 7, True, NO_RELIABLE_CHANGE),  # below the cut-off, 3 points only
        (8, 4, True, IMPROVEMENT),  # from caseness itself
        (12, 8, False, IMPROVEMENT),  # 4 points down but still a case (8 is caseness)
    ],
)
def test_gad7_below_caseness_and_reliable_improvement_edges(
    earlier: int, later: int, below: bool, reliable: str
) -> None:
    change = compare(instrument("gad7"), earlier, later, apart_ms=APART)
    assert (change.now_below_caseness, change.reliable) == (below, reliable)


@pytest.mark.parametrize(("name", "top"), [("phq9", 27), ("gad7", 21), ("pcl5", 80)])
def test_comparing_a_score_outside_the_range_is_refused(name: str, top: int) -> None:
    chosen = instrument(name)
    for earlier, later in ((-1, 0), (0, top + 1), (top + 1, top)):
        with pytest.raises(InvalidInput):
            compare(chosen, earlier, later, apart_ms=APART)
    assert compare(chosen, 0, top, apart_ms=APART).change == top  # the whole range is comparable


def test_a_change_of_zero_to_the_maximum_is_a_reliable_deterioration() -> None:
    assert compare(instrument("phq9"), 0, 27, apart_ms=APART).reliable == DETERIORATION
    assert compare(instrument("gad7"), 21, 0, apart_ms=APART).reliable == IMPROVEMENT
    assert compare(instrument("pcl5"), 0, 80, apart_ms=APART).now_below_caseness is False


# --- the recall period (NU19 C12) -----------------------------------------------------------------

MINUTE_MS = 60_000


def test_recall_periods_come_from_each_forms_own_wording() -> None:
    shipped = builtin_instruments()
    for name, days, wording in (
        ("phq9", 14, "the last 2 weeks"),
        ("gad7", 14, "the last 2 weeks"),
        ("pcl5", 30, "the past month"),
    ):
        chosen = shipped[name]
        assert (chosen.recall_days, chosen.recall_wording) == (days, wording)
        assert wording in chosen.stem.lower()  # the form asks about exactly that span
        assert "recall_period" in chosen.sources  # with its source


@pytest.mark.parametrize(
    ("name", "earlier", "later", "reliable", "below"),
    [
        ("phq9", 16, 7, IMPROVEMENT, True),  # 9 down, 16 -> 7 crosses 10
        ("phq9", 7, 16, DETERIORATION, False),
        ("gad7", 10, 0, IMPROVEMENT, True),  # NU19's GAD-7 retake
        ("gad7", 0, 10, DETERIORATION, False),
        ("pcl5", 40, 0, None, True),  # no reliable-change threshold for PCL-5
    ],
)
def test_the_time_between_two_results_gates_no_change(
    name: str, earlier: int, later: int, reliable: str | None, below: bool
) -> None:
    """REV-CLIN F1: reliable change is judged first score to last (NHS Talking Therapies,
    forms taken session by session): a week, a day or no time apart, the change is labelled
    as at a whole recall period (no "retake" rule, no `same_period`)."""
    chosen = instrument(name)
    for apart in (0, 12 * MINUTE_MS, DAY_MS, 7 * DAY_MS, 13 * DAY_MS, chosen.recall_days * DAY_MS):
        change = compare(chosen, earlier, later, apart_ms=apart)
        assert (change.change, change.reliable, change.now_below_caseness) == (
            later - earlier,
            reliable,
            below,
        )
        assert change.apart_ms == apart and "same_period" not in change.to_dict()


def test_the_difference_from_the_one_before_carries_no_verdict() -> None:
    """REV-CLIN F1: "+N since last time" is plain information."""
    plain = difference(instrument("phq9"), 7, 16, apart_ms=7 * DAY_MS)
    assert plain.to_dict() == {"earlier": 7, "later": 16, "difference": 9, "apart_ms": 7 * DAY_MS}
    with pytest.raises(InvalidInput):
        difference(instrument("gad7"), 0, 22, apart_ms=0)
    with pytest.raises(InvalidInput):
        difference(instrument("gad7"), 1, 0, apart_ms=-1)


def test_pcl5_never_claims_a_reliable_change_threshold() -> None:
    pcl5 = instrument("pcl5")
    assert pcl5.reliable_change is None
    for apart in (0, 30 * DAY_MS, 365 * DAY_MS):
        assert compare(pcl5, 80, 0, apart_ms=apart).reliable is None
        assert compare(pcl5, 0, 80, apart_ms=apart).reliable is None


def test_a_later_result_dated_before_the_earlier_is_refused() -> None:
    with pytest.raises(InvalidInput):
        compare(instrument("phq9"), 5, 6, apart_ms=-1)


def test_definitions_without_a_recall_period_are_refused() -> None:
    for bad in (None, 0, -14, "14", True):
        data = json.loads((DATA / "phq9.json").read_text())
        if bad is None:
            del data["recall_period"]
        else:
            data["recall_period"]["days"] = bad
        with pytest.raises(InvalidInput):
            parse_instrument(data)


@pytest.mark.parametrize(("total", "note"), [(0, None), (32, None), (33, "screen"), (80, "screen")])
def test_the_pcl5_probable_ptsd_band_says_it_is_a_screening_result(
    total: int, note: str | None
) -> None:
    """REV-CLIN F4: "(probable PTSD)" is shown with "a screening result, not a diagnosis"
    (National Center for PTSD: "should not be used as a stand-alone diagnostic tool")."""
    pcl5 = instrument("pcl5")
    if note is None:
        assert pcl5.band_note(total) is None and pcl5.band_note_line(total) is None
    else:
        assert pcl5.band_note(total) == "a screening result, not a diagnosis"
        assert pcl5.band_note_line(total) == (
            "PCL-5 at or above the provisional cut-point (probable PTSD): a screening result, "
            "not a diagnosis."
        )
    for name in ("phq9", "gad7"):
        chosen = instrument(name)
        assert all(chosen.band_note(t) is None for t in range(chosen.max_score + 1))
    for outside in (-1, 81):
        with pytest.raises(InvalidInput):
            pcl5.band_note(outside)


def test_titles_are_the_forms_headings() -> None:
    """REV-CLIN F5: the PHQ-9's heading has "-9"; the GAD-7 form's heading is "GAD-7"."""
    assert instrument("phq9").title == "Patient Health Questionnaire-9 (PHQ-9)"
    assert instrument("gad7").title == "GAD-7"
    assert "PHQ Instruction Manual" in instrument("phq9").sources["bands"]
