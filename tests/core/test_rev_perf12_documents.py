"""rev-perf12 F1 at unit level: a canonical update (exactly what `new_document_update`
writes) holding an array nested deep makes `read_new_document_update` and
`as_read_by_pycrdt` recurse past Python's limit; the RecursionError escapes
`Document.apply`, where pycrdt alone (5bee784) applied and read the same bytes."""

from __future__ import annotations

import pytest

from client_sdk.documents import Document
from client_sdk.errors import IntegrityError
from client_sdk.yjs_binary import read_new_document_update


def deep(depth: int, key: bytes) -> bytes:
    value = b"\x75\x01" * depth + b"\x7e"
    return (
        b"\x01\x01\x05\x00\x28\x01\x06fields" + bytes([len(key)]) + key + b"\x01" + value + b"\x00"
    )


@pytest.mark.parametrize("depth", [1500, 20_000])
def test_the_fast_reader_never_raises_on_a_deep_canonical_update(depth: int) -> None:
    update = deep(depth, b"mood")
    try:
        read_new_document_update(update)  # a value or None (pycrdt then reads it)
    except RecursionError:
        pytest.fail("read_new_document_update raised RecursionError")


@pytest.mark.parametrize(("depth", "key"), [(1500, b"mood"), (700, b"deleted")])
def test_a_deep_canonical_update_applies_as_pycrdt_applies_it(depth: int, key: bytes) -> None:
    document = Document(b"\x01" * 16, "entry")
    try:
        document.apply(deep(depth, key))
        document.removal_fields()
    except IntegrityError:
        pass  # refused as a malformed update: acceptable
    except RecursionError:
        pytest.fail("Document.apply let a RecursionError out")
