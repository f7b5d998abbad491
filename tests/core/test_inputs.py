"""inputs.py: the one check of the public API's arguments (NU27 C1, C4, C10), pure."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import AsyncGenerator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from client_sdk import inputs
from client_sdk.errors import InvalidInput
from client_sdk.inputs import check_text, check_texts, checks_inputs, expected

HALF = "\ud83d"  # the first half of 😀 (U+1F600) alone


def check_argument(name: str, annotation: str, value: object) -> None:
    """Pass `value` as argument `name`, annotated `annotation`, to a public method of a class
    that `checks_inputs` decorates: the one way the SDK checks an argument."""

    def method(self: object, value: object) -> None:
        return None

    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    signature = inspect.Signature(
        [inspect.Parameter("self", kind), inspect.Parameter(name, kind, annotation=annotation)]
    )
    method.__signature__ = signature  # type: ignore[attr-defined]
    manager = checks_inputs(type("Manager", (), {"method": method}))
    manager().method(value)


def test_check_text_names_the_field_and_position_and_never_quotes_the_text() -> None:
    assert check_text("fine 😀", "title") == "fine 😀"
    with pytest.raises(InvalidInput) as raised:
        check_text(f"secret {HALF}", "password")
    message = str(raised.value)
    assert message.startswith("password is not valid text")
    assert "(U+D83D) at position 7" in message and "secret" not in message


@pytest.mark.parametrize(
    ("annotation", "value", "accepted"),
    [
        ("datetime | None", datetime.now(UTC), True),
        ("datetime | None", None, True),
        ("datetime | None", "yesterday", False),
        ("datetime | None", date(2026, 1, 1), False),  # a date is no moment
        ("date | None", datetime.now(UTC), False),  # a moment is no calendar day (NU45 #2)
        ("date | datetime | None", datetime.now(UTC), True),
        ("date | datetime | None", date(2026, 1, 1), True),
        ("list[date]", [date(2026, 1, 1), datetime.now(UTC)], False),
        ("int | None", True, False),
        ("int | None", 3, True),
        ("float", 3, True),
        ("str", None, False),
        ("builtins.list[str] | tuple[str, ...]", ["a"], True),
        ("builtins.list[str] | tuple[str, ...]", ("a",), True),
        ("builtins.list[str] | tuple[str, ...]", "a", False),
        ("builtins.list[str] | tuple[str, ...]", [1], False),
        ("str | Iterable[str] | None", "a", True),
        ("Collection[str]", "abc", False),
        ("Iterable[bytes]", (b for b in [b"a"]), True),  # any iterable, not consumed
        ("KdfCost", object(), True),  # a name its module does not hold: the method checks it
        ("Mapping[str, Any]", 5, False),  # a mapping is a dict (nu82 F8)
        ("Mapping[str, Any]", {"a": 5}, True),
        ("Callable[[], None] | None", 5, False),
        ("Callable[[], None] | None", print, True),
        ("Path | str", 5, False),
        ("Path | str", Path("/tmp"), True),
        ("Sequence[date] | None", [date(2026, 1, 1)], True),
    ],
)
def test_plain_annotations_are_checked_and_others_left_to_the_method(
    annotation: str, value: object, accepted: bool
) -> None:
    if accepted:
        check_argument("field", annotation, value)
    else:
        with pytest.raises(InvalidInput, match="^field is "):
            check_argument("field", annotation, value)


def test_text_is_checked_inside_lists_dicts_and_dataclasses_but_not_paths() -> None:
    @dataclasses.dataclass
    class Plan:
        steps: list[str]

    with pytest.raises(InvalidInput, match=r"^tags\[1\] is not valid text"):
        check_argument("tags", "list[str]", ["ok", HALF])
    with pytest.raises(InvalidInput, match=r"^values\['mood'\] is not valid text"):
        check_argument("values", "Mapping[str, Any]", {"mood": HALF})
    with pytest.raises(InvalidInput, match=r"^plan\.steps\[0\] is not valid text"):
        check_argument("plan", "Plan", Plan([HALF]))
    check_argument("home", "Path | str", f"/home/{HALF}")  # PEP 383 escapes: a path's own
    assert expected("Path | str") is None


async def test_checks_inputs_checks_before_the_method_runs() -> None:
    ran: list[str] = []

    @checks_inputs
    class Manager:
        async def write(self, body: str, *, tags: list[str] | tuple[str, ...] = ()) -> str:
            ran.append(body)
            return body

        def _internal(self, body: str) -> str:
            return body

        @staticmethod
        def locate(home: Path | str, name: str) -> str:
            return name

    manager = Manager()
    assert await manager.write("x", tags=["a"]) == "x"
    with pytest.raises(InvalidInput, match="^tags is a list of strings, not a str"):
        await manager.write("y", tags="sleep")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="^body is not valid text"):
        await manager.write(HALF)
    assert ran == ["x"]
    assert manager._internal(HALF) == HALF  # private: not part of the public API
    with pytest.raises(InvalidInput, match="^name is not valid text"):
        Manager.locate("/tmp", HALF)
    assert Manager.write.__doc__ is None and Manager.write.__name__ == "write"


async def test_an_async_generator_is_checked_when_called_and_handed_back_as_is() -> None:
    closed: list[bool] = []

    @checks_inputs
    class Stream:
        async def live(self, name: str) -> AsyncGenerator[str, None]:
            try:
                yield name
                yield name
            finally:
                closed.append(True)

    with pytest.raises(InvalidInput, match="^name is not valid text"):
        Stream().live(HALF)
    stream = Stream().live("ok")
    assert inspect.isasyncgen(stream)
    assert await anext(stream) == "ok"
    await stream.aclose()  # its own cleanup runs at once
    assert closed == [True]


def _signatures() -> list[inspect.Signature]:
    P = inspect.Parameter

    def sig(*params: tuple[str, inspect._ParameterKind, object]) -> inspect.Signature:
        return inspect.Signature([P(name, kind, default=default) for name, kind, default in params])

    empty = P.empty
    return [
        sig(("self", P.POSITIONAL_OR_KEYWORD, empty), ("journal", P.POSITIONAL_OR_KEYWORD, empty),
            ("body", P.POSITIONAL_OR_KEYWORD, empty), ("title", P.KEYWORD_ONLY, None),
            ("mood", P.KEYWORD_ONLY, None)),
        sig(("a", P.POSITIONAL_ONLY, empty), ("b", P.POSITIONAL_OR_KEYWORD, 1),
            ("c", P.KEYWORD_ONLY, empty)),
        sig(("a", P.POSITIONAL_OR_KEYWORD, empty), ("rest", P.VAR_POSITIONAL, empty),
            ("more", P.VAR_KEYWORD, empty)),
        sig(),
    ]  # fmt: skip


CALLS: list[tuple[tuple[object, ...], dict[str, object]]] = [
    ((), {}),
    ((1,), {}),
    ((1, 2), {}),
    ((1, 2, 3), {}),
    ((1, 2, 3, 4), {}),
    ((1, 2), {"c": 3}),
    ((1,), {"b": 2, "c": 3}),
    ((), {"a": 1, "b": 2, "c": 3}),
    ((1, 2), {"b": 3, "c": 3}),
    ((1, 2, 3), {"title": "t", "mood": 4}),
    ((1, 2, 3), {"mood": 4}),
    ((1, 2), {"body": "x", "title": None}),
    ((1, 2, 3), {"body": "again"}),
    ((1, 2, 3), {"other": 1}),
    ((), {"self": 1, "journal": None, "body": "x"}),
    ((1,), {"more": 1, "a": 2}),
]


@pytest.mark.parametrize("signature", _signatures())
@pytest.mark.parametrize(("args", "kwargs"), CALLS)
def test_arguments_are_bound_as_signature_bind_binds_them(
    signature: inspect.Signature, args: tuple[object, ...], kwargs: dict[str, object]
) -> None:
    """The check binds a call's arguments without `inspect` where it can (issue 10): the
    same names and values as `Signature.bind`, and None where it raises TypeError."""
    from client_sdk.inputs import _binder

    try:
        expected_arguments: dict[str, object] | None = dict(
            signature.bind(*args, **kwargs).arguments
        )
    except TypeError:
        expected_arguments = None
    assert _binder(signature)(args, dict(kwargs)) == expected_arguments


@dataclasses.dataclass
class _Held:
    text: object
    more: object = None


class _Text(str):
    """A str subclass: `_holds_bad_text` answers exact str items without a call, others not."""


_texts = st.text(max_size=6) | st.sampled_from(["\ud800", "a\udfffb", "é\ud83d", "ok"])
_any_texts = _texts | _texts.map(_Text)
_nested = st.recursive(
    st.none() | st.integers() | st.booleans() | st.floats(allow_nan=False) | _any_texts,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.frozensets(_any_texts | st.integers(), max_size=3)
        | st.dictionaries(_any_texts | st.integers(), inner, max_size=3)
        | st.builds(_Held, inner, inner)
    ),
    max_leaves=12,
)


def _deep(value: object, levels: int) -> object:
    for _ in range(levels):
        value = [value]
    return value


@given(value=_nested, levels=st.sampled_from([0, 1, 29, 30, 31, 32, 33]))
def test_texts_are_looked_at_once_then_named_only_where_one_is_bad(
    value: object, levels: int
) -> None:
    """`check_texts` looks at the texts without naming their places first (issue 10): it
    raises exactly when, and exactly what, naming every place as it goes raises (depths
    around MAX_DEPTH included)."""
    value = _deep(value, levels)
    try:
        inputs._check_texts_named(value, "value")
        named = None
    except InvalidInput as error:
        named = str(error)
    try:
        check_texts(value, "value")
        fast = None
    except InvalidInput as error:
        fast = str(error)
    assert fast == named
    assert inputs._holds_bad_text(value, 0) == (named is not None)


_ANNOTATIONS = [
    "str", "str | None", "int | None", "int", "float", "bool", "bytes", "date",
    "datetime | None", "timedelta", "builtins.list[str] | tuple[str, ...]", "KdfCost",
]  # fmt: skip
_plain_values = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.binary()
    | _any_texts | st.dates() | st.datetimes() | st.timedeltas() | st.lists(_texts, max_size=2)
)  # fmt: skip


@given(annotation=st.sampled_from(_ANNOTATIONS), value=_plain_values)
def test_values_answered_without_a_call_are_those_the_whole_check_passes(
    annotation: str, value: object
) -> None:
    """`_checked` passes a value of exactly a type `_plain_accepted` names (a str: ASCII)
    without `_check_value` (issue 10): only values `_check_value` passes, and the check of a
    public method refuses exactly what `_check_value` refuses."""
    wanted = expected(annotation)
    kind = type(value)
    if kind in inputs._plain_accepted(wanted) and (kind is not str or value.isascii()):
        inputs._check_value("field", wanted, value)  # raises nothing
    try:
        inputs._check_value("field", wanted, value)
        whole = None
    except InvalidInput as error:
        whole = str(error)
    try:
        check_argument("field", annotation, value)
        checked = None
    except InvalidInput as error:
        checked = str(error)
    assert checked == whole
