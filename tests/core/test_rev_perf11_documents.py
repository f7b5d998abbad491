"""rev-perf11: 0f02a56 encodes a new document's update itself (yjs_binary.new_document_update)
for any value that passes `isinstance(value, str | int | list | tuple)`, reading a str
subclass through its own `encode`, an int subclass through `float()` and a list subclass
through iteration, where pycrdt reads the object's actual characters, digits and items.
The update is then sealed and sent without ever being applied anywhere (before 0f02a56,
pycrdt wrote it from a document it had applied). A str subclass passes the SDK's input
checks (`inputs.check_text` calls the same `encode`), so the bytes can differ from pycrdt's
and even not decode: the entry is then malformed on every device of the journal, and on
this one at its next read. Fails at 5bee784, passes at fa56c49."""

from __future__ import annotations

from client_sdk.documents import ENTRY, Document, EntryFields, entry_view, new_entry

DOC_ID = b"\x05" * 16


class Title(str):
    """A str whose own `encode` is not its characters' UTF-8 (a caller's wrapper type)."""

    def encode(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        return b"\xff\xfe"


class Count(int):
    def __float__(self) -> float:
        return 7.0


class Tags(list):  # type: ignore[type-arg]
    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(["other"])


def test_an_entry_titled_with_a_str_subclass_is_written_as_its_characters() -> None:
    document = Document(DOC_ID, ENTRY)
    update, view = new_entry(document, EntryFields(title=Title("hello"), body="b"), 5)
    elsewhere = Document.from_state(DOC_ID, ENTRY, update)  # IntegrityError: malformed
    assert entry_view(elsewhere).title == "hello"
    assert entry_view(document).title == "hello"


def test_subclassed_values_are_encoded_as_pycrdt_encodes_them() -> None:
    for fields in ({"n": Count(3)}, {"tags": Tags(["a", "b"])}):
        fast = Document(DOC_ID, ENTRY, client_id=1)
        slow = Document(DOC_ID, ENTRY, client_id=1)
        assert slow.client_id == 1  # pycrdt's document made: pycrdt writes the change
        assert fast.change(fields=fields) == slow.change(fields=fields), fields
