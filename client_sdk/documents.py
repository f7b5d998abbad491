"""Conflict-free documents (pycrdt, the Yjs/Yrs CRDT) and the entry view over them.

A document is general: a kind ("entry", later "goal", ...), last-writer-wins fields in the
map "fields", and mergeable text fields (Yjs `Text`). A record's payload is a Yjs update;
updates commute and are idempotent, so devices that saw the same records hold the same state.

Merge rules (protocol.md, "Documents"): concurrent text inserts are all kept; concurrent
writes of one field settle by Yjs' rule (the same on every device); `deleted` is only ever
set to true, so a delete racing an edit always wins and an entry never comes back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pycrdt import Doc, Map, Text

from client_sdk.errors import IntegrityError, InvalidInput

ENTRY = "entry"
MAX_TITLE = 200
MAX_BODY = 100_000
MAX_TAGS = 20
MAX_TAG = 40


class Document:
    """One CRDT document; every change returns the update bytes to put in a record."""

    def __init__(self, doc_id: bytes, kind: str) -> None:
        self.doc_id = doc_id
        self.kind = kind
        self._doc: Doc[Any] = Doc()
        self._fields = self._doc.get("fields", type=Map)

    @classmethod
    def from_state(cls, doc_id: bytes, kind: str, state: bytes) -> Document:
        document = cls(doc_id, kind)
        document.apply(state)
        return document

    def apply(self, update: bytes) -> None:
        """Merge an update (idempotent, commutative)."""
        try:
            self._doc.apply_update(update)
        except Exception:  # pycrdt raises a bare Exception subclass on malformed updates
            raise IntegrityError(
                f"document {self.doc_id.hex()} received a malformed update"
            ) from None

    def state(self) -> bytes:
        """The whole document as one update (a snapshot)."""
        return bytes(self._doc.get_update())

    def state_vector(self) -> bytes:
        return bytes(self._doc.get_state())

    def field(self, name: str, default: Any = None) -> Any:
        return self._fields.get(name, default)

    def text(self, name: str) -> str:
        return str(self._doc.get(name, type=Text))

    def change(
        self,
        fields: Mapping[str, Any] | None = None,
        texts: Mapping[str, str] | None = None,
        appends: Mapping[str, str] | None = None,
    ) -> bytes:
        """Apply local edits in one transaction and return the resulting update."""
        before = self._doc.get_state()
        with self._doc.transaction():
            for name, value in (fields or {}).items():
                self._fields[name] = value
            for name, new_text in (texts or {}).items():
                replace_text(self._doc.get(name, type=Text), new_text)
            for name, extra in (appends or {}).items():
                text = self._doc.get(name, type=Text)
                text.insert(len(text), extra)
        return bytes(self._doc.get_update(before))


def replace_text(text: Text, new: str) -> None:
    """Edit `text` into `new` touching only the changed middle, so concurrent edits merge.

    Yrs indexes text in UTF-8 bytes, so offsets are computed on the encoded strings.
    """
    old = str(text)
    if old == new:
        return
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[len(old) - 1 - suffix] == new[len(new) - 1 - suffix]:
        suffix += 1
    start = len(old[:prefix].encode())
    removed = len(old[prefix : len(old) - suffix].encode())
    inserted = new[prefix : len(new) - suffix]
    if removed:
        del text[start : start + removed]
    if inserted:
        text.insert(start, inserted)


# --- entries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryFields:
    """A validated set of entry field changes (None means "leave as is")."""

    title: str | None = None
    mood: int | None = None
    tags: tuple[str, ...] | None = None
    body: str | None = None
    append: str | None = None

    def validate(self) -> EntryFields:
        if self.title is not None and len(self.title) > MAX_TITLE:
            raise InvalidInput(f"a title has at most {MAX_TITLE} characters")
        if self.mood is not None and (
            isinstance(self.mood, bool)
            or not isinstance(self.mood, int)
            or not 1 <= self.mood <= 10
        ):
            raise InvalidInput("mood is a whole number from 1 to 10")
        if self.tags is not None:
            check_tags(self.tags)
        for text in (self.body, self.append):
            if text is not None and len(text) > MAX_BODY:
                raise InvalidInput(f"an entry has at most {MAX_BODY} characters")
        return self


def check_tags(tags: tuple[str, ...]) -> None:
    if len(tags) > MAX_TAGS:
        raise InvalidInput(f"an entry has at most {MAX_TAGS} tags")
    for tag in tags:
        if not tag.strip() or len(tag) > MAX_TAG:
            raise InvalidInput(f"a tag is 1 to {MAX_TAG} characters, not {tag!r}")


def new_entry_update(document: Document, fields: EntryFields, now_ms: int) -> bytes:
    fields.validate()
    return document.change(
        fields={
            "title": fields.title or "",
            "mood": fields.mood,
            "tags": list(fields.tags or ()),
            "created_at": now_ms,
            "updated_at": now_ms,
            "deleted": False,
        },
        texts={"body": fields.body or ""},
    )


def edit_entry_update(document: Document, fields: EntryFields, now_ms: int) -> bytes:
    fields.validate()
    changed: dict[str, Any] = {"updated_at": now_ms}
    if fields.title is not None:
        changed["title"] = fields.title
    if fields.mood is not None:
        changed["mood"] = fields.mood
    if fields.tags is not None:
        changed["tags"] = list(fields.tags)
    texts = {"body": fields.body} if fields.body is not None else None
    appends = {"body": fields.append} if fields.append is not None else None
    return document.change(fields=changed, texts=texts, appends=appends)


def delete_entry_update(document: Document, now_ms: int) -> bytes:
    return document.change(fields={"deleted": True, "updated_at": now_ms})


@dataclass(frozen=True)
class EntryView:
    """Plain values of an entry document at one moment."""

    id: bytes
    title: str
    body: str
    mood: int | None
    tags: tuple[str, ...]
    created_at: int
    updated_at: int
    deleted: bool


def entry_view(document: Document) -> EntryView:
    mood = document.field("mood")
    tags = document.field("tags") or []
    return EntryView(
        id=document.doc_id,
        title=str(document.field("title", "") or ""),
        body=document.text("body"),
        mood=int(mood) if isinstance(mood, (int, float)) and not isinstance(mood, bool) else None,
        tags=tuple(str(tag) for tag in tags) if isinstance(tags, list) else (),
        created_at=int(document.field("created_at", 0) or 0),
        updated_at=int(document.field("updated_at", 0) or 0),
        deleted=document.field("deleted") is True,
    )
