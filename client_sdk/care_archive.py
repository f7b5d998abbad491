"""The care part of an export: questionnaire results, homework, assignments, safety plans,
safety flags and a therapist's private notes (`CareRecords`), as JSON objects and as Markdown
pages.

Each record is its view's `to_dict()` (the shape `tj measure list --json`, `tj homework list
--json`, `tj assignments --json`, `tj safety plan --json` and `tj safety flags --json` print)
with the journal's id added as "journal_id"; a safety plan also has "crisis_line_in_use", the
line set in that journal (the client's own, else one a therapist set; a plan the client wrote
by hand in another journal, which the message may show instead, is its own record). A private note is
`tj private-notes --json`'s object as it is: its "journal_id" names the client's journal it is
about; the notes are kept in the therapist's own "Private notes" journal
(`CareRecords.private_notes_journal`), whose Markdown folder gets them; in an export of one
client's records, without that journal, the notes about them go with the client's journal
each is about, in its folder (private-notes.md). An import restores the
exporter's own questionnaire results and safety plans (care_import.py); the rest is in the
file so that nothing the device can read is missing from it.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from client_sdk.care_terms import (
    NOT_IN_COPY,
    SAFETY_UNKNOWN,
    SAFETY_UNKNOWN_RECORD,
    UNSEEN_IN_COPY,
)
from client_sdk.scoring import band_label

JSONObject = dict[str, Any]


@dataclass(frozen=True)
class CareRecords:
    """Everything of care in an export, each list sorted oldest first."""

    results: tuple[JSONObject, ...] = ()
    homework: tuple[JSONObject, ...] = ()
    assignments: tuple[JSONObject, ...] = ()
    safety_plans: tuple[JSONObject, ...] = ()
    safety_flags: tuple[JSONObject, ...] = ()
    private_notes: tuple[JSONObject, ...] = field(default=(), repr=False)  # a therapist's
    private_notes_journal: str = ""
    """The id of the journal the private notes are kept in, when it is exported: its
    Markdown folder gets them all; "" when there are none, or it is not exported (one
    client's records): each note then goes with the client's journal it is about."""

    def to_dict(self) -> dict[str, list[JSONObject]]:
        return {
            "results": list(self.results),
            "homework": list(self.homework),
            "assignments": list(self.assignments),
            "safety_plans": list(self.safety_plans),
            "safety_flags": list(self.safety_flags),
            "private_notes": list(self.private_notes),
        }

    def of_journal(self, journal_id: str) -> CareRecords:
        def kept(records: tuple[JSONObject, ...]) -> tuple[JSONObject, ...]:
            return tuple(r for r in records if r["journal_id"] == journal_id)

        notes = kept(self.private_notes)  # one client's export: with their journal
        if self.private_notes_journal:  # exported: all of them in its folder, only there
            notes = self.private_notes if journal_id == self.private_notes_journal else ()
        return CareRecords(
            kept(self.results),
            kept(self.homework),
            kept(self.assignments),
            kept(self.safety_plans),
            kept(self.safety_flags),
            notes,
            self.private_notes_journal,
        )


def with_journal(view: JSONObject, journal_id: str) -> JSONObject:
    return {**view, "journal_id": journal_id}


def plan_written(plan: JSONObject) -> bool:
    """Whether an exported safety plan holds something written: its text, an emergency
    number, or a crisis line (the client's own or one a therapist set). A plan whose client
    only opted in to safety flags holds none (its text empty: "no plan written yet", as `tj
    safety plan` says): it is in the file for that opt-in, and not counted as a safety plan
    (NU43 #17)."""
    return bool(
        str(plan.get("plan") or "").strip()
        or plan.get("emergency_number")
        or plan.get("crisis_line")
        or plan.get("crisis_line_in_use")
    )


def care_count(kind: str, records: object) -> int:
    """How many records of `kind` (a key of `CareRecords.to_dict`) an export's list holds, as
    its summaries count them: safety plans only when written (`plan_written`); a list that
    is not one counts none."""
    if not isinstance(records, list):
        return 0
    if kind == "safety_plans":
        return sum(1 for plan in records if isinstance(plan, dict) and plan_written(plan))
    return len(records)


def care_markdown(
    care: CareRecords, tz: tzinfo | None = None, *, own: bool = False
) -> dict[str, str]:
    """One journal's care records as Markdown pages, by file name; only pages with content:
    questionnaires.md, homework.md, assignments.md, safety.md (plan and flags),
    private-notes.md (in the journal they are kept in). `own`: the exporter's own journal (a
    client's): a safety item answered above 0 is said in this app's words for the client,
    not the manual's for a clinician (NU50 F6), as on screen."""
    pages: dict[str, str] = {}
    if care.results:
        pages["questionnaires.md"] = _page(
            "Questionnaire results", (_result(r, tz, own) for r in care.results)
        )
    if care.homework:
        pages["homework.md"] = _page("Homework", (_homework(h, tz) for h in care.homework))
    if care.assignments:
        pages["assignments.md"] = _page(
            "Assignments", (_assignment(a, tz, own) for a in care.assignments)
        )
    if care.safety_plans or care.safety_flags:
        parts = [_plan(p) for p in care.safety_plans]
        parts += [_flag(f, tz) for f in care.safety_flags]
        pages["safety.md"] = _page("Safety plan and flags", parts)
    if care.private_notes:
        pages["private-notes.md"] = _page(
            "Private notes", (_private_note(n, tz) for n in care.private_notes)
        )
    return pages


def _page(title: str, sections: Iterable[str]) -> str:
    return "\n".join([f"# {title}", "", *sections])


def _minute(text: str | None, tz: tzinfo | None) -> str:
    if not text:
        return "none"
    return datetime.fromisoformat(text).astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _band_shown(result: JSONObject) -> str:
    """A result's band as people are shown it: its "band_label" ("Moderately Severe"), or,
    in a record without one, `scoring.band_label` of its "band"."""
    shown = result.get("band_label")
    return shown if isinstance(shown, str) and shown else band_label(str(result["band"]))


def _result(result: JSONObject, tz: tzinfo | None, own: bool = False) -> str:
    answers = result["answers"]
    unknown = _safety_unknown(result, own)
    mark = f"; {SAFETY_UNKNOWN}" if unknown else ""
    lines = [
        f"## {result['name']}: {result['score']} ({_band_shown(result)}{mark})",
        "",
        f"- id: {result['id']}",
        f"- taken: {_minute(result['taken_at'], tz)}",
        "- answers: " + ("not shared" if answers is None else ", ".join(str(a) for a in answers)),
        *_unscored_answer(result),
    ]
    return "\n".join([*lines, *_safety_answers(result, own), *unknown, ""])


def _safety_unknown(result: JSONObject, own: bool = False) -> list[str]:
    """For a client's result shared without its answers (`MeasureResult.safety_unknown`, in
    a therapist's export): that whether its safety item was answered above 0 is not known,
    in a record's words (`care_terms.SAFETY_UNKNOWN_RECORD`), so its total never reads as
    fine; none for the exporter's own results (`own`)."""
    from client_sdk.results import unknown_to_reader

    if not unknown_to_reader(result.get("safety_unknown"), own):
        return []
    said = SAFETY_UNKNOWN_RECORD.removeprefix(SAFETY_UNKNOWN + ": ")  # a record's words
    return [f"- **{SAFETY_UNKNOWN}**: {said}"]


def _unscored_answer(result: JSONObject) -> list[str]:
    """The answer to the unscored question (the PHQ-9 difficulty question), with its words,
    as `tj measure show` gives it (NU50 F6: the export dropped it): "- not scored: If you
    checked off any problems, ...? 1 (Somewhat difficult)"."""
    from client_sdk.scoring import builtin_instruments

    value = result.get("unscored")
    found = builtin_instruments().get(str(result.get("measure", "")))
    question = found.stored_unscored if found is not None else None
    if value is None or question is None:
        return []
    label = next((o.label for o in question.options if o.value == value), "")
    return [f"- not scored: {question.text} {value} ({label})"]


def _safety_answers(result: JSONObject, own: bool = False) -> list[str]:
    """A line per safety item (PHQ-9 item 9) answered above 0 (NU28 C3): whatever the total,
    the PHQ Instruction Manual says such an answer "needs further assessment for suicide
    risk" (client_sdk/data/instruments/phq9.json, sources "safety_items"); to the client
    (`own`), this app's own words (scoring.OWN_SAFETY_WORDS; NU50 F6)."""
    from client_sdk.scoring import builtin_instruments, safety_answer_words

    found = builtin_instruments().get(str(result.get("measure", "")))
    answers = result.get("answers")
    if found is None or not isinstance(answers, list):
        return []
    said = safety_answer_words(own)
    return [
        f"- **{head}**: whatever the total score, {said}"
        for head in found.safety_answer_heads([int(a) for a in answers])
    ]


def _homework(entry: JSONObject, tz: tzinfo | None) -> str:
    lines = [
        f"## {entry['title']} ({entry['completion']})",
        "",
        f"- id: {entry['id']}",
        f"- written: {_minute(entry['created_at'], tz)}",
    ]
    lines += [f"- {name}: {value}" for name, value in entry["values"].items()]
    lines += [f"- {name} (computed): {value}" for name, value in entry["computed"].items()]
    return "\n".join([*lines, ""])


def _assignment(assignment: JSONObject, tz: tzinfo | None, own: bool = False) -> str:
    every = assignment["every_days"]
    lines = [
        f"## {assignment['title']} ({'every ' + str(every) + ' days' if every else 'once'})",
        "",
        f"- id: {assignment['id']}",
        f"- assigned by: {assignment['assigned_by']}, {_minute(assignment['created_at'], tz)}"
        + (
            f", in {json.dumps(assignment['in_copy'], ensure_ascii=False)}"
            if assignment.get("in_copy")
            else ""
        ),
        f"- starts: {_minute(assignment['starts_at'], tz)}",
    ]
    lines += _standing(assignment, tz, own)
    if assignment["cancelled"]:
        lines.append("- cancelled")
    if assignment.get("share_end"):
        lines.append(f"- {_share_end(assignment['share_end'], tz)}")
    if assignment["note"]:
        lines += ["", assignment["note"]]
    return "\n".join([*lines, ""])


def _standing(assignment: JSONObject, tz: tzinfo | None, own: bool = False) -> list[str]:
    """Its "status" and "last_done" (`schedule.standing`, as `tj assignments` says them:
    NU46 #6): "- status: due 2026-12-04 09:00", "- last done: never" (said only where this
    device holds what would have done it); a cancelled or ended one says so on its own line
    below, as before."""
    status = assignment.get("status")
    if status is None:
        return []
    lines = []
    if status in ("overdue", "due", "upcoming") and assignment.get("due_at"):
        word = {"overdue": "OVERDUE", "upcoming": "next"}.get(status, status)
        lines.append(f"- status: {word} {_minute(assignment['due_at'], tz)}")
    elif status == "not seen" and own:  # the client's: the assigner does not see it done
        what = "scores" if assignment.get("type") == "measure" else "homework"
        lines.append(
            f"- status: {assignment.get('assigned_by')} will not see it done (what you share "
            f"with them carries no {what})"
        )
    elif status == "not seen":
        kind = "measure" if assignment.get("type") == "measure" else "homework"
        lines.append(f"- status: not seen: {UNSEEN_IN_COPY[kind]}")
    elif status == "cannot be seen":  # the copy never carries it: not "not done" (NU64 F15)
        kind = "measure" if assignment.get("type") == "measure" else "homework"
        lines.append(f"- status: {NOT_IN_COPY[kind]}")
    elif status in ("done", "unknown"):
        lines.append(f"- status: {status}")
    mine = not (assignment.get("share_end") or {}).get("owner")  # not a member's copy
    if assignment.get("last_done"):
        lines.append(f"- last done: {_minute(assignment['last_done'], tz)}")
    elif status in ("overdue", "due", "upcoming") or (status == "ended" and mine):
        lines.append("- last done: never")  # else this device may not hold what did it
    return lines


def _share_end(end: JSONObject, tz: tzinfo | None) -> str:
    """That an assignment ended with the share it was made in (`ShareEnded.to_dict`), how and
    when, in the words of `tj assignments` ("ended with the share"), saying whose word it is:
    the owner's signed access list, or the server's (NU43 #17)."""
    when = f" on {_minute(end['at'], tz)}" if end.get("at") else ""
    owner = end.get("owner") or ""  # "": the exporter's own journal, a member's share ended
    reason = end.get("reason")
    if reason == "end date":
        how = f"its end date passed{when}"
    elif reason == "removed":
        how = f"{owner or 'you'} ended or changed the share{when}, as the signed access list says"
    elif reason == "dropped on the server's word" and owner:
        how = f"{owner}'s device removed you{when}, on the server's word that you had left"
    elif reason == "dropped on the server's word":
        how = f"one of your devices removed them{when}, on the server's word that they had left"
    elif reason == "no longer served":  # a record's neutral words (NU64 F21)
        since = (
            f"not served since {_minute(end['at'], tz)}"
            if end.get("at")
            else ("not served as of this export")
        )
        how = (
            f"{since} (the server's word; nothing the owner signed says so); "
            f"{owner or 'the owner'} may have ended or changed the share"
        )
    elif reason == "left":
        how = "you left the share"
    else:
        how = str(reason)
    return f"ended with the share: {how}; no longer due"


def _plan(plan: JSONObject) -> str:
    lines = [
        "## Safety plan",
        "",
        f"- emergency number: {plan['emergency_number'] or 'none set'}",
        f"- crisis line: {plan['crisis_line'] or 'none set'}",
        f"- safety flags shared: {'yes' if plan['share_flags'] else 'no'}",
    ]
    if plan["crisis_line_in_use"] and plan["crisis_line_in_use"] != plan["crisis_line"]:
        lines.append(f"- crisis line set by a therapist: {plan['crisis_line_in_use']}")
    if (plan["plan"] or "").strip():
        lines += ["", plan["plan"]]
    else:
        lines.append("- plan: none written yet")
    return "\n".join([*lines, ""])


def _flag(flag: JSONObject, tz: tzinfo | None) -> str:
    seen = ", ".join(f"{a['by']} {_minute(a['at'], tz)}" for a in flag["acknowledged"])
    lines = [
        f"## Safety flag: {_measure_name(flag['measure'])} item {flag['item']}, answer "
        f"{flag['answer']}",
        "",
        f"- raised: {_minute(flag['raised_at'], tz)}",
        f"- read by: {seen or 'nobody yet'}",
    ]
    return "\n".join([*lines, ""])


def _measure_name(measure: str) -> str:
    """ "PHQ-9" for "phq9" (NU50 F6: the flag's heading gave the raw id)."""
    from client_sdk.scoring import builtin_instruments

    found = builtin_instruments().get(measure)
    return found.name if found is not None else measure


def _private_note(note: JSONObject, tz: tzinfo | None) -> str:
    lines = [
        f"## {note['journal']}, {_minute(note['created_at'], tz)}",
        "",
        f"- id: {note['id']}",
        f"- client: {note['client']}",
        "",
        note["text"],
    ]
    return "\n".join([*lines, ""])
