"""`frozen_init.filled_at_once`: a frozen dataclass given a faster `__init__` is the same
class as before in every way but speed (signature, frozenness, equality, hash, repr, copies,
pickling, `dataclasses.replace`), and a class it cannot make so is refused."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
import typing
from typing import Any

import pytest

from client_sdk import documents, models, records, replica, store, sync, wire
from client_sdk.frozen_init import filled_at_once

FILLED = (
    documents.EntryFields,
    documents.EntryView,
    models.Entry,
    records.RecordBody,
    records.Unverified,
    replica._OpenedEarly,
    store.NewDocument,
    store.SeenRecord,
    store.StoredDocument,
    sync.Arrival,
    wire.StoredRecord,
)


@dataclasses.dataclass(frozen=True)
class _Plain:
    name: str
    count: int = 3
    shown: bool = dataclasses.field(default=False, compare=False)
    secret: bytes = dataclasses.field(default=b"", repr=False)


@filled_at_once
@dataclasses.dataclass(frozen=True)
class _Filled:
    name: str
    count: int = 3
    shown: bool = dataclasses.field(default=False, compare=False)
    secret: bytes = dataclasses.field(default=b"", repr=False)


def test_the_faster_init_keeps_everything_the_generated_one_does() -> None:
    assert str(inspect.signature(_Filled)) == str(inspect.signature(_Plain))
    made = _Filled("a", 5, True, b"k")
    plain = _Plain("a", 5, True, b"k")
    assert vars(made) == vars(plain)
    assert _Filled("a") == _Filled("a", 3, False, b"")
    assert _Filled("a", shown=True) == _Filled("a")  # compare=False is kept
    assert _Filled("a") != _Filled("b")
    assert hash(_Filled("a", 5)) == hash(_Filled("a", 5))
    assert repr(made) == repr(plain).replace("_Plain", "_Filled")  # repr=False is kept
    assert copy.copy(made) == made and copy.deepcopy(made) == made
    assert pickle.loads(pickle.dumps(made)) == made
    replaced = dataclasses.replace(made, count=9)
    assert (replaced.name, replaced.count, replaced.secret) == ("a", 9, b"k")
    assert dataclasses.asdict(made) == dataclasses.asdict(plain)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.count = 4  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del made.name
    with pytest.raises(TypeError):
        _Filled()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        _Filled("a", 1, False, b"", "too many")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        _Filled("a", nickname="b")  # type: ignore[call-arg]


def test_each_class_given_it_keeps_its_signature_and_stays_frozen() -> None:
    for cls in FILLED:
        init = cls.__init__
        assert init.__code__.co_names == ("__dict__", "update"), cls  # filled at once
        assert init.__qualname__ == f"{cls.__qualname__}.__init__"
        names = [field.name for field in dataclasses.fields(cls)]
        assert list(inspect.signature(cls).parameters) == names
        for field in dataclasses.fields(cls):
            parameter = inspect.signature(cls).parameters[field.name]
            expected = (
                inspect.Parameter.empty if field.default is dataclasses.MISSING else field.default
            )
            assert parameter.default == expected, (cls, field.name)
            assert parameter.annotation == field.type, (cls, field.name)
        assert cls.__dataclass_params__.frozen  # type: ignore[union-attr]


def test_a_record_body_made_so_reads_compares_and_refuses_changes() -> None:
    fields: dict[str, Any] = {
        "author": b"\xaa" * 16,
        "device": b"\x03" * 16,
        "counter": 7,
        "doc_id": b"\x05" * 16,
        "doc_kind": "entry",
        "kind": records.UPDATE,
        "payload": b"payload",
        "written_at": 1_700_000_000_000,
    }
    body = records.RecordBody(*fields.values())
    assert {name: getattr(body, name) for name in fields} == fields
    assert (body.seen, body.covers, body.cut_epoch, body.compress) == ((), (), None, False)
    assert body == records.RecordBody(**fields)
    assert body != dataclasses.replace(body, counter=8)
    with pytest.raises(dataclasses.FrozenInstanceError):
        body.payload = b"other"  # type: ignore[misc]


def test_classes_it_cannot_make_faster_are_refused() -> None:
    @dataclasses.dataclass
    class Mutable:
        name: str

    @dataclasses.dataclass(frozen=True)
    class Checked:
        name: str

        def __post_init__(self) -> None:
            pass

    @dataclasses.dataclass(frozen=True)
    class Listed:
        names: list[str] = dataclasses.field(default_factory=list)

    @dataclasses.dataclass(frozen=True)
    class Derived:
        name: str
        size: int = dataclasses.field(default=0, init=False)

    @dataclasses.dataclass(frozen=True, kw_only=True)
    class Named:
        name: str

    @dataclasses.dataclass(frozen=True, slots=True)
    class Slotted:
        name: str

    @dataclasses.dataclass(frozen=True)
    class Own:
        name: str

        def __init__(self, name: str) -> None:
            object.__setattr__(self, "name", name.strip())

    class NotADataclass:
        pass

    for cls in (Mutable, Checked, Listed, Derived, Named, Slotted, Own, NotADataclass):
        with pytest.raises(TypeError):
            filled_at_once(cls)


def test_type_hints_of_the_new_init_resolve_in_the_class_module() -> None:
    """`typing.get_type_hints` and `inspect.signature(eval_str=True)` read the filled
    `__init__`'s annotations in the class's module, as for the generated one."""
    for cls in FILLED:
        hints = typing.get_type_hints(cls.__init__)
        assert set(hints) >= {item.name for item in dataclasses.fields(cls)}
        signature = inspect.signature(cls, eval_str=True)
        assert list(signature.parameters) == [item.name for item in dataclasses.fields(cls)]


def test_a_class_with_a_base_class_is_refused() -> None:
    """A field of a base class may be a slot or a descriptor that a value put in the
    instance's `__dict__` would never reach: refused rather than broken."""

    @dataclasses.dataclass(frozen=True, slots=True)
    class Base:
        name: str

    @dataclasses.dataclass(frozen=True)
    class Child(Base):
        other: int

    with pytest.raises(TypeError):
        filled_at_once(Child)
