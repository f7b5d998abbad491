"""How `tj assign`, `tj due` and `tj homework` show things: tables (cli/tables.py) and the
text of one piece of homework."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.table import Table

from cli import output
from cli.tables import DATE, FIXED, ID, NAME, Column, fitted
from client_sdk.care_terms import NOT_IN_COPY, UNSEEN_IN_COPY

if TYPE_CHECKING:
    from client_sdk.schedule import Assignment, Due, HomeworkEntry, ShareEnded


def every_text(assignment: Assignment) -> str:
    if not assignment.every_days:
        return "once"
    return "every day" if assignment.every_days == 1 else f"every {assignment.every_days} days"


def schedule_of(item: Assignment, due: dict[str, Due]) -> dict[str, Any]:
    """Where an assignment stands, for `tj assignments --json` (NU43 #6): "status", "due_at"
    and "last_done" of `client_sdk.schedule.standing`, the same as an export writes. `due`:
    the journals' `Assignments.due(..., include_upcoming=True, include_done=True,
    include_ended=True)` by assignment id."""
    from client_sdk.schedule import standing

    return standing(item, due.get(item.id))


def assignments_table(
    found: list[Assignment],
    due: dict[str, Due] | None = None,
    me: str = "",
    *,
    one_journal: bool = False,
) -> Table:
    """Assignments with where each stands (`schedule_of`): "OVERDUE 2026-12-01 09:00", "due
    ...", "next ...", "done", and the last completion; the "by" column only when someone
    other than `me` (this account's name) made one of them (NU43 #6: "by drruiz" filled a
    column of the therapist's own list), the "note" column only when one has a note, and
    the "journal" column unless every assignment is in one journal that was asked for
    (`one_journal`: --journal) or is this account's own, as `tj list` leaves it (NU48 #12:
    at 80 columns an empty note column broke "mia/" over "Personal")."""
    due = due or {}
    others = any(item.assigned_by != me for item in found)
    noted = any(item.note for item in found)
    journals = {item.journal_id for item in found}
    own = all("/" not in item.journal for item in found)
    journal = not (len(journals) <= 1 and (one_journal or own))
    columns = [ID, *([Column("journal", NAME)] if journal else [])]
    columns += [Column("what"), Column("status", FIXED), Column("last done", FIXED)]
    columns += [Column("by", NAME)] if others else []
    return fitted(
        [*columns, *([Column("note")] if noted else [])],
        (
            (
                output.short_id(item.id),
                *([item.journal] if journal else []),
                f"{item.title}, {every_text(item)}"
                + ("" if item.delivered else f" {output.NOT_DELIVERED_MARK}"),
                status_words(item, due),
                _last_done(item, due),
                *([item.assigned_by] if others else []),
                *([item.note] if noted else []),
            )
            for item in found
        ),
    )


def status_words(item: Assignment, due: dict[str, Due]) -> str:
    """ "OVERDUE 2026-12-01 09:00", "due 2026-12-04 09:00", "next 2026-12-11 09:00", "done",
    "cancelled", "ended with the share", "done, then the share ended" (a one-off done
    before its share ended: done stays done, NU46 #6) (local times)."""
    found = due.get(item.id)
    if item.cancelled:
        return "cancelled"
    done = found is not None and found.status == "done"
    if item.share_ended is not None:
        return "done, then the share ended" if done else "ended with the share"
    if found is None:
        return "-"
    if done:
        return "done"
    if not found.seen_by_assigner:  # REV-CARE4 F1: never a false OVERDUE
        if "/" not in item.journal:  # the client's own journal: the assigner does not see it
            return f"{item.assigned_by} will not see it done: {not_carried(item)}"
        return unseen_in_copy(item, found)
    word = {"overdue": "OVERDUE", "due": "due", "upcoming": "next"}.get(found.status, found.status)
    return f"{word} {output.local_time(found.due_at)}"


def unseen_in_copy(item: Assignment, due: Due | None = None) -> str:
    """The status of `item`, made in a copy a client keeps for this therapist, while nothing
    that completes it has reached them in that copy: "not seen: no result has reached you in
    this copy yet (results reach you only if the client shares scores with you)"
    (`care_terms.UNSEEN_IN_COPY`); "cannot be seen in this copy: ..." where the copy's name
    says it never carries what completes it (`Due.copy_carries`, `care_terms.NOT_IN_COPY`),
    told apart from one not done."""
    kind = "measure" if item.type == "measure" else "homework"
    if due is not None and not due.copy_carries:
        return NOT_IN_COPY[kind]
    return f"not seen: {UNSEEN_IN_COPY[kind]}"


def not_carried(item: Assignment) -> str:
    """Why the assigner of `item` (in the client's own journal) does not see it done, in
    the client's words: "what you share with them carries no scores" (or "no homework")."""
    what = "scores" if item.type == "measure" else "homework"
    return f"what you share with them carries no {what}"


def _last_done(item: Assignment, due: dict[str, Due]) -> str:
    found = due.get(item.id)
    if found is not None and found.last_done is not None:
        return output.local_time(found.last_done)
    if found is not None and not found.seen_by_assigner:
        return "-"
    return "never" if found is not None else "-"


ENDED_TOLD_DAYS = 30
"""`tj due` tells of assignments that ended with their share for this many days after the
end (always when the end's date is unknown); `tj assignments` counts them whenever."""


def ended_lines(ended: list[Assignment], due: dict[str, Due] | None = None) -> list[str]:
    """Assignments that ended with their share (NU22 C10), one line per journal, assigner and
    ending: what ended (with "(done 2026-12-04 23:38)" for a one-off done before, as `due`,
    their `Assignments.due(..., include_done=True, include_ended=True)` by id, says: NU46 #6),
    how and when (the owner-signed access chain's word, or the server's when said so), and
    that they no longer count as due."""
    groups: dict[tuple[str, str, ShareEnded], list[Assignment]] = {}
    for item in ended:
        assert item.share_ended is not None
        groups.setdefault((item.journal, item.assigned_by, item.share_ended), []).append(item)
    lines = []
    for (journal, by, end), items in groups.items():
        what = ", ".join(
            f"{item.title} {every_text(item)}{_done_text(item, due or {})}" for item in items
        )
        one = len(items) == 1
        count = "assignment" if one else f"{len(items)} assignments"
        are, they = ("is", "it") if one else ("are", "they")
        if end.owner and end.reason == "left":  # this account left it (NU35 #6)
            lines.append(
                f"Ended: your {count} in {owners_journal(end.owner, journal)} ({what}) ended "
                f"when you left this share ({output.command_text('tj leave')}); {they} can no longer be "
                "cancelled here, only listed."
            )
        elif end.owner and end.reason == "no longer served":  # the server's word only
            lines.append(
                f"Ended: your {count} in {owners_journal(end.owner, journal)} ({what}) {are} "
                "no longer due: "
                f"{member_end_text(end, journal)}; {they} can no longer be cancelled "
                "here, only listed."
            )
        elif end.owner:  # this account's share of the owner's journal, by the signed chain
            lines.append(
                f"Ended: your {count} in {journal} ({what}) ended with your share: "
                f"{member_end_text(end, journal)}; {they} no longer count{'s' if one else ''} "
                f"as due for {end.owner} and can no longer be cancelled."
            )
        else:
            lines.append(
                f"Ended: {by}'s {count} in {journal} ({what}) {are} no longer due: "
                f"{owner_end_text(end, by, journal)}."
            )
    return lines


def _done_text(item: Assignment, due: dict[str, Due]) -> str:
    found = due.get(item.id)
    if found is None or found.status != "done" or found.last_done is None:
        return ""
    return f" (done {output.local_time(found.last_done)})"


def owner_end_text(end: ShareEnded, member: str, journal: str) -> str:
    """How a member's share of this account's journal ended, as its signed chain says."""
    when = output.local_time(end.at) if end.at else "a date this device cannot read"
    if end.reason == "end date":
        return f"{member}'s share of {journal} ended on its end date, {when}"
    if end.reason == "dropped on the server's word":
        return (
            f"one of your devices removed {member} from {journal} on {when}, on the server's "
            f"word that they no longer read it"
        )
    return f"{member}'s share of {journal} ended on {when} (ended or changed by you)"


def owners_journal(owner: str, journal: str) -> str:
    """The journal shown as "ana/Personal" as "ana's 'Personal'": its name quoted, as the
    SDK's departure sentences to a member say it (`Departure.describe`: "the server no
    longer serves ana's 'Personal' to you"), so that a name with spaces or an apostrophe
    reads as one."""
    return f"{owner}'s {output.quoted(journal.removeprefix(owner + '/'))}"


def member_end_text(end: ShareEnded, journal: str) -> str:
    """How this account's share of another account's journal ended, and whose word it is: for
    a copy its owner replaced (`ShareEnded.replaced_by`, from the owner-signed chains), by
    what, named, as `tj sync`'s notice says it ("a new copy")."""
    when = output.local_time(end.at) if end.at else ""
    if end.replaced_by:
        new = owners_journal(end.owner, end.replaced_by)
        if end.reason == "end date":
            return f"its end date passed ({when}), and {end.owner} replaced it by {new}"
        if end.reason == "removed":
            return f"{end.owner} replaced it by {new} on {when} (as {end.owner}'s signed access list says)"
        return (
            f"{end.owner} replaced it by {new}, a newer copy {end.owner} signed for you (the server no "
            "longer serves the earlier one)"
        )
    if end.reason == "end date":
        return f"{end.owner}'s share with you ended on its end date, {when}"
    if end.reason == "removed":
        return f"{end.owner} ended your share on {when} (as {end.owner}'s signed access list says)"
    if end.reason == "dropped on the server's word":
        return (
            f"{end.owner}'s device removed you on {when}, on the server's word that you had "
            "left (not a decision of theirs)"
        )
    return (
        f"the server no longer serves {owners_journal(end.owner, journal)} to you, while "
        f"{end.owner}'s signed access list "
        f"on this device still shows the share ({end.owner} may have ended or narrowed it, "
        "or the server is withholding it)"
    )


def due_table(found: list[Due]) -> Table:
    columns = [ID, Column("status", FIXED), Column("due", FIXED), Column("what")]
    columns += [Column("journal", NAME), Column("by", NAME)]
    return fitted(
        columns,
        (
            (
                output.short_id(item.assignment.id),
                item.status.upper() if item.status == "overdue" else item.status,
                output.local_time(item.due_at),
                f"{item.assignment.title}, {every_text(item.assignment)}"
                + (f': "{item.assignment.note}"' if item.assignment.note else ""),
                item.assignment.journal,
                item.assignment.assigned_by,
            )
            for item in found
        ),
    )


def homework_table(found: list[HomeworkEntry]) -> Table:
    columns = [ID, DATE, Column("journal", NAME), Column("template", FIXED)]
    return fitted(
        [*columns, Column("completion", FIXED), Column("summary", cut=True)],
        (
            (
                output.short_id(item.id),
                output.local_time(item.created_at),
                item.journal,
                item.template,
                item.completion,
                homework_summary(item, output.LISTED),
            )
            for item in found
        ),
    )


def homework_summary(item: HomeworkEntry, width: int = 40) -> str:
    """The sleep efficiency of a sleep diary, else the first field answered, in the
    template's order (the situation of a thought record, the activity of an activation), on
    one line cut at `width` characters (`tj homework list` gives output.LISTED: its table
    cuts it to the column's width, NU36 #8: it was cut at 40, then wrapped)."""
    if "sleep_efficiency_percent" in item.computed:
        return f"sleep efficiency {item.computed['sleep_efficiency_percent']}%"
    for value in item.values.values():
        if value not in ("", None):
            return output.preview(value_text(value), width)
    return ""


def homework_text(item: HomeworkEntry) -> str:
    """The header, then each field answered as its template label and the value below it,
    in the template's order (`tj homework templates`), then the computed values."""
    lines = [
        f"id:         {item.id}",
        f"homework:   {item.title}",
        f"journal:    {item.journal}",
        f"written:    {output.local_time(item.created_at)}",
        f"completion: {item.completion}",
    ]
    from client_sdk.templates import COMPUTED_LABELS, template

    labels = {spec.id: spec.label for spec in template(item.template).fields}
    for field_id, value in item.values.items():
        lines += ["", labels.get(field_id, field_id.replace("_", " ").capitalize())]
        lines += [f"  {line}" for line in value_text(value).splitlines() or [""]]
    for field_id, value in item.computed.items():
        lines += ["", COMPUTED_LABELS.get(field_id, field_id.replace("_", " ").capitalize())]
        lines.append(f"  {value_text(value)}")
    return "\n".join(lines)


def value_text(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def unseen_text(item: Due) -> str:
    """Why a therapist will not see what completes an assignment, and what to do."""
    who, what = item.assignment.assigned_by, item.assignment.title
    if item.assignment.type == "measure":
        return (
            f"Note: {who} assigned {what} in {item.assignment.journal}, which does not carry "
            f"scores: {who} will not see your result. To show it, run "
            f"{output.command(['tj', 'measure', 'share', 'ID', who])}."
        )
    return (
        f"Note: {who} assigned {what} in {item.assignment.journal}, which does not carry "
        f"homework: {who} will not see it unless you share the journal with homework."
    )
