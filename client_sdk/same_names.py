"""Journals of one account that share a name (NU22 C15: the same name given on two devices
offline), in words that name no app's commands: an app adds its own ways to name one and to
rename one (NU45 #4: "`--journal 45cf16150615`" and "`tj journal rename ...`" were said to
every app's user). `SyncReport.same_names` lists them; `SameJournalName` is the error a name
that names several of them raises.

Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from client_sdk.models import ID_SHOWN, quoted_name


def shown_ids(journal_ids: list[bytes] | tuple[bytes, ...]) -> list[str]:
    """The journals' ids as these sentences show them, sorted."""
    return sorted(j.hex()[:ID_SHOWN] for j in journal_ids)


def same_name_text(name: str, journal_ids: list[bytes], *, pick: str = "", rename: str = "") -> str:
    """Why a name names no single journal, and how to tell them apart: "2 journals are named
    'Dreams' (ids 45cf16150615, 77380896157d): name one by its id, or the start of it, and
    give one of them another name". `pick` (how the app names a journal by its id, with the
    first id: the CLI's "`--journal 45cf16150615`") is added in parentheses after "the start
    of it"; `rename` (how to rename one, with the last id: the CLI's "`tj journal rename
    77380896157d NEW-NAME`") after "give one another name with"."""
    ids = shown_ids(journal_ids)
    how_pick = f" ({pick})" if pick else ""
    how_rename = (
        f"give one another name with {rename}" if rename else "give one of them another name"
    )
    return (
        f"{len(ids)} journals are named {quoted_name(name)} (ids {', '.join(ids)}): name one by its id, "
        f"or the start of it{how_pick}, and {how_rename}"
    )


@dataclass(frozen=True)
class SameName:
    """Two or more of this account's own journals named `name` (ignoring case), each made on
    a device that did not know of the other: `journal_ids` (full ids, sorted), for an app
    that offers to rename one (`client.journals.rename(journal_ids[1].hex(), ...)`) or lists
    them. Told by every sync while the names clash (`SyncReport.same_names`). `str()` is
    `line()`."""

    name: str
    journal_ids: tuple[bytes, ...]

    def ids(self) -> list[str]:
        """The journals' ids as `line` shows them (12 hex digits), sorted."""
        return shown_ids(self.journal_ids)

    def line(self, *, pick: str = "", rename: str = "") -> str:
        """The sentence to show (`same_name_text`, with `pick` and `rename` in the app's
        words when given), then that each keeps its own entries: "2 journals are named
        'Dreams' (ids 45cf16150615, 77380896157d): name one by its id, or the start of it,
        and give one of them another name; each keeps its own entries, and a share of one
        shares only that one"."""
        said = same_name_text(self.name, list(self.journal_ids), pick=pick, rename=rename)
        return f"{said}; each keeps its own entries, and a share of one shares only that one"

    def __str__(self) -> str:
        return self.line()

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict: ids as hex."""
        return {"name": self.name, "journal_ids": [j.hex() for j in self.journal_ids]}


def copy_same_name_text(
    name: str, journal_ids: list[bytes], copies: frozenset[bytes], *, listed: str = ""
) -> str:
    """Why a name a read-only copy shares with another journal names neither for what
    destroys data (`Context.local_journal`'s `strict`, NU36 #1), with every id and which
    are copies (`copies`): "2 journals are named 'Dreams' on this device (ids 94fb60f0f9ef,
    e8f46fcd7a6b (a read-only copy)): name the one you mean by its id (the list of journals
    shows which is which); nothing was changed". `listed`: where the app lists them with
    their ids (the CLI: "`tj journal list`"; default "the list of journals")."""
    ids = sorted(
        (j.hex()[:ID_SHOWN], " (a read-only copy)" if j in copies else "") for j in journal_ids
    )
    said = ", ".join(f"{i}{copy}" for i, copy in ids)
    return (
        f"{len(ids)} journals are named {quoted_name(name)} on this device (ids {said}): name the one "
        f"you mean by its id ({listed or 'the list of journals'} shows which is which); "
        "nothing was changed"
    )
