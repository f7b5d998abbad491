"""Journals this account keeps only to share with one member: what refuses a write in them
(pure words).

`tj share --only` keeps a field-level copy of a journal for the member ("Personal (mood,
tags) for drlee", kind "mirror"), `tj share-entry` and `tj measure share` a journal of the
items shared one by one ("Shared with drlee", kind "items"), `tj brief` a journal per brief
("brief"). Only the SDK's own sharing code creates documents in them (`Replica.commit`'s
`copy`): an entry an app wrote there directly reached the member whole, text included, and
was left out of the owner's own lists over every journal (NU46 #4). Such a write, and an
edit of a copy made there, is refused with InvalidInput of subject COPY_JOURNAL, in these
words."""

from __future__ import annotations

from collections.abc import Sequence

from client_sdk.models import and_words, quoted_name

COPY_JOURNAL = "copy journal"
"""`TJError.subject` of the InvalidInput refusing a write in a journal kept for a member."""


def copy_write_refused(
    name: str,
    kind: str | None,
    member: str,
    source: str | None,
    fields: Sequence[str] = (),
    *,
    editing: bool = False,
) -> str:
    """Why nothing was written in `name`, a journal this account keeps for `member` (their
    username; "" when this device knows none) of `kind` ("mirror", "items", "brief"; None
    when its settings do not open here), and where to write instead: for a copy of some
    fields ("mirror"), its `source` journal's name (None: not on this device) and the
    `fields` it copies. `editing`: an edit of a document already in it (else a new one)."""
    whom = member or "a member"
    done = "nothing was changed" if editing else "nothing was written"
    if kind == "mirror":
        copied = f"the {and_words(fields)} of" if fields else "some fields of"
        origin = quoted_name(source) if source is not None else "a journal no longer on this device"
        head = (
            f"{quoted_name(name)} is the copy of {origin} kept for {whom}: it holds only {copied} that "
            f"journal's entries dated from the share's start, copied by the app, so {done}"
        )
        if source is None:
            return f"{head}. Write in one of your journals instead"
        if editing:
            return f"{head}. Edit the original entry in {quoted_name(source)} instead: its copy follows"
        return f"{head}. Write in {quoted_name(source)} instead: {whom} reads {copied} its entries"
    if kind == "items":
        head = (
            f"{quoted_name(name)} holds only what you share with {whom} one item at a time (an entry "
            f"or a measure's result), so {done}"
        )
        if editing:
            return f"{head}. Edit the original entry, then share it again"
        return f"{head}. Write in one of your journals, then share the entry from there"
    if kind == "brief":
        return f"{quoted_name(name)} is a pre-session brief you shared with {whom}, not a journal, so {done}"
    return (
        f"{quoted_name(name)} is kept for {whom} by your sharing, not written in by hand, so {done}"
    )
