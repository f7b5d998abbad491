"""Standard questionnaires (measures) as versioned data, and how to score them.

An instrument is a JSON definition (client_sdk/data/instruments/<id>.json) holding its item
text, answer options, bands, thresholds, attribution and the sources they were checked
against; this module reads such a definition and scores answers by it. Adding a measure is
adding a file whose licence allows electronic copies (never ORS/SRS, for example).

Scoring rules, with their sources (also in each data file):

- the total is the sum of the scored items' answer values (PHQ-9 0-27, GAD-7 0-21,
  PCL-5 0-80); the PHQ-9 difficulty question is recorded but never scored (PHQ
  Instruction Manual). GAD-7 asked one until version 2 (from the 1999 PRIME-MD form, not
  the current official one); results holding that answer still show it
  (`Instrument.retired_unscored`);
- a band is the labelled score range the total falls in. The cut points are the papers':
  PHQ-9 5, 10, 15 and 20 (Kroenke, Spitzer & Williams 2001), GAD-7 5, 10 and 15 (Spitzer
  et al. 2006). The labels are not: PHQ-9 "None-minimal", "Mild", "Moderate", "Moderately
  Severe", "Severe" as the PHQ Instruction Manual's severity table prints them; GAD-7
  "minimal", "mild", "moderate", "severe" as the 1999 PRIME-MD form's scoring line prints
  them (its word "anxiety" left out); PCL-5 below / at or above the provisional cut-point
  33 (National Center for PTSD, whose 31-33 is "indicative of probable PTSD"), a screening
  result, not a diagnosis (`Band.note`);
- **reliable change** over a course: a fall (improvement) or rise (deterioration) of at
  least the instrument's threshold (PHQ-9 6, GAD-7 4; NHS Talking Therapies manual) from the
  course's first score (its baseline) to the latest, as the manual judges it (pre-post, the
  first and the last score, not neighbouring ones: weekly forms are its session-by-session
  practice); none for instruments without a published threshold. Which results make a
  course: results.baseline_result. The difference from the result before is said as a
  plain difference (`ScoreDifference`), never as reliable change;
- **caseness**: a score at or above the clinical cut-off (PHQ-9 10, GAD-7 8; NHS Talking
  Therapies manual; PCL-5 33). `now_below_caseness`: a case at the baseline is below the
  cut-off at the later administration. This is never called "recovered": the manual's
  recovery is defined over PHQ-9 and GAD-7 together, not over one measure;
- **recall period**: the span each form asks about, from its own wording (PHQ-9 and GAD-7
  "the last 2 weeks", taken as 14 days; PCL-5 "the past month", taken as 30 days). It gates
  no change: forms a week apart are the manual's weekly practice. Only flags that a later
  result clears keep it (a safety item answered above 0, a score in the highest band:
  caseload.py);
- **safety items**: items whose any answer above 0 must show the safety message at once
  (PHQ-9 item 9), and is marked next to the score whatever the total and its band: the PHQ
  Instruction Manual says a patient who answers yes to question 9 "needs further assessment
  for suicide risk by an individual who is competent to assess this risk" (phq9.json
  sources, "safety_items").

Each definition also lists `verified_against`: the documents its text and figures were
compared with (title, URL, version, how, result), and says in `sources` what could not be
verified from a reachable source (docs: README "Questionnaires and the safety path").

Pure: no I/O besides reading the packaged data files in `builtin_instruments()`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from client_sdk.errors import BAD_VALUE, InvalidInput

PHQ_MANUAL_ON_ITEM_9 = (
    'the PHQ Instruction Manual says a patient who answers yes to question 9 "needs further '
    'assessment for suicide risk by an individual who is competent to assess this risk"'
)
"""The manual's words on PHQ-9 item 9, quoted exactly with its name (phq9.json sources,
"safety_items"), for a therapist and an export; never presented as the form's
instructions."""

OWN_SAFETY_WORDS = (
    "this answer needs a closer talk with someone who can help: please talk with your "
    "therapist or a doctor, and keep your safety plan to hand."
)
"""What a safety item answered above 0 calls for, said to the client in a document of their
own (their export, their HTML report), in this app's own words (attributed to no one:
REV-CLIN F3), as the screen says it to them."""


def band_label(label: str) -> str:
    """A band's label as it is shown in words (`MeasureResult.band_name`, `Band.label`): a band
    named in one word starts with a capital, as the PHQ Instruction Manual prints its band
    names ("Mild", "Moderately Severe"), so that the GAD-7's, which its scoring line prints
    in lower case ("mild"), read alike; a band described in a phrase (PCL-5's "below the
    provisional cut-point") stays as it is. The label itself (the data, `band`) is the
    source's, unchanged. Pure."""
    return label[:1].upper() + label[1:] if " " not in label else label


def band_key(label: str) -> str:
    """A band's label as every JSON gives it (`band` of `tj measure ... --json`, the
    caseload's, a brief's, the JSON export's): one casing for every questionnaire, lower
    case as the GAD-7 and PCL-5 sources print their bands, so that an app maps "mild" the
    same whatever the measure ("None-minimal" is "none-minimal", "Moderately Severe"
    "moderately severe"); a word in capitals (PCL-5's "PTSD") stays as it is. Words and
    order are the source's; `band_label` is how they are shown to people. Pure."""
    return " ".join(
        word.lower() if word[:1].isupper() and word[1:] == word[1:].lower() else word
        for word in label.split(" ")
    )


def safety_answer_words(own: bool) -> str:
    """What a safety item answered above 0 calls for whatever the total score, in a document
    (an export, the HTML report): to the client (`own`), OWN_SAFETY_WORDS; to a therapist,
    the PHQ Instruction Manual quoted exactly with its name (PHQ_MANUAL_ON_ITEM_9, without
    a closing full stop: the caller ends the sentence)."""
    return OWN_SAFETY_WORDS if own else PHQ_MANUAL_ON_ITEM_9


IMPROVEMENT = "reliable improvement"
DETERIORATION = "reliable deterioration"
NO_RELIABLE_CHANGE = "no reliable change"


@dataclass(frozen=True)
class Option:
    """One answer option of an instrument item: the `value` it scores and its `label` as the
    instrument words it."""

    value: int
    label: str


@dataclass(frozen=True)
class Band:
    """Scores from `low` to `high`, both included. `note`: what must be said with the label
    wherever it is shown to the person (PCL-5 "(probable PTSD)": "a screening result, not a
    diagnosis"), or None. `id`: the band's stable token, lower snake_case, one per band of
    the instrument ("none_minimal", "moderately_severe", "probable_ptsd"): this app's own
    name for it, never shown, so that an app maps a band to its colour or icon without
    reading the source's words (`label`), which stay exactly as the source prints them."""

    low: int
    high: int
    label: str
    note: str | None = None
    id: str = ""


BAND_ID = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
"""What a band's `id` is: lower snake_case, ASCII ("moderately_severe")."""


@dataclass(frozen=True)
class UnscoredItem:
    """A question asked with the instrument but not part of its score (the PHQ-9 difficulty
    question)."""

    id: str
    text: str
    options: tuple[Option, ...]


@dataclass(frozen=True)
class RetiredQuestion:
    """An unscored question an earlier version of the definition asked and this one no
    longer does (GAD-7's difficulty question until version 2). Results that hold an answer
    to it still read, show and export it, with `shown_as` saying where the question came
    from; a new result cannot answer it."""

    question: UnscoredItem
    until_version: int
    shown_as: str


@dataclass(frozen=True)
class Source:
    """A document an instrument's text or figures were compared with, and what was found."""

    title: str
    url: str
    version: str
    how: str
    result: str


@dataclass(frozen=True)
class Instrument:
    """One versioned questionnaire definition. Items are numbered from 1. `recall_days` is
    the span the form asks about, in days (PHQ-9 and GAD-7 14, PCL-5 30), and
    `recall_wording` the form's own words for it ("the last 2 weeks")."""

    id: str
    version: int
    name: str
    title: str
    instructions: str | None
    stem: str
    options: tuple[Option, ...]
    items: tuple[str, ...]
    unscored: UnscoredItem | None
    bands: tuple[Band, ...]
    caseness: int | None
    reliable_change: int | None
    safety_items: tuple[int, ...]
    recall_days: int
    recall_wording: str
    attribution: str
    licence: str
    citation: str
    sources: dict[str, str]
    verified_against: tuple[Source, ...] = ()
    retired_unscored: RetiredQuestion | None = None
    caseness_name: str | None = None

    @property
    def cut_off_words(self) -> str:
        """The caseness score in this instrument's own words: "the clinical cut-off
        of 10 (caseness)" (PHQ-9, GAD-7: NHS Talking Therapies caseness); an instrument whose
        definition names it otherwise (`caseness_name`) says so: "the provisional cut-point
        of 33" (PCL-5: a screening cut-point, not a caseness threshold)."""
        if self.caseness_name is not None:
            return f"the {self.caseness_name} of {self.caseness}"
        return f"the clinical cut-off of {self.caseness} (caseness)"

    @property
    def max_score(self) -> int:
        """The highest total score: items times the highest option value."""
        return len(self.items) * max(o.value for o in self.options)

    def score(self, answers: list[int] | tuple[int, ...]) -> int:
        """The total of `answers` (one option value per item, in item order).

        Raises InvalidInput for a wrong number of answers or a value that is no option."""
        self.check_answers(answers)
        return sum(answers)

    def check_answers(self, answers: list[int] | tuple[int, ...]) -> None:
        """Raise InvalidInput unless `answers` holds one allowed value per item, in order."""
        if len(answers) != len(self.items):
            raise InvalidInput(
                f"{self.name} has {len(self.items)} items: give {len(self.items)} answers, "
                f"not {len(answers)}",
                subject=BAD_VALUE,
            )
        allowed = {o.value for o in self.options}
        for number, answer in enumerate(answers, start=1):
            if isinstance(answer, bool) or not isinstance(answer, int) or answer not in allowed:
                raise InvalidInput(
                    f"{self.name} item {number}: an answer is one of "
                    f"{', '.join(str(v) for v in sorted(allowed))}, not {answer!r}",
                    subject=BAD_VALUE,
                )

    def check_unscored(self, value: int | None) -> None:
        """Raise InvalidInput unless `value` is None or an answer to the unscored question
        this version asks (a new result: GAD-7 has none since version 3)."""
        if value is None:
            return
        if self.unscored is None:
            raise InvalidInput(
                f"{self.name} has no unscored question: its form asks only its "
                f"{len(self.items)} items",
                subject="refused",
            )
        if value not in {o.value for o in self.unscored.options}:
            raise InvalidInput(
                f"{self.name} {self.unscored.id}: not an answer: {value!r}", subject=BAD_VALUE
            )

    @property
    def stored_unscored(self) -> UnscoredItem | None:
        """The unscored question a stored answer answers: the one asked now, else the one
        an earlier version asked (`retired_unscored`), else None."""
        if self.unscored is not None:
            return self.unscored
        return self.retired_unscored.question if self.retired_unscored is not None else None

    def check_stored_unscored(self, value: int | None) -> None:
        """Raise InvalidInput unless `value` is None or an answer to `stored_unscored`: a
        result answered earlier (an import) may answer a question no longer asked."""
        if self.unscored is not None or value is None or self.retired_unscored is None:
            self.check_unscored(value)
        elif value not in {o.value for o in self.retired_unscored.question.options}:
            raise InvalidInput(
                f"{self.name} {self.retired_unscored.question.id}: {value!r}", subject=BAD_VALUE
            )

    def version_for(self, unscored: int | None) -> int:
        """The definition version a result with this unscored answer was asked by: the
        current one, or the last that asked a retired question when it answers that one."""
        if unscored is not None and self.unscored is None and self.retired_unscored is not None:
            return self.retired_unscored.until_version
        return self.version

    def band(self, score: int) -> str:
        """The label of the band `score` falls in; InvalidInput outside 0..max_score."""
        for band in self.bands:
            if band.low <= score <= band.high:
                return band.label
        raise InvalidInput(
            f"{self.name} scores run from 0 to {self.max_score}, not {score}", subject=BAD_VALUE
        )

    def band_id(self, score: int) -> str:
        """The `id` of the band `score` falls in ("moderately_severe"); InvalidInput outside
        0..max_score."""
        self.band(score)
        return next(b.id for b in self.bands if b.low <= score <= b.high)

    def band_id_of(self, label: str, score: int) -> str:
        """The `id` of the band labelled `label` (a result's stored band, as the definition
        it was scored by names it), else of the band `score` falls in (a label a later
        definition no longer bears); InvalidInput for a score outside 0..max_score."""
        found = next((b.id for b in self.bands if b.label == label), None)
        return found if found is not None else self.band_id(score)

    def band_note(self, score: int) -> str | None:
        """The `note` of the band `score` falls in (None: none); InvalidInput outside
        0..max_score."""
        self.band(score)
        return next(b.note for b in self.bands if b.low <= score <= b.high)

    def band_note_line(self, score: int) -> str | None:
        """The sentence that goes with a result in a band that has a note, for a list of
        results: "PCL-5 at or above the provisional cut-point (probable PTSD): a screening
        result, not a diagnosis."; None for a band without one."""
        note = self.band_note(score)
        return None if note is None else f"{self.name} {self.band(score)}: {note}."

    def is_case(self, score: int) -> bool | None:
        """Whether `score` is at or above caseness (None: the instrument has none)."""
        return None if self.caseness is None else score >= self.caseness

    def safety_concern(self, answers: list[int] | tuple[int, ...]) -> bool:
        """Whether any safety item (PHQ-9 item 9) was answered above 0."""
        return any(answers[n - 1] > 0 for n in self.safety_items if n <= len(answers))

    def safety_answers(self, answers: list[int] | tuple[int, ...]) -> tuple[tuple[int, int], ...]:
        """(item number, answer value) of each safety item (PHQ-9 item 9) answered above 0,
        in item order; empty when none was (or `answers` stops before it)."""
        return tuple(
            (n, answers[n - 1])
            for n in self.safety_items
            if n <= len(answers) and answers[n - 1] > 0
        )

    def safety_answer_heads(self, answers: list[int] | tuple[int, ...]) -> list[str]:
        """ "item 9 answered 2 (More than half the days), above 0" for each safety item
        answered above 0 (`safety_answers`), in item order: the head of the line each view
        gives such an answer, followed by what it calls for whatever the total score
        (`safety_answer_words`)."""
        return [
            f"item {n} answered {value} ({self.option_label(value)}), above 0"
            for n, value in self.safety_answers(answers)
        ]

    def option_label(self, value: int) -> str:
        """The instrument's label for an answer value (the value itself if none)."""
        return next((o.label for o in self.options if o.value == value), str(value))


DAY_MS = 86_400_000


@dataclass(frozen=True)
class ScoreDifference:
    """The plain difference between two administrations of one instrument (a result and the
    one before it): `earlier` and `later` their total scores, `difference` later minus
    earlier in points of the instrument's scale (negative: fewer symptoms), `apart_ms` the
    milliseconds between them. No reliable-change verdict: the NHS Talking Therapies
    manual judges reliable change from a course's first score to its last
    (`ScoreChange`), not between neighbouring ones. Its fields are its `to_dict` keys."""

    earlier: int
    later: int
    difference: int
    apart_ms: int

    @property
    def change(self) -> int:
        """`difference`, by its former name (`taken.change.change`; nu82 F2: the attribute
        and the JSON key now agree)."""
        return self.difference

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of its fields: `apart_ms` in milliseconds (in every JSON
        "change" is this whole object, README)."""
        return {
            "earlier": self.earlier,
            "later": self.later,
            "difference": self.difference,
            "apart_ms": self.apart_ms,
        }


@dataclass(frozen=True)
class ScoreChange:
    """Change from a course's first administration of one instrument (its baseline,
    results.baseline_result) to a later one, as the NHS Talking Therapies manual judges it
    (pre-post):

    - `change`: later minus earlier (negative: fewer symptoms), always given;
    - `apart_ms`: milliseconds from the earlier administration to the later one;
    - `reliable`: IMPROVEMENT (a fall of at least the instrument's threshold: PHQ-9 6,
      GAD-7 4), DETERIORATION (a rise of at least it) or NO_RELIABLE_CHANGE; None when the
      instrument has no published threshold (PCL-5);
    - `now_below_caseness`: the earlier score was at or above the clinical cut-off and the
      later one is below it. Not "recovery": the NHS Talking Therapies manual defines
      recovery over PHQ-9 and GAD-7 together.
    """

    earlier: int
    later: int
    change: int
    apart_ms: int
    reliable: str | None
    now_below_caseness: bool

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: `apart_ms` in milliseconds; `change` under the key
        "difference", as `ScoreDifference.to_dict` gives it."""
        return {
            "earlier": self.earlier,
            "later": self.later,
            "difference": self.change,
            "apart_ms": self.apart_ms,
            "reliable": self.reliable,
            "now_below_caseness": self.now_below_caseness,
        }


