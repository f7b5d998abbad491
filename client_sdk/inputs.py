"""The one check of what a caller hands the SDK's public API (pure, no I/O).

Every public method of `Client` and of its managers (`client.entries`, `client.goals`, ...)
is wrapped by `checks_inputs`: before the method runs, so before anything is changed, each
argument is checked against its annotation and a bad one raises InvalidInput naming the
parameter (NU27 C1, C4, C10):

- Text must be valid Unicode that UTF-8 can encode: a lone surrogate (half of a UTF-16
  pair, e.g. '\\ud83d' from a truncated emoji in a web form's JSON, valid JSON but not
  text) is refused wherever it is, in a str argument or inside a list, tuple, set, dict or
  dataclass argument (`check_text`). Without this check such text reached the CRDT library
  (a Rust panic, `pyo3_runtime.PanicException`, which `except Exception` does not catch) or
  the record encoder (a UnicodeEncodeError). Parameters annotated as a file-system `Path`
  are not text the SDK stores and are not checked (a path may hold surrogate escapes,
  PEP 383).
- An argument must be of its annotated type when that type is one of the plain types
  `str`, `int`, `float`, `bool`, `bytes`, `date`, `datetime`, `timedelta`, `None` or a
  list/tuple/set of them (`list[str]`: a list, tuple, set or frozenset whose items are
  str; a str is never taken as a list of its letters): `tags="sleep"`,
  `created_at="yesterday"` or `body=None` for `body: str` are refused with the type
  accepted. A `datetime` is refused where only a `date` (a calendar day) is accepted,
  though Python makes it one: stored as a day, it would not read back as one (NU45 #2).
- The same holds for the SDK's own types and the other types a public method takes (nu82
  F8): an argument annotated with a class (a model such as `MeasureResult`, `SafetyPlan`,
  `Brief`, `KdfCost`, `Backoff`, `tzinfo`) must be an instance of it (a `Taken` where its
  `MeasureResult` is taken is refused, telling to pass its `.result`), a list of them a
  list, tuple or set of instances; a `Path` a `pathlib.Path` (or any `os.PathLike`) or,
  where the annotation says so, a str; a `Mapping`/`dict` a mapping (its items are the
  method's to check); a `Callable` (or an alias of one: `Progress`, `ChangeListener`)
  something callable. The names are looked up in the method's module when it is first
  called. A parameter annotated `Any`, or with a name that module does not hold at run
  time, is left to the method.

Both refusals carry the subject BAD_VALUE ("value"), as the SDK's other refusals of a value
given (NU45 #9).

Internal calls between managers go through the same check; it costs a few microseconds a
call.
"""

from __future__ import annotations

import builtins
import dataclasses
import functools
import inspect
import os
import re
import typing
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from pathlib import PurePath
from typing import Any, TypeVar

from client_sdk.errors import BAD_VALUE, InvalidInput

T = TypeVar("T")

MAX_DEPTH = 32
"""How deep `check_texts` looks into nested lists, dicts and dataclasses (an imported
archive's text is about 6 levels down)."""

SECRET_WORDS = ("password", "passphrase", "recovery", "key", "token")
"""A parameter whose name holds one of these is never quoted in an error message."""


