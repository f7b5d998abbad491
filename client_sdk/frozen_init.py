"""A faster `__init__` for the frozen dataclasses made once per pulled record or entry written
(issue 10).

A frozen dataclass's generated `__init__` sets each field with `object.__setattr__` (the
class's own `__setattr__` refuses): a call through a slot wrapper per field, about 0.2 µs each
on CPython 3.11, so 2.6 µs for `records.RecordBody`'s 13 fields where one update of the
instance's `__dict__` takes about 0.7. A fresh pull made seven such objects per record, 67
fields in all: some 12% of its event loop thread's CPU; an `entries.write` made four
(`documents.EntryFields`, `documents.EntryView`, `store.NewDocument`, the `models.Entry` it
returns: 50 fields), about 3% of its instructions. `filled_at_once` gives such a class an
`__init__` of the same signature (the same names, order and defaults) that fills the
instance's `__dict__` at once. Nothing else changes: the class stays frozen (assigning or
deleting a field still raises dataclasses.FrozenInstanceError), and compares, hashes, prints,
copies, pickles and goes through `dataclasses.replace` as before, and `typing.get_type_hints`
reads its `__init__` in the class's module (tests/core/test_frozen_init.py). What it costs:
an instance's `__dict__` is a dict of its own (~560 bytes for `RecordBody` or `Arrival`
instead of ~220 with the keys shared between instances), so a 10,000-entry pull's
`SyncReport.arrivals` holds ~5.6 MB until the report is dropped instead of ~2.2, and an `Entry`
takes ~460 bytes instead of ~300 (10,000 entries listed: ~1.7 MB more).
"""

from __future__ import annotations

import dataclasses
import sys
import types
from typing import Any, TypeVar

T = TypeVar("T")


def filled_at_once(cls: type[T]) -> type[T]:
    """`cls` (a frozen dataclass with a generated `__init__`) with an `__init__` of the same
    signature that sets every field in one update of the instance's `__dict__`. Applied on
    top of `@dataclass(frozen=True)`. Raises TypeError for any other class, and for one whose
    `__init__` does more than set its fields: a `__post_init__`, a field left out of
    `__init__`, with a default factory or keyword-only, slots, a base class (whose slots or
    descriptors a field in `__dict__` would miss), or a field named `self`."""
    params = getattr(cls, "__dataclass_params__", None)
    if (
        params is None
        or "__dataclass_params__" not in cls.__dict__
        or not params.frozen
        or not params.init
        or cls.__mro__[1:] != (object,)
        or "__slots__" in cls.__dict__
        or hasattr(cls, "__post_init__")
        or _written_by_hand(cls)
    ):
        raise TypeError(f"{cls.__qualname__} is not a plain frozen dataclass")
    names: list[str] = []
    parameters: list[str] = []
    namespace: dict[str, Any] = {}
    for item in dataclasses.fields(cls):  # type: ignore[arg-type]  # a dataclass, checked
        if (
            not item.init
            or item.kw_only
            or item.default_factory is not dataclasses.MISSING
            or item.name == "self"
        ):
            raise TypeError(f"{cls.__qualname__}.{item.name}: not a plain field")
        names.append(item.name)
        if item.default is dataclasses.MISSING:
            parameters.append(item.name)
        else:
            namespace[f"_default_{item.name}"] = item.default
            parameters.append(f"{item.name}=_default_{item.name}")
    values = ", ".join(f"{name!r}: {name}" for name in names)
    source = (
        f"def __init__(self, {', '.join(parameters)}):\n    self.__dict__.update({{{values}}})\n"
    )
    exec(source, namespace)  # noqa: S102 - code made from the field names only, as dataclasses does
    made = namespace["__init__"]
    # the class's module as its globals, where `typing.get_type_hints` resolves annotations
    module_globals = vars(sys.modules[cls.__module__])
    init = types.FunctionType(made.__code__, module_globals, "__init__", made.__defaults__)
    generated = cls.__dict__["__init__"]
    init.__qualname__ = generated.__qualname__
    init.__module__ = cls.__module__
    init.__annotations__ = dict(generated.__annotations__)
    type.__setattr__(cls, "__init__", init)
    return cls


def _written_by_hand(cls: type) -> bool:
    """Whether `cls` has no `__init__` of its own, or one written in its module's source
    (dataclass leaves such an `__init__` as it is): not the one dataclass generated."""
    init = cls.__dict__.get("__init__")
    code = getattr(init, "__code__", None)
    module = sys.modules.get(cls.__module__)
    return code is None or code.co_filename == getattr(module, "__file__", None)