def difference(
    instrument: Instrument, earlier: int, later: int, *, apart_ms: int
) -> ScoreDifference:
    """The plain difference from score `earlier` to score `later`, taken `apart_ms`
    milliseconds later (ScoreDifference). InvalidInput for a score outside the instrument's
    range or a negative `apart_ms`."""
    instrument.band(earlier)
    instrument.band(later)
    if apart_ms < 0:
        raise InvalidInput(
            "the later administration must not be taken before the earlier one", subject=BAD_VALUE
        )
    return ScoreDifference(earlier, later, later - earlier, apart_ms)


def compare(instrument: Instrument, earlier: int, later: int, *, apart_ms: int) -> ScoreChange:
    """The change from a baseline score `earlier` to score `later`, taken `apart_ms`
    milliseconds later: reliable change (NHS Talking Therapies thresholds, whatever the
    time between them) and crossing below the cut-off (ScoreChange). InvalidInput for a
    score outside the instrument's range or a negative `apart_ms`."""
    plain = difference(instrument, earlier, later, apart_ms=apart_ms)
    change = plain.change
    reliable: str | None = None
    if instrument.reliable_change is not None:
        if -change >= instrument.reliable_change:
            reliable = IMPROVEMENT
        elif change >= instrument.reliable_change:
            reliable = DETERIORATION
        else:
            reliable = NO_RELIABLE_CHANGE
    below = bool(instrument.is_case(earlier)) and instrument.is_case(later) is False
    return ScoreChange(earlier, later, change, apart_ms, reliable, below)