def check_text(value: str, field: str) -> str:
    """`value` if UTF-8 can encode it, else InvalidInput naming `field` and the position
    (0-based, in code points) of the first lone surrogate. Nothing of the text is quoted
    (it may be a password)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InvalidInput(
            f"{field} is not valid text: it holds an unpaired surrogate "
            f"(U+{ord(value[error.start]):04X}) at position {error.start}, half of a character "
            "cut in two (a truncated emoji, say). Nothing was changed",
            subject=BAD_VALUE,
        ) from None
    return value


def check_texts(value: object, field: str, depth: int = 0) -> None:
    """`check_text` on every str in `value`: itself, or the keys and values of a dict, the
    items of a list, tuple, set or frozenset, the fields of a dataclass instance, down to
    MAX_DEPTH levels; `field` names where in it (`tags[1]`, `answers['mood']`).

    The texts are looked at first without naming where each is (`_holds_bad_text`: an
    imported archive holds about 140,000 values, and naming each cost most of the check,
    issue 10); only a value that holds a bad one is walked again, naming them."""
    if _holds_bad_text(value, depth):
        _check_texts_named(value, field, depth)


_HOLD_NO_TEXT = frozenset((type(None), bool, int, float, bytes, date, datetime, timedelta))
"""Types whose values hold no text (exactly these: not their subclasses, which may be
dataclasses or mappings too): `_holds_bad_text` answers for them without looking further."""


def _holds_bad_text(value: object, depth: int) -> bool:
    """Whether `_check_texts_named(value, ..., depth)` raises: the same texts, looked at in
    the same places, down to the same depth."""
    if type(value) in _HOLD_NO_TEXT:  # a mood, a date, None: most arguments that are not text
        return False
    if isinstance(value, str):
        return not value.isascii() and _not_utf8(value)
    if depth >= MAX_DEPTH:
        return False
    # An item that is exactly a str or of a type holding no text is answered here, without a
    # call (an imported archive holds about 140,000 of them, issue 10); others as above.
    if isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            kind = type(item)
            if kind is str:
                if not item.isascii() and _not_utf8(item):
                    return True
            elif kind not in _HOLD_NO_TEXT and _holds_bad_text(item, depth + 1):
                return True
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if type(key) is str:
                if not key.isascii() and _not_utf8(key):
                    return True
            elif isinstance(key, str) and _holds_bad_text(key, depth):
                return True
            kind = type(item)
            if kind is str:
                if not item.isascii() and _not_utf8(item):
                    return True
            elif kind not in _HOLD_NO_TEXT and _holds_bad_text(item, depth + 1):
                return True
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for spec in dataclasses.fields(value):
            if _holds_bad_text(getattr(value, spec.name, None), depth + 1):
                return True
    return False


def _not_utf8(text: str) -> bool:
    """Whether UTF-8 cannot encode `text` (it holds a lone surrogate)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check_texts_named(value: object, field: str, depth: int = 0) -> None:
    """`check_texts`, naming each value's place as it goes (raises for the first bad one)."""
    if isinstance(value, str):
        check_text(value, field)
    elif depth >= MAX_DEPTH:
        return
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check_texts_named(item, f"{field}[{index}]", depth + 1)
    elif isinstance(value, (set, frozenset)):
        for item in value:
            _check_texts_named(item, f"an item of {field}", depth + 1)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str):
                check_text(key, f"a key of {field}")
            _check_texts_named(item, f"{field}[{key!r}]", depth + 1)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for spec in dataclasses.fields(value):
            _check_texts_named(getattr(value, spec.name, None), f"{field}.{spec.name}", depth + 1)


_SCALARS: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "bytes": (bytes,),
    "date": (date,),
    "datetime": (datetime,),
    "timedelta": (timedelta,),
    "None": (type(None),),
}
_CONCRETE = {"list", "tuple", "set", "frozenset"}
"""Taken as any of list, tuple, set or frozenset (whose items are checked)."""
_ABSTRACT = {"Sequence", "Iterable", "Collection", "AbstractSet"}
"""Taken as any iterable but a str or bytes (a generator's items are not checked: that
would use them up)."""
_WORDS = {
    "str": "a str",
    "int": "a whole number",
    "float": "a number",
    "bool": "True or False",
    "bytes": "bytes",
    "date": "a date",
    "datetime": "a datetime",
    "timedelta": "a timedelta",
    "None": "None",
}

_PLURALS = {
    "str": "strings",
    "int": "whole numbers",
    "float": "numbers",
    "bool": "True or False",
    "bytes": "bytes",
    "date": "dates",
    "datetime": "datetimes",
    "timedelta": "timedeltas",
}


