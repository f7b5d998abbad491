"""Decoding a wire message from msgpack, guided by its schema (protocol.md 2.2).

The bytes are read value by value with msgpack's streaming Unpacker, and a value is built
only where the message's schema expects one of its type, after the size of each list has
been checked against its limit. So decoding costs memory and time in proportion to the
message the body can legally be, never to the number of values a hostile body packs into
16 MiB: sixteen million empty maps used to become sixteen million dicts (1.2 GB) before any
check (R9 finding 5); now such a body is refused at its first byte.

Errors keep the strict order of protocol.md 2.2: a body that is not one well-formed msgpack
value is `malformed_body` whatever else is wrong with it (checked without building anything,
`Unpacker.skip`), then the schema's `invalid_field`, `missing_field` and `too_large`.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections.abc import Callable
from typing import Any, TypeVar

import msgpack

M = TypeVar("M")


class WireError(Exception):
    """A message does not fit its schema. `code` is stable and listed in protocol.md."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


MALFORMED = "the body is not valid msgpack"
# What the Unpacker raises for bytes that are not msgpack (truncated, invalid UTF-8, a byte
# msgpack never uses, nesting deeper than its stack).
UNPACK_ERRORS = (ValueError, msgpack.UnpackException, TypeError, RecursionError)


def read_message(cls: type[M], raw: bytes) -> M:
    """Decode `raw` (one msgpack map) as the message class `cls`, or raise WireError."""
    # `unpack` builds one scalar at a time: any non-empty map, array or ext is refused
    # (ValueError) before it is built; maps and arrays are entered with read_*_header only
    # where the schema has one, after their size is checked.
    unpacker = msgpack.Unpacker(
        raw=False,
        max_buffer_size=max(len(raw), 1),
        max_array_len=0,
        max_map_len=0,
        max_ext_len=0,
    )
    unpacker.feed(raw)
    reader = _Reader(unpacker)
    try:
        message = reader.message(cls, "body")
        if unpacker.tell() != len(raw):
            raise WireError("malformed_body", MALFORMED)  # bytes after the value
    except WireError as error:
        if error.code != "malformed_body" and not well_formed(raw):
            raise WireError("malformed_body", MALFORMED) from None
        raise
    except UNPACK_ERRORS:
        raise WireError("malformed_body", MALFORMED) from None
    return message


def well_formed(raw: bytes) -> bool:
    """Whether `raw` is exactly one msgpack value; nothing is built (C speed, about 70 ms for
    16 MiB of one-byte values)."""
    unpacker = msgpack.Unpacker(raw=False, max_buffer_size=max(len(raw), 1))
    unpacker.feed(raw)
    try:
        unpacker.skip()
    except UNPACK_ERRORS:
        return False
    return bool(unpacker.tell() == len(raw))


Path = str | tuple["Path", str | int]
"""Where a value is in the message, for error messages: "body", or (parent, field name) or
(parent, list index), put into words (`_words`) only when an error names it, not formatted
for every value up front (issue 10: about 7% of decoding a page of records)."""


def _words(path: Path) -> str:
    """`body.pages[0].records[3].seq` for (((("body", "pages"), 0), "records"), 3), "seq")."""
    if isinstance(path, str):
        return path
    parent, step = path
    return f"{_words(parent)}[{step}]" if isinstance(step, int) else f"{_words(parent)}.{step}"


@functools.cache
def _spec(cls: type) -> tuple[dict[str, tuple[Any, Any]], tuple[str, ...]]:
    """A message class's fields, name -> (resolved type, limits), and its required names in
    declaration order (resolving type hints is slow; they never change)."""
    hints = typing.get_type_hints(cls)
    declared = dataclasses.fields(cls)
    fields = {f.name: (hints[f.name], f.metadata) for f in declared}
    required = tuple(
        f.name
        for f in declared
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    )
    return fields, required


class _Reader:
    """Reads one message from `unpacker` (see read_message for its settings)."""

    def __init__(self, unpacker: msgpack.Unpacker) -> None:
        self._unpacker = unpacker

    def _header(self, read: Any, path: Path, expected: str) -> int:
        try:
            size: int = read()
        except ValueError:  # "Unexpected type header on stream"
            raise WireError("invalid_field", f"{_words(path)} must be {expected}") from None
        return size

    def message(self, cls: type[M], path: Path) -> M:
        unpacker = self._unpacker
        try:
            size: int = unpacker.read_map_header()  # `_header`, written out (issue 10)
        except ValueError:  # "Unexpected type header on stream"
            raise WireError("invalid_field", f"{_words(path)} must be a map") from None
        readers, required = _plan(cls)  # type: ignore[arg-type]  # classes are hashable
        unpack = unpacker.unpack
        values: dict[str, Any] = {}
        for _ in range(size):
            try:
                name = unpack()
            except ValueError:  # invalid UTF-8, or a map or array as a key
                raise WireError("malformed_body", MALFORMED) from None
            read = readers.get(name) if isinstance(name, str) else None
            if read is None:
                if not isinstance(name, str | bytes):
                    raise WireError("malformed_body", MALFORMED)  # protocol.md 2.2: str keys
                raise WireError(
                    "invalid_field", f"{_words(path)} has unknown field {str(name)[:40]!r}"
                )
            if name in values:
                raise WireError("invalid_field", f"{_words(path)} has field {name!r} twice")
            values[name] = read(self, (path, name))
        if len(values) != len(readers):  # else every field, the required ones among them
            for name in required:
                if name not in values:
                    raise WireError("missing_field", f"{_words(path)}.{name} is required")
        return cls(**values)

    def value(self, hint: Any, limits: Any, path: Path) -> Any:
        """The next value as `hint` (a field's resolved type) within `limits`."""
        return _value_reader(hint, limits)(self, path)

    def items(self, item: Reader, limits: Any, path: Path) -> list[Any]:
        size = self._header(self._unpacker.read_array_header, path, "a list")
        _check_size(size, limits, path, "items")  # before a single item is built
        return [item(self, (path, i)) for i in range(size)]


