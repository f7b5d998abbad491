"""NU27: what an app hands the SDK is checked at the public API, once (inputs.py).

C1: a lone surrogate ("\\ud83d", valid JSON from a web form) in any text argument of any
public method of `Client` or its managers is an InvalidInput naming the parameter, raised
before anything changes (it was a Rust PanicException, a BaseException, for a title, a tag
or a goal title, and a UnicodeEncodeError for a body or a journal name). C4: a str where a
list of str is expected is refused, never split into letters. C10: an argument of the wrong
type is an InvalidInput saying the type accepted. C3: an entry with nothing in it is
refused."""

from __future__ import annotations

import functools
import inspect
import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from client_sdk import Client, InvalidInput
from client_sdk.inputs import expected
from tests.conftest import ClientFactory

BAD = json.loads('"I felt \\ud83d okay"')  # a truncated emoji: valid JSON, not text

MANAGERS = [
    name
    for name, member in vars(Client).items()
    if isinstance(member, functools.cached_property) and not name.startswith("_")
]


def manager_class(name: str) -> type:
    hints = inspect.get_annotations(getattr(Client, name).func)
    module_name = {
        "Entries": "entries", "Journals": "journals", "Goals": "goal_tracking",
        "Prompts": "reflection", "Notes": "notes", "Shares": "shares", "Devices": "devices",
        "Measures": "measures", "InsightReports": "insight_reports", "Archives": "portability",
        "SafetyPath": "safety_path", "Assignments": "care", "Homework": "care",
        "Briefs": "practice", "Caseload": "practice", "PrivateNotes": "private_notes",
    }[hints["return"]]  # fmt: skip
    module = __import__(f"client_sdk.{module_name}", fromlist=[hints["return"]])
    cls: type = getattr(module, hints["return"])
    return cls


def public_methods(cls: type) -> list[tuple[str, inspect.Signature]]:
    found = []
    for name, member in vars(cls).items():
        if name.startswith("_") or isinstance(member, (property, functools.cached_property)):
            continue
        function = getattr(cls, name)
        if callable(function):
            found.append((name, inspect.signature(function)))
    return found


def filler(parameter: inspect.Parameter, home: Path, namespace: dict[str, Any]) -> Any:
    """A value of the parameter's type that passes the checks (the call never runs; a
    model's is a bare instance). `namespace`: the globals of the method's module."""
    annotation = str(parameter.annotation)
    if "Path" in annotation:
        return home
    wanted = expected(parameter.annotation, namespace)
    if wanted is None:
        return None
    if Mapping in wanted.classes:
        return {}
    if wanted.classes:
        return object.__new__(wanted.classes[0])
    for name, value in (
        ("str", "x"),
        ("int", 1),
        ("float", 1.0),
        ("bool", False),
        ("bytes", b"x"),
        ("datetime", datetime.now(UTC)),
        ("date", datetime.now(UTC).date()),
        ("None", None),
    ):
        if name in wanted.scalars:
            return value
    return []


def bad_value(parameter: inspect.Parameter) -> Any:
    """`BAD` where the parameter takes text: itself, in a list, or in a mapping."""
    annotation = str(parameter.annotation)
    if "Path" in annotation:
        return None
    wanted = expected(parameter.annotation)
    if wanted is not None and "str" in wanted.scalars:
        return BAD
    if wanted is not None and wanted.items is not None and "str" in wanted.items:
        return ["fine", BAD]
    if "Mapping[str" in annotation:
        return {"fine": BAD}
    return None


def text_cases() -> list[tuple[str, str, str, inspect.Signature]]:
    """(owner: "Client" or a manager's attribute name, method, parameter, signature) for
    every parameter of every public method that takes text."""
    owners: list[tuple[str, type]] = [("Client", Client)]
    owners += [(name, manager_class(name)) for name in MANAGERS]
    cases = []
    for owner, cls in owners:
        for method, signature in public_methods(cls):
            for parameter in signature.parameters.values():
                if parameter.name not in ("self", "cls") and bad_value(parameter) is not None:
                    cases.append((owner, method, parameter.name, signature))
    return cases


