"""`archive.Fields`, the checked reading of an export's JSON objects: a field missing, of
the wrong type or too long is refused naming where it is (pure)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

import pytest

from client_sdk.archive import Fields
from client_sdk.errors import InvalidInput


class _Only(Mapping[str, Any]):
    """A mapping that is not a dict, as any Mapping an app may hand in."""

    def __init__(self, **values: Any) -> None:
        self._values = values

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


@pytest.mark.parametrize("make", [dict, MappingProxyType, lambda d: _Only(**d)])
def test_a_field_is_read_or_refused_naming_where_it_is(make: Any) -> None:
    fields = Fields(make({"title": "Day", "mood": 3, "none": None, "long": "x" * 11}), "e[2]")
    assert fields.raw("mood") == 3 and fields.text("title") == "Day"
    assert fields.optional_text("none") is None
    with pytest.raises(InvalidInput, match=r"^e\[2\] lacks 'body'$"):
        fields.text("body")
    with pytest.raises(InvalidInput, match=r"^e\[2\] lacks 'body'$"):
        fields.raw("body")
    with pytest.raises(InvalidInput, match=r"^e\[2\]: 'mood' should be a string of at most"):
        fields.text("mood")
    with pytest.raises(InvalidInput, match=r"^e\[2\]: 'long' should be a string of at most 10 "):
        fields.text("long", 10)
    assert fields.text("long", 11) == "x" * 11