Reader = Callable[[_Reader, Path], Any]
"""Reads the next value of one field's type, checked against the field's limits."""


@functools.cache
def _plan(cls: type) -> tuple[dict[str, Reader], tuple[str, ...]]:
    """A message class's reader of each field by name, and its required names: made once per
    class (issue 10: deciding a value's type from its hint, for every value of every record
    of a page, was about a third of decoding one)."""
    fields, required = _spec(cls)
    return {name: _value_reader(hint, limits) for name, (hint, limits) in fields.items()}, required


def _value_reader(hint: Any, limits: Any) -> Reader:
    # A scalar is read by one function, its steps written out in it (issue 10: a page of
    # records reads several scalars a record, and each call a scalar went through, from
    # the field's reader to a method of `_Reader` to its `_scalar`, was about a fifth of
    # decoding it). Errors, and their order, are as before.
    if hint is bytes:
        return _binary_reader(limits)
    if hint is int:
        return _integer_reader(limits)
    if hint is str:
        return _text_reader(limits)
    if hint is bool:
        return _flag
    if typing.get_origin(hint) is list:
        (item_hint,) = typing.get_args(hint)
        item = _value_reader(item_hint, limits.get("item", {}) if limits else {})
        return lambda reader, path: reader.items(item, limits, path)
    if dataclasses.is_dataclass(hint):
        return lambda reader, path: reader.message(hint, path)  # type: ignore[arg-type]
    raise TypeError(f"unsupported wire type {hint!r}")  # a bug in a message definition


def _next_scalar(reader: _Reader, path: Path, expected: str) -> Any:
    """The next value, if it is a scalar (or an empty map or array)."""
    try:
        return reader._unpacker.unpack()
    except UnicodeDecodeError:
        raise WireError("malformed_body", MALFORMED) from None
    except ValueError:  # a map, array or ext: not built
        raise WireError("invalid_field", f"{_words(path)} must be {expected}") from None


def _binary_reader(limits: Any) -> Reader:
    """Reads binary within `limits` (its length)."""
    lo, hi = (limits["lo"], limits["hi"]) if limits else (0, -1)

    def read(reader: _Reader, path: Path) -> bytes:
        try:
            data = reader._unpacker.unpack()
        except UnicodeDecodeError:
            raise WireError("malformed_body", MALFORMED) from None
        except ValueError:  # a map, array or ext: not built
            raise WireError("invalid_field", f"{_words(path)} must be binary") from None
        if not isinstance(data, bytes):
            raise WireError("invalid_field", f"{_words(path)} must be binary")
        if limits and not lo <= len(data) <= hi:
            _check_size(len(data), limits, path, "bytes")
        return data

    return read


def _integer_reader(limits: Any) -> Reader:
    """Reads an integer (not a bool) within `limits`."""
    lo, hi = (limits["lo"], limits["hi"]) if limits else (0, -1)

    def read(reader: _Reader, path: Path) -> int:
        try:
            number = reader._unpacker.unpack()
        except UnicodeDecodeError:
            raise WireError("malformed_body", MALFORMED) from None
        except ValueError:  # a map, array or ext: not built
            raise WireError("invalid_field", f"{_words(path)} must be an integer") from None
        if not isinstance(number, int) or isinstance(number, bool):
            raise WireError("invalid_field", f"{_words(path)} must be an integer")
        if limits and not lo <= number <= hi:
            raise WireError("invalid_field", f"{_words(path)} must be between {lo} and {hi}")
        return number

    return read


def _text_reader(limits: Any) -> Reader:
    """Reads a string within `limits` (its length in characters)."""

    def read(reader: _Reader, path: Path) -> str:
        text = _next_scalar(reader, path, "a string")
        if not isinstance(text, str):
            raise WireError("invalid_field", f"{_words(path)} must be a string")
        _check_size(len(text), limits, path, "characters")
        return text

    return read


def _flag(reader: _Reader, path: Path) -> bool:
    """Reads a boolean."""
    flag = _next_scalar(reader, path, "a boolean")
    if not isinstance(flag, bool):
        raise WireError("invalid_field", f"{_words(path)} must be a boolean")
    return flag


def _check_size(size: int, limits: Any, path: Path, unit: str) -> None:
    if not limits:
        return
    lo, hi = limits["lo"], limits["hi"]
    if size < lo or size > hi:
        code = "too_large" if size > hi else "invalid_field"
        expected = f"exactly {lo}" if lo == hi else f"between {lo} and {hi}"
        raise WireError(code, f"{_words(path)} must have {expected} {unit}")
