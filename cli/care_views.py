"""How `tj assign`, `tj due` and `tj homework` show things: tables (cli/tables.py) and the
text of one piece of homework."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from cli import output
from cli.tables import DATE, FIXED, ID, NAME, Column, fitted

if TYPE_CHECKING:
    from client_sdk.schedule import Assignment, Due, HomeworkEntry


def every_text(assignment: Assignment) -> str:
    if not assignment.every_days:
        return "once"
    return "every day" if assignment.every_days == 1 else f"every {assignment.every_days} days"


def assignments_table(found: list[Assignment]) -> Table:
    columns = [ID, Column("journal", NAME), Column("what"), Column("by", NAME), Column("note")]
    return fitted(
        columns,
        (
            (
                output.short_id(item.id),
                item.journal,
                f"{item.title}, {every_text(item)}"
                + (" (cancelled)" if item.cancelled else "")
                + ("" if item.delivered else f" {output.NOT_DELIVERED_MARK}"),
                item.assigned_by,
                item.note,
            )
            for item in found
        ),
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
        [*columns, Column("completion", FIXED), Column("summary")],
        (
            (
                output.short_id(item.id),
                output.local_time(item.created_at),
                item.journal,
                item.template,
                item.completion,
                homework_summary(item),
            )
            for item in found
        ),
    )


def homework_summary(item: HomeworkEntry) -> str:
    """The sleep efficiency of a sleep diary, else the first field answered, in the
    template's order (the situation of a thought record, the activity of an activation)."""
    if "sleep_efficiency_percent" in item.computed:
        return f"sleep efficiency {item.computed['sleep_efficiency_percent']}%"
    for value in item.values.values():
        if value not in ("", None):
            return output.preview(value_text(value))
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
            f"scores: {who} will not see your result. To show it, run `tj measure share ID {who}`."
        )
    return (
        f"Note: {who} assigned {what} in {item.assignment.journal}, which does not carry "
        f"homework: {who} will not see it unless you share the journal with homework."
    )
