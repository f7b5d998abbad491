"""The care records an import restores, read from an export and checked: the person's own
questionnaire results and safety plans (`read_care`).

Restored, into the journal of the importing account that receives the exporter's journal
(archive.py: only journals whose role is "owner", the exporter's own):

- a questionnaire result with its instrument, item answers, difficulty answer and
  `taken_at`, as a new result of the importing account: its score, band and safety concern
  (PHQ-9 item 9 above 0) are computed again from the answers by the SDK's scoring (the
  file's "band", "band_id", "band_label", "name", "safety_concern" and "safety_answer" are not
  read; a "score" other than the total
  of the answers refuses the file). A result taken for a therapist's assignment is imported
  like any other: results name no assignment (an assignment counts as done by any result of
  its measure), and assignments stay in the file;
- a safety plan's own parts, the emergency number, the crisis line and the plan text, only
  into a journal whose owner has written none of them (one identical to the file's counts as
  already here; a different one is kept, never overwritten), and never the crisis line over
  one a member set that is in force there (portability.restore_plan). Not restored: the
  opt-in to safety flags (it names members of the old account's shares; `CareImport.opt_ins`
  names the journals that had it, for the import to say so) and a crisis line a therapist
  set (`crisis_line_in_use`: theirs, not the exporter's).

Everything else of care (homework, assignments, safety flags, private notes, and the
results and plans of journals others shared with the exporter) stays in the file, counted
by `CareImport.left_out`. `read_care` checks every field it reads before anything is
written: a malformed or hand-edited file raises InvalidInput naming the field
("results[0]: 'answers' ...").

Pure: no I/O, no clock (callers pass the time).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from client_sdk.archive import Fields, bad_file, to_ms
from client_sdk.care_archive import CareRecords, care_count, plan_written
from client_sdk.documents import check_text_limit
from client_sdk.errors import InvalidInput
from client_sdk.models import check_text, normalize_username
from client_sdk.safety import CLOCK_SKEW_MS, MAX_CONTACT, MAX_PLAN
from client_sdk.scoring import Instrument, builtin_instruments

RESTORED = ("results", "safety_plans")
"""The care lists (`CareRecords.to_dict` keys) an import restores, the exporter's own."""


@dataclass(frozen=True)
class ImportedResult:
    """A questionnaire result of the exporter's own journal, as an import writes it."""

    id: str
    journal_id: str
    instrument: Instrument
    answers: tuple[int, ...]
    unscored: int | None
    taken_at: datetime

    def identity(self) -> tuple[Any, ...]:
        return result_identity(self.instrument.id, self.taken_at, self.answers, self.unscored)


def result_identity(
    measure: str, taken_at: datetime, answers: tuple[int, ...] | None, unscored: int | None
) -> tuple[Any, ...]:
    """What makes two results the same for duplicate detection (ids differ across imports):
    the measure, the time taken (ms) and the answers."""
    return ("result", measure, to_ms(taken_at), answers, unscored)


@dataclass(frozen=True)
class ImportedPlan:
    """The parts of a safety plan of the exporter's own journal an import writes."""

    journal_id: str
    journal: str
    emergency_number: str | None
    crisis_line: str | None
    plan: str

    def parts(self) -> tuple[str | None, str | None, str]:
        return (self.emergency_number, self.crisis_line, self.plan)

    @property
    def written(self) -> bool:
        """Whether the exporter wrote any part of it (not only a therapist's crisis line)."""
        return bool(self.emergency_number or self.crisis_line or self.plan.strip())


@dataclass(frozen=True)
class CareImport:
    """The care records of an export an import restores, and those it leaves in the file."""

    results: tuple[ImportedResult, ...] = ()
    plans: tuple[ImportedPlan, ...] = ()
    left_out: dict[str, int] = field(default_factory=dict)
    """The records left in the file, by list name, lists with none left out (as
    `ImportReport.left_out`)."""
    opt_ins: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """The journals (ids in the file) of the exporter's own whose plan opted in to safety
    flags, each with the usernames its flags reached then (`flags_reach`; none when the file
    names none): the opt-in is not restored (it names the old account's members), and the
    import says so where it leaves flags off (`ImportReport.flags_not_carried`, NU49 F2)."""


def read_care(data: Mapping[str, Any], owned: set[str], known: set[str], now_ms: int) -> CareImport:
    """The results and safety plans of the journals `owned` (ids: the exporter's own) to
    import, and the count of what stays in the file. `known`: the ids of every journal of the
    file. Raises InvalidInput naming the first bad field (a care list that is not a list of
    objects, a record naming a journal not in the file, a bad value in a result or plan of
    an owned journal)."""
    top = Fields(data, "the file")
    lists = {kind: care_list(top, kind) for kind in CareRecords().to_dict()}
    for kind in RESTORED:
        for index, record in enumerate(lists[kind]):
            where = Fields(record, f"{kind}[{index}]")
            if where.text("journal_id", 64) not in known:
                raise bad_file(
                    f"{where.where} names journal {record['journal_id']}, not in the file"
                )
    results, plans, opt_ins = [], [], []
    left_out: dict[str, int] = {}
    for index, record in enumerate(lists["results"]):
        fields = Fields(record, f"results[{index}]")
        if fields.value["journal_id"] in owned:
            results.append(read_result(fields, now_ms))
        else:
            left_out["results"] = left_out.get("results", 0) + 1
    for index, record in enumerate(lists["safety_plans"]):
        fields = Fields(record, f"safety_plans[{index}]")
        plan = read_plan(fields) if fields.value["journal_id"] in owned else None
        if plan is not None and record.get("share_flags") is True:
            opt_ins.append((plan.journal_id, usernames(record.get("flags_reach") or ())))
        if plan is not None and plan.written:
            plans.append(plan)
        elif plan_written(dict(record)):  # another's, or only a therapist's crisis line
            left_out["safety_plans"] = left_out.get("safety_plans", 0) + 1
    for kind in CareRecords().to_dict():
        if kind not in RESTORED and (count := care_count(kind, lists[kind])):
            left_out[kind] = count
    return CareImport(tuple(results), tuple(plans), left_out, tuple(opt_ins))