@dataclasses.dataclass(frozen=True)
class Expected:
    """A parameter's annotation when every type it names is known (see the module's
    docstring): `scalars` the names of the plain types accepted, `items` the names of the
    plain types a list/tuple/set argument's items may have (None: no collection accepted),
    `classes` the other classes whose instances are accepted (`os.PathLike` for a path,
    `Mapping` for a dict), `item_classes` those a collection's items may be instances of,
    `functions` whether anything callable is accepted."""

    scalars: tuple[str, ...]
    items: tuple[str, ...] | None
    any_iterable: bool = False
    classes: tuple[type, ...] = ()
    item_classes: tuple[type, ...] = ()
    functions: bool = False

    @functools.cached_property
    def _exact(self) -> frozenset[type]:
        """The types of `scalars` (`_SCALARS`): a value of exactly one of them is of one of
        the plain types accepted (`_is_one_of`: a bool is of type bool, not int, and a
        datetime of type datetime, not date, so neither is taken for the other here)."""
        return frozenset(kind for name in self.scalars for kind in _SCALARS[name])

    def accepts(self, value: object) -> bool:
        if type(value) in self._exact or _is_one_of(value, self.scalars):
            return True
        if isinstance(value, self.classes) or (self.functions and callable(value)):
            return True
        if self.items is None or isinstance(value, (str, bytes)):
            return False
        if isinstance(value, (list, tuple, set, frozenset)):
            kinds = self.item_kinds()
            if not all(isinstance(item, kinds) for item in value):
                return False
            if "date" in self.items and "datetime" not in self.items:
                return not any(isinstance(item, datetime) for item in value)
            return True
        return self.any_iterable and isinstance(value, Iterable)

    def refuses_a_moment(self, value: object) -> bool:
        """Whether `value` is (or holds) a datetime refused where a calendar day, a
        `datetime.date`, is accepted: a datetime is a date to Python, not to the SDK."""
        if isinstance(value, datetime):
            return "date" in self.scalars
        return (
            self.items is not None
            and "date" in self.items
            and isinstance(value, (list, tuple, set, frozenset))
            and any(isinstance(item, datetime) for item in value)
        )

    def item_kinds(self) -> tuple[type, ...]:
        """The types a collection's items may be instances of."""
        named = tuple(t for name in self.items or () for t in _SCALARS[name])
        return named + self.item_classes

    def words(self) -> str:
        parts = [_WORDS[name] for name in self.scalars if name != "None"]
        parts += [_class_words(kind) for kind in self.classes]
        if self.functions:
            parts.append("a function")
        if self.items is not None:
            plurals = [_PLURALS[name] for name in self.items]
            plurals += [_plural(kind.__name__) for kind in self.item_classes]
            parts.append(f"a list of {' or '.join(plurals)}")
        if "None" in self.scalars:
            parts.append("None")
        return " or ".join(parts)


def _class_words(kind: type) -> str:
    """A class accepted, in a message: "a pathlib.Path", "a dict", "a MeasureResult"."""
    if kind is os.PathLike:
        return "a pathlib.Path"
    if kind is Mapping:
        return "a dict"
    return _article(kind.__name__)


def _plural(name: str) -> str:
    """ "MeasureResults", "News": a class's name as a plural."""
    return name if name.endswith("s") else f"{name}s"


def _article(name: str) -> str:
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def _is_one_of(value: object, names: tuple[str, ...]) -> bool:
    """Whether `value` is of one of the plain types `names` (a parameter's, not a list's
    items). A bool is no whole number, and a datetime is no calendar day (`date`) unless
    `datetime` is named too: a date-time stored as a day does not read back as one (NU45
    #2)."""
    for name in names:
        if name == "int" and isinstance(value, bool):
            continue  # True is no whole number of anything
        if name == "date" and isinstance(value, datetime) and "datetime" not in names:
            continue  # a moment is no calendar day
        if isinstance(value, _SCALARS[name]):
            return True
    return False


