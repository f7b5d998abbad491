"""REV-TOP: the severe-retake rule (caseload.top_band_retaken) across instruments and edges."""

from __future__ import annotations

import dataclasses

from client_sdk.caseload import caseload_row, top_band_retaken
from client_sdk.results import MeasureResult
from tests.core.test_caseload import NOW, TODAY, answered, days_ago, row

PCL_TOP = "at or above the provisional cut-point (probable PTSD)"
PCL_LOW = "below the provisional cut-point"


def r(measure: str, name: str, score: int, band: str, days: float, rid: str, **kw) -> MeasureResult:
    return MeasureResult(
        rid, "ana/P", kw.get("journal_id", "00"), measure, name, 1, score, band, days_ago(days),
        kw.get("answers"), None, kw.get("concern", False),
    )  # fmt: skip


def test_gad7_and_pcl5_retakes_and_their_recall_edges() -> None:
    gad = [r("gad7", "GAD-7", 18, "severe", 13.9, "a"), r("gad7", "GAD-7", 2, "minimal", 0, "b")]
    assert row("ana", TODAY, results=gad).tier == 2  # type: ignore[attr-defined]
    gad_exact = [
        r("gad7", "GAD-7", 18, "severe", 14, "a"),
        r("gad7", "GAD-7", 2, "minimal", 0, "b"),
    ]
    assert not top_band_retaken(gad_exact)
    # PCL-5: recall period 30 days ("the past month")
    pcl = [r("pcl5", "PCL-5", 50, PCL_TOP, 29.9, "a"), r("pcl5", "PCL-5", 10, PCL_LOW, 0, "b")]
    flagged = row("ana", TODAY, results=pcl)
    assert flagged.tier == 2, flagged.flags  # type: ignore[attr-defined]
    assert any("(retaken since)" in f for f in flagged.flags)  # type: ignore[attr-defined]
    pcl_exact = [r("pcl5", "PCL-5", 50, PCL_TOP, 30, "a"), r("pcl5", "PCL-5", 10, PCL_LOW, 0, "b")]
    assert not top_band_retaken(pcl_exact)


def test_two_measures_and_a_chain_of_retakes() -> None:
    # severe, retake 6 min later, another retake 13 days later: still within 14 of severe
    chain = [
        r("phq9", "PHQ-9", 24, "Severe", 13.5, "a"),
        r("phq9", "PHQ-9", 3, "None-minimal", 13.49, "b"),
        r("phq9", "PHQ-9", 4, "None-minimal", 0, "c"),
    ]
    assert [x.id for x in top_band_retaken(chain)] == ["a"]
    both = chain + [
        r("gad7", "GAD-7", 19, "severe", 1, "g"),
        r("gad7", "GAD-7", 1, "minimal", 0.5, "h"),
    ]
    assert sorted(x.id for x in top_band_retaken(both)) == ["a", "g"]


def test_no_duplicate_flag_with_item_9_or_deterioration() -> None:
    # severe with item 9 above 0, then a retake with item 9 at 0 six minutes later
    severe = dataclasses.replace(answered(3, 1, "a"), score=24, band_name="Severe")
    retake = dataclasses.replace(answered(0, 1 - 6 / 1440, "b"), score=3, band_name="None-minimal")
    mild = dataclasses.replace(answered(0, 40, "m"), score=7, band_name="Mild")
    got = row("ana", TODAY, results=[mild, severe, retake])
    flags = got.flags  # type: ignore[attr-defined]
    assert got.tier == 0, flags  # type: ignore[attr-defined]
    assert sum("item 9" in f for f in flags) == 1, flags
    assert sum("Severe" in f for f in flags) == 1, flags
    # 7 at the first result, 24 at the severe one: a reliable deterioration, which the quick
    # retake (3) does not clear, as it clears no severe score (REV-S11 S11-1), said once
    assert sum("reliable deterioration" in f for f in flags) == 1, flags
    assert any("(from 7 on " in f and "; retaken since)" in f for f in flags), flags


def test_an_ended_share_keeps_a_retaken_severe_in_tier_2() -> None:
    results = [
        r("phq9", "PHQ-9", 24, "Severe", 1, "a"),
        r("phq9", "PHQ-9", 3, "None-minimal", 0.99, "b"),
    ]
    got = caseload_row(
        "ana", ["ana/P"], TODAY, results, [], [], [], None, now=NOW, share_ended=True
    )
    assert got.tier == 2, got.flags  # type: ignore[attr-defined]