async def call(
    client: Client, owner: str, method: str, signature: inspect.Signature, target: str, home: Path
) -> None:
    function: Callable[..., Any] = getattr(
        client if owner == "Client" else getattr(client, owner), method
    )
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for parameter in signature.parameters.values():
        if parameter.name in ("self", "cls"):
            continue
        if parameter.name == target:
            value = bad_value(parameter)
        elif parameter.default is not inspect.Parameter.empty:
            continue
        else:
            value = filler(parameter, home, inspect.unwrap(function).__globals__)
        if parameter.kind == parameter.KEYWORD_ONLY:
            kwargs[parameter.name] = value
        else:
            args.append(value)
    result = function(*args, **kwargs)
    if inspect.isasyncgen(result):
        await result.__anext__()
    elif inspect.isawaitable(result):
        await result


async def test_every_text_argument_of_the_public_api_refuses_a_lone_surrogate(
    signup: ClientFactory, tmp_path: Path
) -> None:
    ana = await signup("ana")
    entry = await ana.entries.write(None, "Slept ok.", title="Night", tags=["sleep"])
    goal = await ana.goals.add("Walk", measure="12 sessions")
    before = (
        await ana.pending(),
        [(e.id, e.body, e.title, e.tags) for e in await ana.entries.list()],
        [(g.id, g.title, g.progress) for g in await ana.goals.list()],
        [j.name for j in await ana.journals.list()],
    )
    cases = text_cases()
    covered = {(owner, method, name) for owner, method, name, _ in cases}
    for named in [  # the fields NU27 found, and a few more: the table is built, not listed
        ("entries", "write", "body"),
        ("entries", "write", "title"),
        ("entries", "write", "tags"),
        ("entries", "write", "emotions"),
        ("entries", "edit", "append"),
        ("entries", "edit", "remove_tags"),
        ("goals", "add", "title"),
        ("goals", "checkin", "note"),
        ("journals", "create", "name"),
        ("notes", "add", "text"),
        ("safety", "set_plan", "plan"),
        ("homework", "add", "values"),
        ("private_notes", "add", "text"),
        ("devices", "rename", "name"),
        ("shares", "verify", "fingerprint"),
        ("Client", "signup", "password"),
        ("Client", "change_password", "new_password"),
    ]:
        assert named in covered, named
    assert len(cases) > 100
    wrong = []
    for owner, method, name, signature in cases:
        where = f"{owner}.{method}({name}=...)"
        try:
            await call(ana, owner, method, signature, name, tmp_path / "elsewhere")
        except InvalidInput as error:
            if not str(error).startswith(name) or "unpaired surrogate" not in str(error):
                wrong.append(f"{where}: {error}")
        except BaseException as error:  # a PanicException is no Exception
            wrong.append(f"{where}: {type(error).__name__}: {error}")
        else:
            wrong.append(f"{where}: accepted")
    assert wrong == []
    after = (
        await ana.pending(),
        [(e.id, e.body, e.title, e.tags) for e in await ana.entries.list()],
        [(g.id, g.title, g.progress) for g in await ana.goals.list()],
        [j.name for j in await ana.journals.list()],
    )
    assert after == before  # nothing changed
    assert (await ana.entries.get(entry.id)).body == "Slept ok."
    assert (await ana.goals.get(goal.id)).title == "Walk"


