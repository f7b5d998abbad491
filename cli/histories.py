"""How `tj goal history`, `tj safety history` and `tj homework history` show the values this
device wrote to a document's settling fields (client_sdk/settling.py: `FieldWrite`), as `tj
history` shows an entry's: a table of when, which field, the value this device wrote and the
value the document holds now, oldest first; with --json, the document and its history.

A history holds only this device's own values (those it gave the document when it created
it, then its edits'): another device's values are not in it (each
device keeps its own), so a value another device's change replaced at a sync ("Settled: ...
This device had '112'") can be read again here, and nowhere else."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from cli import output
from cli.tables import FIXED, Column, fitted
from client_sdk.settling import value_text

if TYPE_CHECKING:
    from client_sdk import FieldWrite

GONE = object()
"""A field the document no longer has (a check-in deleted since): "not there now"."""


def history_json(kind: str, document: dict[str, Any], writes: Sequence[FieldWrite]) -> None:
    """`{kind: document, "history": [FieldWrite.to_dict(), ...]}` on stdout, as `tj history
    --json` gives an entry's (`{"entry": ..., "history": [...], ...}`)."""
    output.print_json({kind: document, "history": [write.to_dict() for write in writes]})


def value_words(field: str, value: Any) -> str:
    """A field's value in plain words: "none" for no value, "on"/"off" for the safety-flag
    opt-in, "yes"/"no" for a homework's yes/no field, a list joined (`settling.value_text`); "not there now" for a field the document
    no longer has (GONE)."""
    if value is GONE:
        return "not there now"
    if isinstance(value, bool):  # a homework's yes/no as `tj homework show` says it
        if field.startswith("values."):
            return "yes" if value else "no"
        return "on" if value else "off"
    return value_text(field, value, output.local_time)


def print_history(
    writes: Sequence[FieldWrite],
    now: Mapping[str, Any],
    field_words: Callable[[str], str],
    never: str,
) -> None:
    """The history as a table fitted to the terminal (when, field, value this device wrote,
    now), as `tj history` prints an entry's; `now` maps each field to the value the
    document holds (a field not in it: GONE). With no write, `never` on stderr."""
    if not writes:
        output.message(never)
        return
    columns = [Column("when", FIXED), Column("field", FIXED)]
    table = fitted(
        [*columns, Column("value this device wrote"), Column("now")],
        (
            (
                output.local_time(write.at),
                field_words(write.field),
                value_words(write.field, write.value),
                value_words(write.field, now.get(write.field, GONE)),
            )
            for write in writes
        ),
    )
    output.print_table(table)