# --- definitions ---------------------------------------------------------------------------------


def parse_instrument(data: Any) -> Instrument:
    """Read and check one definition; InvalidInput if it is malformed (bands must cover every
    score from 0 to the maximum exactly once)."""
    try:
        instrument = Instrument(
            id=_str(data["id"]),
            version=int(data["version"]),
            name=_str(data["name"]),
            title=_str(data["title"]),
            instructions=data.get("instructions"),
            stem=_str(data["stem"]),
            options=_options(data["options"]),
            items=tuple(_str(item) for item in data["items"]),
            unscored=_unscored(data.get("unscored")),
            bands=tuple(
                Band(
                    int(b["from"]),
                    int(b["to"]),
                    _str(b["label"]),
                    _note(b.get("note")),
                    _str(b["id"]),
                )
                for b in data["bands"]
            ),
            caseness=data.get("caseness"),
            reliable_change=data.get("reliable_change"),
            safety_items=tuple(int(n) for n in data.get("safety_items") or ()),
            recall_days=_positive(data["recall_period"]["days"]),
            recall_wording=_str(data["recall_period"]["wording"]),
            attribution=_str(data["attribution"]),
            licence=_str(data["licence"]),
            citation=_str(data["citation"]),
            sources={str(k): str(v) for k, v in dict(data["sources"]).items()},
            verified_against=tuple(
                Source(*(_str(s[key]) for key in ("title", "url", "version", "how", "result")))
                for s in data.get("verified_against") or ()
            ),
            retired_unscored=_retired(data.get("retired_unscored")),
            caseness_name=_note(data.get("caseness_name")),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidInput(f"malformed instrument definition: {error}", subject=BAD_VALUE) from None
    _check_bands(instrument)
    return instrument


def _check_bands(instrument: Instrument) -> None:
    expected = 0
    for band in instrument.bands:
        if band.low != expected or band.high < band.low:
            raise InvalidInput(
                f"{instrument.name}: bands must run without gaps from 0", subject=BAD_VALUE
            )
        expected = band.high + 1
    if expected != instrument.max_score + 1:
        raise InvalidInput(
            f"{instrument.name}: bands must end at {instrument.max_score}", subject=BAD_VALUE
        )
    ids = [band.id for band in instrument.bands]
    if any(not BAND_ID.fullmatch(i) for i in ids) or len(set(ids)) != len(ids):
        raise InvalidInput(
            f"{instrument.name}: each band needs its own id, in lower snake_case", subject=BAD_VALUE
        )
    if any(not 1 <= n <= len(instrument.items) for n in instrument.safety_items):
        raise InvalidInput(
            f"{instrument.name}: a safety item is not an item number", subject=BAD_VALUE
        )


def _positive(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"expected a whole number of days, not {value!r}")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected text, not {value!r}")
    return value


def _note(value: Any) -> str | None:
    return None if value is None else _str(value)


def _options(values: Any) -> tuple[Option, ...]:
    options = tuple(Option(int(o["value"]), _str(o["label"])) for o in values)
    if not options:
        raise ValueError("an instrument needs answer options")
    return options


def _unscored(data: Any) -> UnscoredItem | None:
    if data is None:
        return None
    return UnscoredItem(_str(data["id"]), _str(data["text"]), _options(data["options"]))


def _retired(data: Any) -> RetiredQuestion | None:
    if data is None:
        return None
    question = _unscored(data["question"])
    if question is None:
        raise ValueError("a retired question needs its text and options")
    return RetiredQuestion(question, _positive(data["asked_until_version"]), _str(data["shown_as"]))


BUILTIN = ("phq9", "gad7", "pcl5")


@cache
def builtin_instruments() -> dict[str, Instrument]:
    """The instruments shipped with the SDK, by id ("phq9", "gad7", "pcl5")."""
    folder = resources.files("client_sdk") / "data" / "instruments"
    return {
        name: parse_instrument(json.loads((folder / f"{name}.json").read_text("utf-8")))
        for name in BUILTIN
    }


def instrument(name: str) -> Instrument:
    """An instrument by id, accepting "PHQ-9", "phq9" or "phq-9"; InvalidInput naming the
    choices otherwise."""
    wanted = name.strip().lower().replace("-", "").replace("_", "")
    found = builtin_instruments().get(wanted)
    if found is None:
        choices = ", ".join(f"{i.id} ({i.name})" for i in builtin_instruments().values())
        raise InvalidInput(f"unknown measure {name!r}: choose from {choices}", subject=BAD_VALUE)
    return found
