"""`Measures.changes` (results.changes_since_previous): each result's plain difference from
the one of its measure before it in its journal, what `tj measure list` shows (NU43 #19);
`Measures.changes_since_baseline`: each result's change from the first of its series, with
reliable change (REV-CLIN F1). Pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from client_sdk.results import MeasureResult, changes_since_baseline, changes_since_previous

START = datetime(2026, 10, 1, 9, tzinfo=UTC)


def result(id: str, journal: str, measure: str, score: int, day: int) -> MeasureResult:
    name = {"phq9": "PHQ-9", "gad7": "GAD-7"}[measure]
    return MeasureResult(
        id,
        journal,
        journal,
        measure,
        name,
        1,
        score,
        "",
        START + timedelta(days=day),
        None,
        None,
        False,
    )


def test_each_result_is_compared_with_the_one_before_of_its_measure_in_its_journal() -> None:
    results = [  # newest first, as `results` lists them; two journals, two measures
        result("a4", "ana", "phq9", 12, 25),  # 5 days after a3
        result("b1", "ben", "phq9", 20, 22),  # ben's first: not compared with ana's
        result("a3", "ana", "phq9", 15, 20),
        result("g1", "ana", "gad7", 5, 2),  # another measure: its own series
        result("a1", "ana", "phq9", 9, 0),
    ]
    changes = changes_since_previous(results)
    assert changes["a1"] is None and changes["b1"] is None and changes["g1"] is None
    later, soon = changes["a3"], changes["a4"]
    assert later is not None and (later.earlier, later.later, later.change) == (9, 15, 6)
    assert soon is not None and (soon.earlier, soon.later, soon.change) == (15, 12, -3)
    assert not hasattr(soon, "reliable")  # a plain difference: no verdict (REV-CLIN F1)
    assert changes_since_previous(list(reversed(results))) == changes  # whatever their order
    courses = changes_since_baseline(results)  # from a1 (9), ana's first PHQ-9
    assert courses["a1"] is None and courses["b1"] is None and courses["g1"] is None
    first, last = courses["a3"], courses["a4"]
    assert first is not None and (first.earlier, first.change, first.reliable) == (
        9,
        6,
        "reliable deterioration",
    )
    assert last is not None and (last.earlier, last.later, last.change) == (9, 12, 3)
    assert last.reliable == "no reliable change"
    assert changes_since_baseline(list(reversed(results))) == courses