@pytest.mark.parametrize(
    ("label", "action", "field"),
    [
        ("body", lambda c, e, g: c.entries.write(None, BAD), "body"),
        ("title", lambda c, e, g: c.entries.write(None, "x", title=BAD), "title"),
        ("tag", lambda c, e, g: c.entries.write(None, "x", tags=[BAD]), "tags[0]"),
        ("append", lambda c, e, g: c.entries.edit(e, append=BAD), "append"),
        ("edit title", lambda c, e, g: c.entries.edit(e, title=BAD), "title"),
        ("add tag", lambda c, e, g: c.entries.edit(e, add_tags=["ok", BAD]), "add_tags[1]"),
        ("goal title", lambda c, e, g: c.goals.add(BAD), "title"),
        ("goal why", lambda c, e, g: c.goals.edit(g, why=BAD), "why"),
        ("check-in note", lambda c, e, g: c.goals.checkin(g, note=BAD), "note"),
        ("journal name", lambda c, e, g: c.journals.create(BAD), "name"),
        ("journal rename", lambda c, e, g: c.journals.rename("Personal", BAD), "new_name"),
        ("note", lambda c, e, g: c.notes.add("Personal", BAD), "text"),
        ("safety plan", lambda c, e, g: c.safety.set_plan(plan=BAD), "plan"),
        ("device name", lambda c, e, g: c.devices.rename(None, BAD), "name"),
        ("search", lambda c, e, g: c.entries.search(BAD), "query"),
    ],
)
async def test_a_lone_surrogate_is_an_invalid_input_naming_the_field(
    signup: ClientFactory,
    label: str,
    action: Callable[[Client, str, str], Any],
    field: str,
) -> None:
    ana = await signup("ana")
    entry = await ana.entries.write(None, "Slept ok.", title="Night")
    goal = await ana.goals.add("Walk", why="Fresh air.")
    pending = await ana.pending()
    with pytest.raises(InvalidInput) as raised:
        await action(ana, entry.id, goal.id)
    assert str(raised.value).startswith(f"{field} is not valid text")
    assert "position" in str(raised.value)
    assert await ana.pending() == pending
    kept = await ana.entries.get(entry.id)
    assert (kept.body, kept.title) == ("Slept ok.", "Night")
    assert [j.name for j in await ana.journals.list()] == ["Personal"]
    assert (await ana.goals.get(goal.id)).why == "Fresh air."


async def test_a_str_where_a_list_is_expected_is_refused_not_split_into_letters(
    signup: ClientFactory,
) -> None:
    """C4: `tags="sleep"` had become the tags s, l, e, p."""
    ana = await signup("ana")
    entry = await ana.entries.write(None, "x", tags=["sleep", "work"])
    for call_it, field in [
        (lambda: ana.entries.write(None, "x", tags="sleep"), "tags"),  # type: ignore[arg-type]
        (lambda: ana.entries.write(None, "x", emotions="calm"), "emotions"),  # type: ignore[arg-type]
        (lambda: ana.entries.edit(entry.id, remove_tags="work"), "remove_tags"),  # type: ignore[arg-type]
        (lambda: ana.entries.edit(entry.id, add_tags="walk"), "add_tags"),  # type: ignore[arg-type]
        (lambda: ana.entries.edit(entry.id, tags="walk"), "tags"),  # type: ignore[arg-type]
        (lambda: ana.shares.grant("Personal", "drsmith", only="mood"), "only"),  # type: ignore[arg-type]
    ]:
        with pytest.raises(InvalidInput) as raised:
            await call_it()
        assert re.match(rf"{field} is a list of strings( or None)?, not a str", str(raised.value))
    assert [e.tags for e in await ana.entries.list()] == [("sleep", "work")]
    # `entries.list(tag=...)` takes one str or several, as documented
    assert len(await ana.entries.list(tag="sleep")) == 1


