"""The public SDK's docstrings read as API reference: what `help(client.entries)` shows (the
classes and public members tests/test_sdk_api.py walks) cites no internal review id ("NU23
C8", "R24 F1", "REV-OWED2 G4", "rev-nu36a F1", "issue 10") and names no private thing (a
`_name`, or a member of a class the SDK does not export, such as `Context.local_journal`).
That holds for attribute docstrings too: the string literal right after a field or constant
(`SyncReport.departures`, `PASSWORD_RULE`), which IDEs and doc tools show. The rule a review found
stays, said in plain words; a review id may stay in a code comment."""

from __future__ import annotations

import ast
import importlib
import inspect
import itertools
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import client_sdk
from client_sdk import Client
from tests.conftest import product_tree
from tests.test_sdk_api import (
    EXPORTED,
    EXPORTED_TYPES,
    _ours,
    managers,
    public_members,
    reachable_types,
)

REVIEW_ID = re.compile(
    r"\b(?:NU|R|S)\d+(?:-\d+|[a-z])?\b"  # NU23 C8, R24 F1, S8-1, S7b
    r"|\bREV-[A-Z0-9]+\b"  # REV-OWED2 G4, REV-CARE F1
    r"|\brev-[a-z0-9]+\b"  # rev-nu36a F1, rev-c
    r"|\bissue \d+"
)
PRIVATE_NAME = re.compile(r"(?<![\w.])_[A-Za-z]\w*|\b\w+\._\w+")


def internal_classes() -> set[str]:
    """Names of the classes the SDK's modules define and `client_sdk` does not export
    (`Context`, `Replica`, `Store`, ...): an app never holds one."""
    found: set[str] = set()
    for module in pkgutil.iter_modules(client_sdk.__path__):
        for name, value in vars(importlib.import_module(f"client_sdk.{module.name}")).items():
            if (
                isinstance(value, type)
                and value.__module__.startswith("client_sdk.")
                and name not in EXPORTED
                and not name.startswith("_")
            ):
                found.add(name)
    return found


INTERNAL_MEMBER = re.compile(rf"\b(?:{'|'.join(sorted(internal_classes()))})\.\w")


def attribute_docstrings(body: list[ast.stmt]) -> Iterator[tuple[str, str]]:
    """(name, docstring as written) of every public name assigned in `body` (a module's or a
    class's statements, `x = ...` or `x: T = ...`) right before a string literal: the
    attribute docstring IDEs and doc tools show for it."""
    for statement, following in itertools.pairwise(body):
        if not (
            isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            continue
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, ast.AnnAssign):
            targets = [statement.target]
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name) and not target.id.startswith("_"):
                yield target.id, following.value.value


def parsed(module: ModuleType) -> ast.Module:
    return product_tree(Path(inspect.getfile(module)))


def class_body(cls: type[Any]) -> list[ast.stmt]:
    """The statements of `cls`'s definition, found by its qualified name in its module."""
    body = parsed(importlib.import_module(cls.__module__)).body
    for part in cls.__qualname__.split("."):
        body = next(s for s in body if isinstance(s, ast.ClassDef) and s.name == part).body
    return body


def sdk_modules() -> Iterator[ModuleType]:
    yield client_sdk
    for module in pkgutil.iter_modules(client_sdk.__path__):
        yield importlib.import_module(f"client_sdk.{module.name}")


def exported_attribute_docstrings() -> Iterator[tuple[str, str]]:
    """Attribute docstrings of the package's own public names, and of the constants other
    modules define that the package exports (`TRASH_DAYS`, `PASSWORD_RULE`...)."""
    for module in sdk_modules():
        for name, doc in attribute_docstrings(parsed(module).body):
            if module is client_sdk or (
                name in EXPORTED and getattr(module, name, None) is EXPORTED[name]
            ):
                yield name, doc


def public_docstrings() -> Iterator[tuple[str, str]]:
    """(where, docstring as written) of the package, of every class an app reaches from
    `Client` and its managers, every public method and property of them and every public
    field or class constant with an attribute docstring (in the class or a base of it the SDK
    defines), every function `client_sdk` exports (`plain_text`, `answer_wait`...), and every
    constant it exports that has an attribute docstring."""
    yield "client_sdk", client_sdk.__doc__ or ""
    classes = {Client, *managers().values(), *EXPORTED_TYPES, *reachable_types()}
    for cls in sorted(classes, key=lambda c: c.__name__):
        yield cls.__name__, cls.__doc__ or ""
        for name, member in public_members(cls):
            function: Any = member.fget if isinstance(member, property) else member
            yield f"{cls.__name__}.{name}", function.__doc__ or ""
    owners = {owner for cls in classes for owner in cls.__mro__ if _ours(owner)}
    for owner in sorted(owners, key=lambda c: c.__qualname__):
        for name, doc in attribute_docstrings(class_body(owner)):
            yield f"{owner.__qualname__}.{name}", doc
    for name, value in sorted(EXPORTED.items()):
        if callable(value) and not isinstance(value, type):
            yield name, getattr(value, "__doc__", None) or ""
    yield from exported_attribute_docstrings()


