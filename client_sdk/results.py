"""Measure results as CRDT documents: one administration of a questionnaire per document.

A result is a document of kind "measure" (protocol.md, "Documents") whose map `fields` holds
`measure` (instrument id, e.g. "phq9"), `version` (the definition's version), `score`,
`band`, `taken_at`, `created_at` and `updated_at` (ms), `answers` (one option value per item,
in item order; absent in a copy shared without answers), `unscored` (the PHQ-9 difficulty
answer, GAD-7's in a result of its version 2 or earlier, or null) and `deleted`. The SDK
never edits a result after creation except to delete it, so it syncs and compacts like an
entry.

Readers trust nothing they can recompute: with answers, the score is their sum; the band is
always looked up from the score in the shipped definition; a result naming an unknown
instrument or a score outside its range is skipped.

Pure: no I/O, no clock, no randomness (callers pass times).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from client_sdk.care_terms import SAFETY_UNKNOWN
from client_sdk.documents import MEASURE as MEASURE
from client_sdk.documents import Document
from client_sdk.errors import BAD_VALUE, InvalidInput
from client_sdk.models import json_time, read_time
from client_sdk.scoring import (
    Instrument,
    ScoreChange,
    ScoreDifference,
    band_key,
    band_label,
    builtin_instruments,
    compare,
    difference,
)

SCORE = "score"
ANSWERS = "answers"
SAFETY_WATCHED = "safety_watched"
"""A result's field: true when its recording device, the owner's, watches its safety item
answered above 0 for a late flag (`new_result_update`'s `watched`)."""
RESULT_FIELDS = (SCORE, ANSWERS)
"""What a result copy may disclose: the score (with band and time) and the item answers."""


@dataclass(frozen=True)
class MeasureResult:
    """One administration of an instrument. `answers` is None when the result was shared
    without them; `safety_concern` is True when a safety item (PHQ-9 item 9) was answered
    above 0 (False when answers are withheld); `safety_unknown` is True for a result of an
    instrument with a safety item whose answers this device does not hold (shared without
    them, `tj share --only scores`): whether that item was answered above 0 is not known
    here, so a low score must not read as "fine" (and a copy of some fields carries no
    safety flag either)."""

    id: str
    journal: str
    journal_id: str
    measure: str
    name: str
    version: int
    score: int
    band_name: str
    """The score's band as the instrument's source names it (`Band.label` of the shipped
    definition: "None-minimal", "Moderately Severe" as the PHQ Instruction Manual prints
    them; "mild" as the GAD-7's scoring line does): what a brief's digest stores. An app
    shows `band_label` and compares `band`."""
    taken_at: datetime
    answers: tuple[int, ...] | None
    unscored: int | None
    safety_concern: bool
    safety_unknown: bool = False

    @property
    def band(self) -> str:
        """The band as every JSON gives it (`to_dict`'s "band"): `band_name` in lower case
        for every measure (`scoring.band_key`: "none-minimal", "moderately severe"; PCL-5's
        "PTSD" stays in capitals)."""
        return band_key(self.band_name)

    @property
    def band_label(self) -> str:
        """The band as people are shown it (`to_dict`'s "band_label"): `band_name` with a
        one-word band capitalised (`scoring.band_label`: "None-minimal", "Mild", "Moderately
        Severe"), as in "10 of 27 (Moderate)"."""
        return band_label(self.band_name)

    @property
    def band_id(self) -> str:
        """The band's stable token (`to_dict`'s "band_id"), lower snake_case, one per band of
        the instrument, from the scoring module's band table (`scoring.Band.id`: PHQ-9
        "none_minimal", "mild", "moderate", "moderately_severe", "severe"; GAD-7 "minimal",
        "mild", "moderate", "severe"; PCL-5 "below_cut_point", "probable_ptsd"): what an app
        maps to a colour or an icon. "" for a measure this SDK does not know."""
        found = builtin_instruments().get(self.measure)
        if found is None:
            return ""
        try:
            return found.band_id_of(self.band_name, self.score)
        except InvalidInput:  # a score its definition does not hold: no band of it
            return ""

    @property
    def safety_answer(self) -> int | None:
        """The answer to the instrument's safety item (PHQ-9 item 9: 0 "Not at all" to 3
        "Nearly every day"; of several, the highest), as `to_dict`'s "safety_answer"; None
        when it is not known here: a result shared without its answers (`safety_unknown`),
        a measure without a safety item (GAD-7, PCL-5) or one this SDK does not know."""
        found = builtin_instruments().get(self.measure)
        if found is None or self.answers is None:
            return None
        held = [self.answers[n - 1] for n in found.safety_items if n <= len(self.answers)]
        return max(held) if held else None

    def to_dict(self) -> dict[str, Any]:
        """Stable JSON shape (`tj measure ... --json`), the same keys for every measure:
        "band" in lower case (`band`: "mild", "moderately severe"), "band_label" as people
        are shown it (`band_label`: "Mild", "Moderately Severe"), "band_id" the band's
        token (`band_id`: "moderately_severe"; null for a measure not known here);
        "safety_answer" the safety item's answer (`safety_answer`: PHQ-9 item 9, 0 to 3;
        null when not known here)."""
        return {
            "id": self.id,
            "journal": self.journal,
            "journal_id": self.journal_id,
            "measure": self.measure,
            "name": self.name,
            "version": self.version,
            "score": self.score,
            "band": self.band,
            "band_id": self.band_id or None,
            "band_label": self.band_label,
            "taken_at": json_time(self.taken_at),
            "answers": list(self.answers) if self.answers is not None else None,
            "unscored": self.unscored,
            "safety_concern": self.safety_concern,
            "safety_answer": self.safety_answer,
            "safety_unknown": self.safety_unknown,
        }


@dataclass(frozen=True)
class InvalidResult:
    """A result of a known instrument that cannot be read (answers present but not the
    instrument's, no valid score; a time no date holds): shown as invalid,
    never by its stored score. `safety_answer` is True when any safety
    item (PHQ-9 item 9) holds a number above 0, whatever else is wrong; `safety_level` the
    highest such answer, clamped to the item's highest option (PHQ-9: 3), None when none is
    above 0 or when it is not known (a caseload then counts the highest option, erring
    toward attention); `taken_at` is None when it
    cannot be dated either."""

    id: str
    journal: str
    journal_id: str
    measure: str
    name: str
    taken_at: datetime | None
    safety_answer: bool
    safety_level: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC; ids as hex."""
        return {
            "id": self.id,
            "journal": self.journal,
            "journal_id": self.journal_id,
            "measure": self.measure,
            "name": self.name,
            "taken_at": json_time(self.taken_at) if self.taken_at else None,
            "safety_answer": self.safety_answer,
        }


@dataclass(frozen=True)
class Taken:
    """What `Measures.take` and `Measures.history` return: the result; the one before it of
    the same measure in the same journal (`previous`, if any) and the plain difference from
    it (`change`, scoring.ScoreDifference: no reliable-change verdict); the first result of
    its course (`baseline`, `baseline_result`; None for the first result itself) and the
    change from it (`since_baseline`, scoring.ScoreChange: reliable change and falling below
    the cut-off, as the NHS Talking Therapies manual judges them, first score to last).
    `score`, `band`, `band_label` and `safety_concern` read the result's, named and valued as
    `to_dict` gives them (the result's keys, flattened); the rest is on `result`."""

    result: MeasureResult
    previous: MeasureResult | None
    change: ScoreDifference | None
    baseline: MeasureResult | None = None
    since_baseline: ScoreChange | None = None

    @property
    def score(self) -> int:
        """The result's total score (`result.score`), as `to_dict`'s "score"."""
        return self.result.score

    @property
    def band(self) -> str:
        """The result's band in lower case (`MeasureResult.band`: "none-minimal",
        "moderately severe"), as `to_dict`'s "band"."""
        return self.result.band

    @property
    def band_label(self) -> str:
        """The result's band as people are shown it (`MeasureResult.band_label`: "Moderate",
        "Moderately Severe"), as `to_dict`'s "band_label"."""
        return self.result.band_label

    @property
    def band_id(self) -> str:
        """The result's band token (`MeasureResult.band_id`: "moderately_severe"), as
        `to_dict`'s "band_id"."""
        return self.result.band_id

    @property
    def safety_concern(self) -> bool:
        """Whether a safety item (PHQ-9 item 9) was answered above 0
        (`MeasureResult.safety_concern`), as `to_dict`'s "safety_concern"."""
        return self.result.safety_concern

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: nested values as their own `to_dict()`."""
        return {
            **self.result.to_dict(),
            "previous": self.previous.to_dict() if self.previous else None,
            "change": self.change.to_dict() if self.change else None,
            "baseline": self.baseline.to_dict() if self.baseline else None,
            "since_baseline": self.since_baseline.to_dict() if self.since_baseline else None,
        }


def new_result_update(
    document: Document,
    instrument: Instrument,
    answers: list[int] | tuple[int, ...],
    now_ms: int,
    *,
    unscored: int | None = None,
    taken_at_ms: int | None = None,
    earlier: bool = False,
    watched: bool = False,
) -> bytes:
    """Create a result; InvalidInput for answers the instrument does not allow. `earlier`:
    a result answered before, elsewhere (an import), whose `unscored` may answer a question
    the instrument no longer asks (`Instrument.check_stored_unscored`; its `version` is then
    the last that asked it). `watched`: recorded on a device of the journal's owner with a
    safety item above 0, which that device watches for a late flag: the result says so
    (`safety_watched`), so that any device of the owner may seal that flag (protocol.md
    "Late flags")."""
    score = instrument.score(answers)
    if earlier:
        instrument.check_stored_unscored(unscored)
    else:
        instrument.check_unscored(unscored)
    fields: dict[str, Any] = {
        "measure": instrument.id,
        "version": instrument.version_for(unscored),
        "score": score,
        "band": instrument.band(score),
        "taken_at": taken_at_ms if taken_at_ms is not None else now_ms,
        "answers": list(answers),
        "unscored": unscored,
        "created_at": now_ms,
        "updated_at": now_ms,
        "deleted": False,
    }
    if watched:
        fields[SAFETY_WATCHED] = True
    return document.change(fields=fields)


def delete_result_update(document: Document, now_ms: int) -> bytes:
    return document.change(fields={"deleted": True, "updated_at": now_ms})


def disclosed_result(source: Document, fields: tuple[str, ...]) -> dict[str, Any]:
    """The map of a shared copy: the score, band and times always; answers only when chosen."""
    copied = {
        key: source.field(key)
        for key in ("measure", "version", "score", "band", "taken_at", "created_at")
    }
    copied["updated_at"] = source.field("updated_at")
    copied["deleted"] = source.field("deleted") is True
    disclosed = ANSWERS in fields
    copied["answers"] = source.field("answers") if disclosed else None
    copied["unscored"] = source.field("unscored") if disclosed else None
    return copied


def check_result_fields(fields: list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """Normalise what to share of a result: default both score and answers."""
    if fields is None:
        return RESULT_FIELDS
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in fields if f.strip()))
    if not chosen or any(f not in RESULT_FIELDS for f in chosen) or SCORE not in chosen:
        raise InvalidInput("a result is shared as score, or as score,answers", subject=BAD_VALUE)
    return chosen


def result_view(document: Document, journal: str, journal_id: str) -> MeasureResult | None:
    """Read a result forgivingly; None for a deleted one, one that cannot be scored or dated,
    or one whose `answers` are present but invalid (wrong length, out of range): the stored
    `score` counts only when the answers were not shared (null), R13 finding 8."""
    if document.field("deleted") is True:
        return None
    instrument = builtin_instruments().get(str(document.field("measure", "")))
    if instrument is None:
        return None
    raw_answers = document.field("answers")
    answers = _answers(raw_answers, instrument)
    if raw_answers is not None and answers is None:
        return None  # answers present but not the instrument's: invalid, never the stored score
    score = sum(answers) if answers is not None else _number(document.field("score"))
    if score is None or not 0 <= score <= instrument.max_score:
        return None
    unscored = _number(document.field("unscored"))
    taken_at = read_time(document.field("taken_at"))
    if taken_at is None:
        return None  # a time no datetime holds (e.g. 2**53 ms): unreadable, skipped
    return MeasureResult(
        id=document.doc_id.hex(),
        journal=journal,
        journal_id=journal_id,
        measure=instrument.id,
        name=instrument.name,
        version=_number(document.field("version")) or instrument.version,
        score=score,
        band_name=instrument.band(score),
        taken_at=taken_at,
        answers=answers,
        unscored=unscored,
        safety_concern=answers is not None and instrument.safety_concern(answers),
        safety_unknown=answers is None and _has_safety_item(instrument),
    )


def stored_safety_answer(document: Document) -> tuple[str, int, int] | None:
    """The measure id, the first safety item answered above 0 (numbered from 1) and that
    answer, of the result `document` as stored, deleted or not (a delete keeps the answers:
    `delete_result_update`); None when its measure is not a built-in instrument, its
    answers are absent or not the instrument's, or no safety item is answered above 0.
    Pure."""
    instrument = builtin_instruments().get(str(document.field("measure", "")))
    if instrument is None:
        return None
    answers = _answers(document.field("answers"), instrument)
    found = instrument.safety_answers(answers) if answers is not None else ()
    if not found:
        return None
    item, answer = found[0]
    return instrument.id, item, answer


def _has_safety_item(instrument: Instrument | None) -> bool:
    """Whether a result of `instrument` held without its answers leaves a safety item not
    known (`MeasureResult.safety_unknown`)."""
    return instrument is not None and bool(instrument.safety_items)


def without_answers(result: MeasureResult) -> MeasureResult:
    """`result` as read without its answers (a copy that shares only the score): no
    answers, no safety concern, and its safety item not known when its instrument has one,
    as `result_view` reads a result stored without them. Pure."""
    return replace(
        result,
        answers=None,
        safety_concern=False,
        safety_unknown=_has_safety_item(builtin_instruments().get(result.measure)),
    )


def score_words(result: MeasureResult, own: bool = False) -> str:
    """A result summed up in words: "1, None-minimal; item 9 answered 1 (Several days),
    above 0", its score then `band_words`. Every view that names a result by its score and
    band (the CLI's notes, the caseload's page) uses these, so none drops item 9. Pure."""
    return f"{result.score}, {band_words(result, own)}"


def band_words(result: MeasureResult, own: bool = False) -> str:
    """A result's band with what is known of its safety items: "None-minimal; item 9
    answered 1 (Several days), above 0" (each safety item answered above 0 as
    `Instrument.safety_answer_heads` says it, the words of `tj measure show` and the brief),
    "None-minimal; item 9 not shared" for a client's result shared without its answers
    (`unknown_to_reader`; never for one's own: `own`), else "Mild". Pure."""
    chosen = builtin_instruments().get(result.measure)
    heads = chosen.safety_answer_heads(result.answers or ()) if chosen else []
    if heads:
        mark = f"; {', '.join(heads)}"
    elif result.safety_concern:  # answered above 0, answers not at hand
        mark = "; item 9 above 0"
    elif unknown_to_reader(result.safety_unknown, own):
        mark = f"; {SAFETY_UNKNOWN}"
    else:
        mark = ""
    return f"{result.band_label}{mark}"


def unknown_to_reader(safety_unknown: object, own: bool = False) -> bool:
    """Whether a result whose `safety_unknown` (`MeasureResult.safety_unknown`, or the
    value of its JSON) is this is a client's result shared without its answers, read by a
    therapist (not `own`): whether its safety item was answered above 0 is not known to
    this reader, so its score is never shown alone. One rule for every view. Pure."""
    return safety_unknown is True and not own


def invalid_result(document: Document, journal: str, journal_id: str) -> InvalidResult | None:
    """The result as invalid when `result_view` refuses it although it is not deleted and
    names a known instrument; None otherwise (a readable result, a deleted one, another
    instrument)."""
    if document.field("deleted") is True or result_view(document, journal, journal_id):
        return None
    instrument = builtin_instruments().get(str(document.field("measure", "")))
    if instrument is None:
        return None
    raw = document.field("answers")
    answers = raw if isinstance(raw, list) else []
    above = [
        value
        for n in instrument.safety_items
        if n <= len(answers) and (value := _number(answers[n - 1])) is not None and value > 0
    ]
    top = max(o.value for o in instrument.options)
    return InvalidResult(
        document.doc_id.hex(),
        journal,
        journal_id,
        instrument.id,
        instrument.name,
        read_time(document.field("taken_at")),
        bool(above),
        min(top, max(above)) if above else None,
    )


def previous_result(results: list[MeasureResult], result: MeasureResult) -> MeasureResult | None:
    """The latest result of the same measure in the same journal taken before `result`."""
    return max(_earlier(results, result), key=lambda r: (r.taken_at, r.id), default=None)


def baseline_result(results: list[MeasureResult], result: MeasureResult) -> MeasureResult | None:
    """The first result of `result`'s course: the earliest result of the same measure in the
    same journal taken before `result` (None when `result` is the first). A course is every
    result of one instrument in one journal: the SDK holds no start or end of therapy, and
    an assignment (schedule.py) is neither (it may be cancelled and made again to change how
    often it is due), so the baseline is the first result ever taken there, as the NHS
    Talking Therapies manual takes the first score of a course."""
    return min(_earlier(results, result), key=lambda r: (r.taken_at, r.id), default=None)


def _earlier(results: list[MeasureResult], result: MeasureResult) -> list[MeasureResult]:
    """The results of `result`'s measure in its journal taken before it (ties by id)."""
    return [
        r
        for r in results
        if r.measure == result.measure
        and r.journal_id == result.journal_id
        and (r.taken_at, r.id) < (result.taken_at, result.id)
    ]


def _apart_ms(earlier: MeasureResult, later: MeasureResult) -> int:
    return max(0, round((later.taken_at - earlier.taken_at).total_seconds() * 1000))


def difference_between(
    earlier: MeasureResult | None, later: MeasureResult
) -> ScoreDifference | None:
    """The plain difference from `earlier` to `later` (scoring.difference, with the time
    between them); None without an earlier result."""
    if earlier is None:
        return None
    chosen = builtin_instruments()[later.measure]
    return difference(chosen, earlier.score, later.score, apart_ms=_apart_ms(earlier, later))


def change_between(earlier: MeasureResult | None, later: MeasureResult) -> ScoreChange | None:
    """The change from `earlier` (a baseline, `baseline_result`) to `later`: reliable change
    and falling below the cut-off (scoring.compare, with the time between them); None
    without an earlier result."""
    if earlier is None:
        return None
    chosen = builtin_instruments()[later.measure]
    return compare(chosen, earlier.score, later.score, apart_ms=_apart_ms(earlier, later))


def _series(results: Iterable[MeasureResult]) -> list[list[MeasureResult]]:
    """`results` by journal and measure, each series oldest first."""
    series: dict[tuple[str, str], list[MeasureResult]] = {}
    for result in results:
        series.setdefault((result.journal_id, result.measure), []).append(result)
    for found in series.values():
        found.sort(key=lambda r: (r.taken_at, r.id))
    return list(series.values())


def changes_since_previous(results: Iterable[MeasureResult]) -> dict[str, ScoreDifference | None]:
    """Each result's plain difference from the one of the same measure before it in its
    journal (`previous_result`, `difference_between`), by result id; None for the first of
    its series. The series are read from `results` alone (a list filtered to one measure or
    journal holds each of their whole series)."""
    changes: dict[str, ScoreDifference | None] = {}
    for found in _series(results):
        for earlier, later in zip([None, *found], found, strict=False):
            changes[later.id] = difference_between(earlier, later)
    return changes


def changes_since_baseline(results: Iterable[MeasureResult]) -> dict[str, ScoreChange | None]:
    """Each result's change from the first result of its course (`baseline_result`,
    `change_between`: reliable change, first score to this one), by result id; None for
    the first of its series. The series are read from `results` alone, as
    `changes_since_previous` reads them."""
    changes: dict[str, ScoreChange | None] = {}
    for found in _series(results):
        changes[found[0].id] = None
        for later in found[1:]:
            changes[later.id] = change_between(found[0], later)
    return changes


def with_changes(results: list[MeasureResult], result: MeasureResult) -> Taken:
    """`result` with the result before it and its baseline in `results` (one journal's
    results, or more), and the changes from them (Taken)."""
    previous = previous_result(results, result)
    baseline = baseline_result(results, result)
    return Taken(
        result,
        previous,
        difference_between(previous, result),
        baseline,
        change_between(baseline, result),
    )


def _answers(value: Any, instrument: Instrument) -> tuple[int, ...] | None:
    if not isinstance(value, list):
        return None
    numbers = tuple(_number(v) for v in value)
    clean = tuple(n for n in numbers if n is not None)
    try:
        instrument.check_answers(clean)
    except InvalidInput:
        return None
    return clean if len(clean) == len(numbers) else None


def _number(value: Any) -> int | None:
    """Yjs numbers arrive as floats; read whole numbers only."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(value) or value != int(value) or abs(value) > 2**53:
        return None
    return int(value)


def results_once_each(
    results: Iterable[MeasureResult], copy_journals: Mapping[str, str], owners: Mapping[str, str]
) -> list[MeasureResult]:
    """`results` with each a client shared with you once, in their order (as
    queries.once_each for entries): a result in a copy journal (`copy_journals`: id ->
    owner) is left out when a result of another journal of the same owner has the same
    measure, version, time (`taken_at`) and score; the whole journal's result (with its
    answers, when shared) is kept."""
    results = list(results)
    whole = {
        (owners.get(r.journal_id, ""), r.measure, r.version, r.taken_at, r.score)
        for r in results
        if r.journal_id not in copy_journals
    }
    return [
        r
        for r in results
        if r.journal_id not in copy_journals
        or (copy_journals[r.journal_id], r.measure, r.version, r.taken_at, r.score) not in whole
    ]