async def test_an_argument_of_the_wrong_type_is_an_invalid_input_saying_the_type(
    signup: ClientFactory,
) -> None:
    """C10: `created_at="yesterday"` was a TypeError from datetime.combine."""
    ana = await signup("ana")
    goal = await ana.goals.add("Walk", measure="12 sessions")
    entry = await ana.entries.write(None, "x")
    for call_it, message in [
        (
            lambda: ana.entries.write(None, "x", created_at="yesterday"),  # type: ignore[arg-type]
            "created_at is a datetime or None, not a str ('yesterday')",
        ),
        (
            lambda: ana.entries.edit(entry.id, created_at=1767225600),  # type: ignore[arg-type]
            "created_at is a datetime or None, not an int (1767225600)",
        ),
        (
            lambda: ana.goals.checkin(goal.id, at="now"),  # type: ignore[arg-type]
            "at is a datetime or None, not a str ('now')",
        ),
        (
            lambda: ana.goals.checkin(goal.id, progress="2"),  # type: ignore[arg-type]
            "progress is a whole number or None, not a str ('2')",
        ),
        (
            lambda: ana.entries.list(limit="5"),  # type: ignore[arg-type]
            "limit is a whole number or None, not a str ('5')",
        ),
        (
            lambda: ana.measures.take("phq9", ["1"] * 9),  # type: ignore[list-item]
            "answers is a list of whole numbers, not a list",
        ),
        (lambda: ana.journals.create(None), "name is a str, not None"),  # type: ignore[arg-type]
    ]:
        with pytest.raises(InvalidInput) as raised:
            await call_it()
        assert str(raised.value).startswith(message)
    assert len(await ana.entries.list()) == 1
    assert (await ana.goals.get(goal.id)).checkins == ()


@pytest.mark.parametrize("body", ["", "   \n ", None])
async def test_an_entry_with_nothing_in_it_is_refused(
    signup: ClientFactory, body: str | None
) -> None:
    """C3: blank entries were accepted, synced and shown blank to a therapist."""
    ana = await signup("ana")
    with pytest.raises(InvalidInput) as raised:
        await ana.entries.write(None, body)  # type: ignore[arg-type]
    expected_start = "body is a str, not None" if body is None else "an entry needs something"
    assert str(raised.value).startswith(expected_start)
    assert await ana.entries.list() == []
    assert await ana.pending() == 0


async def test_a_mood_title_tag_or_emotion_alone_is_content(signup: ClientFactory) -> None:
    ana = await signup("ana")
    await ana.entries.write(None, "", mood=4)
    await ana.entries.write(None, " ", title="Rough day")
    await ana.entries.write(None, "", tags=["sleep"])
    await ana.entries.write(None, "", emotions=["calm"])
    assert len(await ana.entries.list()) == 4


async def test_an_edit_may_not_empty_an_entry(signup: ClientFactory) -> None:
    ana = await signup("ana")
    only_text = await ana.entries.write(None, "Slept ok.")
    with pytest.raises(InvalidInput, match="an entry needs something"):
        await ana.entries.edit(only_text.id, body="  ")
    assert (await ana.entries.get(only_text.id)).body == "Slept ok."
    with_mood = await ana.entries.write(None, "Tired.", mood=3)
    assert (await ana.entries.edit(with_mood.id, body="")).body == ""  # the mood stays
    titled = await ana.entries.write(None, "", title="Night", tags=["sleep"])
    edited = await ana.entries.edit(titled.id, title="", body="Could not sleep.")
    assert (edited.title, edited.body) == ("", "Could not sleep.")
    with pytest.raises(InvalidInput, match="an entry needs something"):
        await ana.entries.edit(edited.id, body="", remove_tags=["sleep"])


async def test_an_imported_archive_with_a_lone_surrogate_is_refused_naming_where(
    signup: ClientFactory,
) -> None:
    """Text from a file reaches the CRDT too: an import is checked like any argument."""
    ana = await signup("ana")
    await ana.entries.write(None, "Slept ok.", title="Night")
    archive = await ana.archive.export_json()
    archive["entries"][0]["title"] = BAD
    pending = await ana.pending()
    with pytest.raises(InvalidInput) as raised:
        await ana.archive.import_json(archive)
    assert str(raised.value).startswith("data['entries'][0]['title'] is not valid text")
    assert await ana.pending() == pending
    assert [e.title for e in await ana.entries.list()] == ["Night"]