def _top_level(annotation: str, separator: str) -> list[str]:
    """`annotation` split at `separator` outside brackets."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(annotation):
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif char == separator and depth == 0:
            parts.append(annotation[start:index].strip())
            start = index + 1
    parts.append(annotation[start:].strip())
    return parts


def _name(part: str) -> str:
    return part.split(".")[-1]  # builtins.list, collections.abc.Sequence, datetime.datetime


_MAPPINGS = {"Mapping", "MutableMapping", "dict"}


def _lookup(name: str, namespace: Mapping[str, Any] | None) -> object:
    """What `name` (dotted: "access.Identity") names in `namespace` (a module's globals) or
    among the builtins; None when nothing (or no namespace is given)."""
    if namespace is None:
        return None
    first, *rest = name.split(".")
    found = namespace.get(first, getattr(builtins, first, None))
    for attribute in rest:
        found = getattr(found, attribute, None)
    return found


def _a_function_type(found: object) -> bool:
    """Whether `found` is `Callable` or an alias of a `Callable[...]` (`Progress`)."""
    return found is Callable or typing.get_origin(found) is Callable


def _class(found: object) -> type | None:
    """`found` when it is a class `isinstance` can check (not `Any`, not a Protocol)."""
    if not isinstance(found, type) or found is Any or getattr(found, "_is_protocol", False):
        return None
    return found


def expected(annotation: object, namespace: Mapping[str, Any] | None = None) -> Expected | None:
    """The types an annotation (a string, as `from __future__ import annotations` leaves it)
    accepts, or None when it names a type not known here (the method checks those): plain
    types always, other classes only as named in `namespace` (the globals of the method's
    module; none: plain types only)."""
    if not isinstance(annotation, str) or not annotation:
        return None
    scalars: list[str] = []
    classes: list[type] = []
    items: list[str] | None = None
    item_classes: list[type] = []
    any_iterable = functions = False
    for part in _top_level(annotation, "|"):
        head, _, rest = part.partition("[")
        name = _name(head.strip())
        found = None if rest else _lookup(head.strip(), namespace)
        if name == "Callable" or _a_function_type(found):
            functions = True
        elif not rest and name in _SCALARS:
            scalars.append(name)
        elif not rest:
            kind = _class(found)
            if kind is None:
                return None
            if issubclass(kind, PurePath):  # a str names a path too (the method converts it)
                scalars.append("str")
                kind = os.PathLike
            classes.append(kind)
        elif name in _MAPPINGS:
            classes.append(Mapping)
        elif name in _CONCRETE | _ABSTRACT:
            any_iterable = any_iterable or name in _ABSTRACT
            args = [a for a in _top_level(rest[:-1], ",") if a != "..."]
            kinds = [k for a in args for k in _top_level(a, "|")]
            items = items or []
            for written in kinds:
                if _name(written) in _SCALARS and _name(written) != "None":
                    items += [_name(written)] if _name(written) not in items else []
                elif (kind := _class(_lookup(written, namespace))) is not None:
                    item_classes.append(kind)
                else:
                    return None
            if not kinds:
                return None
        else:
            return None
    return Expected(
        tuple(dict.fromkeys(scalars)),
        tuple(items) if items is not None else None,
        any_iterable,
        tuple(classes),
        tuple(item_classes),
        functions,
    )


def _a(value: object) -> str:
    """ "a float", "an int": the type of `value` with its article."""
    return _article(type(value).__name__)


def _shown(value: object, field: str, wanted: Expected | None = None) -> str:
    """The wrong value in a message: its type, and the value itself unless it may be a
    secret, is long or is one of the SDK's models (which may hold a client's answers); of a
    list (tuple, set) whose items are the wrong part, the first wrong item ("a list holding
    a float (1.0)")."""
    kind = "None" if value is None else _a(value)
    secret = any(word in field.lower() for word in SECRET_WORDS)
    if (
        wanted is not None
        and wanted.items is not None
        and isinstance(value, (list, tuple, set, frozenset))
    ):
        wrong = [item for item in value if not isinstance(item, wanted.item_kinds())]
        if wrong:
            item = wrong[0]
            hidden = secret or dataclasses.is_dataclass(item)
            text = "" if hidden else f" ({repr(item)[:40]})"
            return f"{kind} holding {_a(item)}{text}"
    if value is None or secret or dataclasses.is_dataclass(value):
        return kind
    text = repr(value)
    return f"{kind} ({text[:40]}...)" if len(text) > 43 else f"{kind} ({text})"


def _is_path(annotation: object) -> bool:
    """A file-system path: not text the SDK stores (PEP 383 escapes allowed)."""
    return isinstance(annotation, str) and re.search(r"\bPath\b", annotation) is not None


def _check_value(name: str, wanted: Expected | None, value: object, *, texts: bool = True) -> None:
    """Raise InvalidInput when argument `name` holds text that is not valid Unicode (unless
    `texts` is False: a path), or is not of its annotated type (`wanted`: the annotation as
    `expected` reads it; None, any type) (see the module docstring)."""
    if wanted is not None and not wanted.accepts(value):
        hint = ""
        if isinstance(value, str) and wanted.items is not None and len(value) <= 40:
            hint = f" (for one, pass [{value!r}])"
        elif wanted.refuses_a_moment(value):
            hint = ": it takes a calendar day (a datetime.date); pass the datetime's .date()"
        elif (held := _field_holding(value, wanted.classes)) is not None:
            hint = f": pass its .{held}"
        raise InvalidInput(
            f"{name} is {wanted.words()}, not {_shown(value, name, wanted)}{hint}",
            subject=BAD_VALUE,
        )
    if texts:
        check_texts(value, name)


def _field_holding(value: object, classes: tuple[type, ...]) -> str | None:
    """The name of a field of dataclass `value` that holds an instance of one of `classes`
    (a `Taken`'s `result`, where its MeasureResult is wanted), or None."""
    if not classes or not dataclasses.is_dataclass(value) or isinstance(value, type):
        return None
    for spec in dataclasses.fields(value):
        if isinstance(getattr(value, spec.name, None), classes):
            return spec.name
    return None


def _plain_accepted(wanted: Expected | None) -> frozenset[type]:
    """The types a value of exactly which `_check_value(name, wanted, value)` passes without
    looking further: accepted by `wanted` as they are (`Expected.accepts`: any type for
    None), and holding no text (`_HOLD_NO_TEXT`) or being a str, when it is ASCII (which
    UTF-8 encodes). `_checked` answers for them without a call: a write is called per
    entry, with its text, title and mood (issue 10: about 10 µs a write)."""
    plain = _HOLD_NO_TEXT | {str}
    return frozenset(plain if wanted is None else wanted._exact & plain)


def _binder(
    signature: inspect.Signature,
) -> Callable[[tuple[Any, ...], dict[str, Any]], dict[str, Any] | None]:
    """`bind(args, kwargs)`: the arguments a call binds to `signature`'s parameters by name
    (`signature.bind(*args, **kwargs).arguments`, defaults left out), or None for a call that
    `signature.bind` refuses (TypeError). A call that names only parameters it may (no more
    positional arguments than positional parameters, keywords of parameters that take them,
    none given twice, every required one given) is bound without `inspect` (about a tenth of
    its time: a write is called per entry, issue 10); any other call is left to
    `signature.bind`, which binds it or refuses it as before."""
    parameters = list(signature.parameters.values())

    def slow(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return dict(signature.bind(*args, **kwargs).arguments)
        except TypeError:
            return None

    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters):
        return slow
    positional = tuple(
        p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    )
    by_keyword = frozenset(
        p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    )
    required = frozenset(p.name for p in parameters if p.default is p.empty)

    def bind(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any] | None:
        if len(args) <= len(positional):
            arguments = dict(zip(positional[: len(args)], args, strict=True))
            if by_keyword.issuperset(kwargs) and arguments.keys().isdisjoint(kwargs):
                arguments.update(kwargs)
                if required.issubset(arguments):
                    return arguments
        return slow(args, kwargs)

    return bind


def _checked(function: Callable[..., Any]) -> Callable[..., Any]:
    """`function` with its arguments checked (`_check_value`; a path is not) before it runs;
    an async function stays one (the check runs when it is awaited, like any of its errors); an
    async generator function is checked when called, and its generator returned as is."""
    signature = inspect.signature(function)
    parameters = [
        p
        for p in signature.parameters.values()
        if p.name not in ("self", "cls") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    if not parameters:
        return function
    # Each annotation is read once, at the first call (the classes it names may be defined
    # below the method in its module), not at every call (a write is called per entry).
    wanted: list[tuple[str, Expected | None, frozenset[type], bool]] = []
    namespace = getattr(inspect.unwrap(function), "__globals__", None)

    def read_annotations() -> None:
        read = []
        for p in parameters:
            kind = expected(p.annotation, namespace)
            path = _is_path(p.annotation)  # a path's text is not checked (PEP 383)
            read.append((p.name, kind, frozenset() if path else _plain_accepted(kind), path))
        wanted[:] = read  # whole, at once (another thread may be checking a call)

    bind = _binder(signature)

    def check(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        arguments = bind(args, kwargs)
        if arguments is None:
            return  # the call itself is wrong: Python's TypeError says how, as it would
        if not wanted:
            read_annotations()
        for name, expected_type, plain, path in wanted:
            if name in arguments:
                value = arguments[name]
                kind = type(value)
                if kind in plain and (kind is not str or value.isascii()):
                    continue  # accepted, no text to look at: `_check_value` finds nothing
                _check_value(name, expected_type, value, texts=not path)

    if inspect.isasyncgenfunction(function):  # checked when called: the generator itself
        # is handed back untouched, so aclose(), asend() and its cleanup work as before

        @functools.wraps(function)
        def generator(*args: Any, **kwargs: Any) -> Any:
            check(args, kwargs)
            return function(*args, **kwargs)

        return generator
    if inspect.iscoroutinefunction(function):

        @functools.wraps(function)
        async def coroutine(*args: Any, **kwargs: Any) -> Any:
            check(args, kwargs)
            return await function(*args, **kwargs)

        return coroutine

    @functools.wraps(function)
    def plain(*args: Any, **kwargs: Any) -> Any:
        check(args, kwargs)
        return function(*args, **kwargs)

    return plain


def checks_inputs(cls: type[T]) -> type[T]:
    """Class decorator: every public method defined in `cls` (a name not starting with
    "_"; plain, async, async generator, classmethod or staticmethod; not properties) checks
    its arguments first (`_checked`)."""
    for name, member in list(vars(cls).items()):
        if name.startswith("_"):
            continue
        if isinstance(member, classmethod):
            setattr(cls, name, classmethod(_checked(member.__func__)))
        elif isinstance(member, staticmethod):
            setattr(cls, name, staticmethod(_checked(member.__func__)))
        elif inspect.isfunction(member):
            setattr(cls, name, _checked(member))
    return cls
