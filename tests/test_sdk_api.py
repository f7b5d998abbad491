"""The public SDK stays documented and importable: every type an app can receive from a
`Client` or one of its managers is exported from `client_sdk`, and every public class,
method and property there has a docstring (not the one dataclasses generate)."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import re
import typing
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest

import client_sdk
import client_sdk.errors
from client_sdk import Client

EXPORTED = {name: getattr(client_sdk, name) for name in client_sdk.__all__}
EXPORTED_TYPES = {value for value in EXPORTED.values() if isinstance(value, type)}
SDK_ERRORS = sorted(
    name
    for name, value in vars(client_sdk.errors).items()
    if isinstance(value, type) and issubclass(value, client_sdk.errors.TJError)
) + ["OSError"]  # writing files: archive.export_markdown


def managers() -> dict[str, type[Any]]:
    """Client's managers (`entries: Entries`, ...): its properties built at first use
    (functools.cached_property) whose type is a class of the SDK."""
    found = {
        name: hints_of(member.func).get("return")
        for name, member in vars(Client).items()
        if not name.startswith("_") and isinstance(member, functools.cached_property)
    }
    return {name: hint for name, hint in found.items() if isinstance(hint, type) and _ours(hint)}


def hints_of(function: Any) -> dict[str, Any]:
    """A function's type hints; names the SDK imports for type checking only (the managers'
    classes, imported at first use) are resolved from its exports."""
    return typing.get_type_hints(function, localns=EXPORTED)


def _ours(cls: type[Any]) -> bool:
    return cls.__module__.split(".")[0] == "client_sdk"


def public_members(cls: type[Any]) -> Iterator[tuple[str, Any]]:
    for name, member in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(member, (staticmethod, classmethod)):
            member = member.__func__
        if isinstance(member, functools.cached_property):
            member = member.func
        if inspect.isfunction(member) or isinstance(member, property):
            yield name, member


def types_in(hint: Any) -> Iterator[type[Any]]:
    """Every class of ours named in a type hint (through unions, generics, Literal...)."""
    if isinstance(hint, type) and _ours(hint):
        yield hint
    for argument in typing.get_args(hint):
        if not isinstance(argument, (str, int, bool, type(None))) or isinstance(argument, type):
            yield from types_in(argument)


def reachable_types() -> set[type[Any]]:
    """Types an app receives from Client and its managers, and the types of their fields."""
    todo: list[type[Any]] = [Client, *managers().values()]
    seen: set[type[Any]] = set()
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        hints: list[Any] = []
        for _, member in public_members(cls):
            function = member.fget if isinstance(member, property) else member
            hints.extend(hints_of(function).values())
        if dataclasses.is_dataclass(cls):
            hints.extend(typing.get_type_hints(cls).values())
        for hint in hints:
            todo.extend(found for found in types_in(hint) if found not in seen)
    return seen


def test_every_type_an_app_can_receive_is_exported() -> None:
    missing = sorted(t.__qualname__ for t in reachable_types() - EXPORTED_TYPES)
    assert not missing, f"export these from client_sdk: {missing}"


def test_every_manager_is_exported_and_named_in_the_client_docstring() -> None:
    found = managers()
    assert {"entries", "journals", "goals", "shares", "devices", "measures"} <= set(found)
    for name, cls in found.items():
        assert cls in EXPORTED_TYPES, cls
        assert f"`{name}`" in (Client.__doc__ or "") + (client_sdk.client.__doc__ or ""), name


def _generated(cls: type[Any]) -> bool:
    """True for the docstring dataclasses make up from the signature."""
    return (cls.__doc__ or "").startswith(f"{cls.__name__}(")


@pytest.mark.parametrize("name", sorted(n for n, v in EXPORTED.items() if isinstance(v, type)))
def test_every_exported_class_has_a_docstring(name: str) -> None:
    cls = EXPORTED[name]
    assert cls.__doc__ and cls.__doc__.strip() and not _generated(cls), name


@pytest.mark.parametrize(
    "cls", sorted(EXPORTED_TYPES, key=lambda c: c.__name__), ids=lambda c: c.__name__
)
def test_every_public_method_of_an_exported_class_has_a_docstring(cls: type[Any]) -> None:
    undocumented = [
        name
        for name, member in public_members(cls)
        if not inspect.getdoc(member) and name not in ("to_dict", "from_dict")
    ]
    assert not undocumented, f"{cls.__name__}: {undocumented}"


def test_exports_are_unique_and_importable() -> None:
    assert len(set(client_sdk.__all__)) == len(client_sdk.__all__)
    assert all(hasattr(client_sdk, name) for name in client_sdk.__all__)


def manager_methods() -> list[tuple[str, str, Any]]:
    """(manager attribute, method name, function) of every public method of every manager."""
    return [
        (attribute, name, member)
        for attribute, cls in sorted(managers().items())
        for name, member in public_members(cls)
        if inspect.isfunction(member)
    ]


def test_managers_have_methods_to_check() -> None:
    found = {(attribute, name) for attribute, name, _ in manager_methods()}
    assert {("measures", "take"), ("safety", "respond"), ("homework", "add")} <= found


@pytest.mark.parametrize(
    "attribute,name,function",
    manager_methods(),
    ids=[f"{attribute}.{name}" for attribute, name, _ in manager_methods()],
)
def test_every_manager_method_says_what_it_raises(attribute: str, name: str, function: Any) -> None:
    """GUIDE: public docstrings give the errors raised; "Raises nothing" when none can be."""
    doc = inspect.getdoc(function) or ""
    assert "Raises" in doc, f"client.{attribute}.{name}: say what it raises (or 'Raises nothing')"
    named = [error for error in SDK_ERRORS if re.search(rf"\b{error}\b", doc)]
    assert ("Raises nothing" in doc) != bool(named), (
        f"client.{attribute}.{name}: name the SDK errors it raises, or say 'Raises nothing'"
    )


def test_every_manager_that_lists_its_items_lists_them_with_list() -> None:
    """NU45 #12: one name for listing across managers (`client.measures.list()`, not
    `results()`; `client.assignments.list()`, not `assignments()`)."""
    listing = {
        "entries", "journals", "goals", "prompts", "notes", "private_notes", "shares",
        "devices", "measures", "assignments", "homework", "caseload",
    }  # fmt: skip
    found = managers()
    missing = sorted(name for name in listing if "list" not in vars(found[name]))
    assert not missing, f"these managers list with another name: {missing}"


def test_no_manager_method_takes_raw_bytes() -> None:
    """NU45 #12: ids are hex strings in the public API; a method taking raw 16-byte ids is
    an SDK internal (a leading underscore, or a function of an internal module)."""
    raw = [
        f"client.{attribute}.{name}({parameter})"
        for attribute, name, function in manager_methods()
        for parameter, hint in hints_of(function).items()
        if parameter != "return" and "bytes" in str(hint)
    ]
    assert not raw, raw


def _fields_reached(hint: Any) -> set[str]:
    """Field names of the dataclasses in `hint` and of those in their fields (one level)."""
    names: set[str] = set()
    for cls in types_in(hint):
        if dataclasses.is_dataclass(cls):
            for field, field_hint in typing.get_type_hints(cls).items():
                names.add(field)
                for inner in types_in(field_hint):
                    if dataclasses.is_dataclass(inner):
                        names.update(f.name for f in dataclasses.fields(inner))
    return names


def _names_a_time(hint: Any) -> bool:
    """Whether a type hint is, or holds, `datetime` or `date`."""
    return hint in (datetime, date) or any(_names_a_time(a) for a in typing.get_args(hint))


def test_a_time_a_method_sets_is_named_after_the_field_it_sets() -> None:
    """NU45 #12, README "a parameter that sets a field is named after that field":
    `created_at`, `at`, `taken_at`, `starts_at`, `expires_at` (`shares.grant(until=)` was
    not). `since` (with `until`) bounds what is read; `now`/`today` say when "now" is."""
    misnamed = []
    for attribute, name, function in manager_methods():
        hints = hints_of(function)
        reached = _fields_reached(hints.get("return"))
        bounds = {"since", "now", "today", "return"} | ({"until"} if "since" in hints else set())
        for parameter, hint in hints.items():
            if parameter in bounds:
                continue
            if _names_a_time(hint) and parameter not in reached:
                misnamed.append(f"client.{attribute}.{name}({parameter})")
    assert not misnamed, misnamed