def found_in(pattern: re.Pattern[str]) -> list[str]:
    return [
        f"{where}: {' '.join(match.group(0).split())!r}"
        for where, doc in public_docstrings()
        for match in pattern.finditer(doc)
    ]


def test_the_surface_walked_holds_the_managers_and_models() -> None:
    names = {where for where, _ in public_docstrings()}
    assert {"Client.login", "Shares.grant", "Entries.edit", "Entry.to_dict"} <= names
    assert {"client_sdk", "plain_text", "decoded_text"} <= names  # the package, functions
    # attribute docstrings: fields of models, a class constant, exported constants
    assert {"SyncReport.departures", "ShareInfo.safety_flags", "Departure.command_owner"} <= names
    assert {"PASSWORD_RULE", "EMOTIONS"} <= names


def test_attribute_docstrings_are_the_strings_after_public_assignments() -> None:
    body = ast.parse(
        'a: int = 1\n"""field a"""\nb = c = 2\n"""b and c"""\n_d = 3\n"""private"""\n'
        'e = 4\nf()\n"""no assignment before"""\n'
    ).body
    assert list(attribute_docstrings(body)) == [
        ("a", "field a"),
        ("b", "b and c"),
        ("c", "b and c"),
    ]


def test_examples_in_docstrings_show_as_written() -> None:
    """An example written with escapes ("\\r\\n", "\\xff") in a docstring that is no raw
    string shows in `help()` as the characters themselves: a line break, a BOM, "ÿþ"."""
    shown = [
        where for where, doc in public_docstrings() if any(c in doc for c in "\r\ufeff\xff\xfe\x00")
    ]
    assert not shown, f"escapes turned into characters in: {shown}"


def test_the_patterns_catch_what_they_are_for() -> None:
    for cited in ("(NU23 C8)", "R24 F1", "REV-OWED2 G4", "rev-nu36a F1", "issue 10", "(S8-1)"):
        assert REVIEW_ID.search(cited), cited
    for plain in ("PHQ-9", "GAD-7", "SHA-256", "UTF-16", "/v1/sync", "Argon2id", "trust-01"):
        assert not REVIEW_ID.search(plain), plain
    for private in ("`_password_keys`", "`Replica._end_withdrawn`"):
        assert PRIVATE_NAME.search(private), private
    assert not PRIVATE_NAME.search("`share_flags`, `full_if_new`")
    assert INTERNAL_MEMBER.search("`Context.local_journal`")
    assert not INTERNAL_MEMBER.search("`ShareInfo.safety_flags`, `client.shares.grant`")


def test_public_docstrings_cite_no_review_id() -> None:
    cited = found_in(REVIEW_ID)
    assert not cited, f"{len(cited)} review ids in public docstrings: {cited}"


def test_public_docstrings_name_no_private_thing() -> None:
    named = found_in(PRIVATE_NAME) + found_in(INTERNAL_MEMBER)
    assert not named, f"{len(named)} private names in public docstrings: {named}"


def test_every_to_dict_says_its_shape() -> None:
    """tests/test_sdk_api.py lets `to_dict` go without a docstring; its shape (times as ISO
    8601 strings in UTC, ids as hex, ...) is what an app storing it needs to know."""
    classes = {*EXPORTED_TYPES, *reachable_types()}
    bare = sorted(
        f"{cls.__name__}.{name}"
        for cls in classes
        for name, member in public_members(cls)
        if name in ("to_dict", "from_dict") and not inspect.getdoc(member)
    )
    assert not bare, f"{len(bare)} without a docstring: {bare}"


def test_public_docstrings_keep_their_indentation() -> None:
    """A line of a docstring at the left margin among indented ones (a "\\n" written in a
    docstring that is no raw string breaks one so) makes `help()` show the whole docstring
    mis-indented."""
    broken = []
    for where, doc in public_docstrings():
        indents = [len(line) - len(line.lstrip()) for line in doc.splitlines()[1:] if line.strip()]
        if indents and min(indents) == 0 < max(indents):
            broken.append(where)
    assert not broken, f"mis-indented: {broken}"