def usernames(names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The valid usernames among `names` (a plan's `flags_reach`, strings as `read_plan`
    checked), each once, in order: a name no account could have is named to no one."""
    found: list[str] = []
    for name in names:
        try:
            username = normalize_username(name)
        except InvalidInput:
            continue
        if username not in found:
            found.append(username)
    return tuple(found)


def care_list(top: Fields, kind: str) -> list[Mapping[str, Any]]:
    """The file's care list `kind`: absent or null (files from before it) reads as empty;
    anything but a list of objects raises InvalidInput."""
    value = top.value.get(kind)
    if value is None:
        return []
    if not isinstance(value, list):
        raise top.bad(kind, "a list")
    for index, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise bad_file(f"{kind}[{index}] is not a JSON object")
    return value


def read_result(fields: Fields, now_ms: int) -> ImportedResult:
    """A result of an owned journal, checked: its instrument one the SDK ships, its answers
    that instrument's, its score their total, its time between 1970 and now."""
    name = fields.text("measure", 64)
    found = builtin_instruments().get(name)
    if found is None:
        raise fields.bad("measure", "one of " + ", ".join(sorted(builtin_instruments())))
    answers = whole_numbers(fields, "answers")
    unscored = fields.optional_integer("unscored") if "unscored" in fields.value else None
    try:
        total = found.score(answers)
        found.check_stored_unscored(unscored)  # GAD-7's difficulty answer up to version 2
    except InvalidInput as error:
        raise bad_file(f"{fields.where}: {error}") from None
    if fields.integer("score") != total:
        raise bad_file(
            f"{fields.where}: 'score' is {fields.raw('score')}, not the total of its answers "
            f"({total}): the SDK computes the score from the answers again, and a file whose "
            "score differs was changed by hand; nothing of the file was imported"
        )
    taken_at = fields.moment("taken_at")
    if not 0 <= to_ms(taken_at) <= now_ms + CLOCK_SKEW_MS:
        raise fields.bad("taken_at", "a time between 1970 and now")
    read_ignored(
        fields,
        texts=("name", "band", "band_id", "band_label", "journal"),
        numbers=("version", "safety_answer"),
    )
    if "safety_concern" in fields.value:
        fields.flag("safety_concern")  # computed again from the answers
    return ImportedResult(
        fields.text("id", 64), fields.text("journal_id", 64), found, answers, unscored, taken_at
    )


def whole_numbers(fields: Fields, name: str) -> tuple[int, ...]:
    value = fields.raw(name)
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise fields.bad(name, "a list of whole numbers (one answer per item)")
    return tuple(value)


def read_plan(fields: Fields) -> ImportedPlan:
    """The own parts of a safety plan of an owned journal, checked as `set_plan` checks them;
    the other fields of the file's plan are checked for their type only (not restored)."""
    numbers = {name: contact(fields, name) for name in ("emergency_number", "crisis_line")}
    text = fields.absent_text("plan", 1_000_000)
    try:
        check_text_limit("a safety plan", MAX_PLAN, "", text, "shorten it in the file")
    except InvalidInput as error:
        raise bad_file(f"{fields.where}: 'plan': {error}") from None
    read_ignored(fields, texts=("journal", "crisis_line_in_use", "crisis_line_set_by"))
    for name in ("flags_reach", "not_opted_in", "reads_only", "opted_in_earlier"):
        if fields.value.get(name) is not None:
            fields.strings(name)
    if fields.value.get("opted_in_reads_only") is not None:
        fields.strings("opted_in_reads_only")
    if "share_flags" in fields.value:
        fields.flag("share_flags")  # not restored: the opt-in names the old shares' members
    if fields.value.get("updated_at") is not None:
        fields.moment("updated_at")
    return ImportedPlan(
        fields.text("journal_id", 64),
        fields.text("journal", 300),
        numbers["emergency_number"],
        numbers["crisis_line"],
        text,
    )


def contact(fields: Fields, name: str) -> str | None:
    """An emergency number or crisis line as `safety._contact` keeps it: stripped, at most
    MAX_CONTACT characters, no control character; None when empty."""
    value = fields.optional_text(name)
    if value is None:
        return None
    value = value.strip()
    if len(value) > MAX_CONTACT:
        raise fields.bad(name, f"at most {MAX_CONTACT} characters")
    try:
        check_text(value, repr(name))
    except InvalidInput as error:
        raise bad_file(f"{fields.where}: {error}") from None
    return value or None


def read_ignored(
    fields: Fields, *, texts: tuple[str, ...] = (), numbers: tuple[str, ...] = ()
) -> None:
    """Check the type of fields an import does not read (absent or null is fine)."""
    for name in texts:
        if fields.value.get(name) is not None:
            fields.text(name, 300)
    for name in numbers:
        if fields.value.get(name) is not None:
            fields.integer(name)
