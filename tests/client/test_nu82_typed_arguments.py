"""nu82 F8: an argument annotated with one of the SDK's models, a path, a mapping or a
function is checked like a plain one (client_sdk/inputs.py): the wrong kind of value is an
InvalidInput (subject "value") naming the parameter and what it takes, raised before the
method runs. `safety.respond(taken)` (the `Taken`, where its `result` is wanted) was an
AttributeError on the path that shows the crisis message. Real server on 127.0.0.1."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from client_sdk import Client, InvalidInput
from client_sdk.inputs import expected
from tests.client.test_nu27_inputs import MANAGERS, manager_class, public_methods
from tests.conftest import ClientFactory

ITEM_9 = [0, 0, 0, 0, 0, 0, 0, 0, 1]

UNCHECKED = {
    "Archives.import_json(data)": "Any: a parsed archive, checked by the import itself",
    "Archives.import_dayone(data)": "Any: a parsed archive, checked by the import itself",
    "Shares.ask_erased_owners(retry)": "RetryPolicy is imported for type checking only",
}
"""Public parameters whose annotation names no type known at run time, and why."""


async def test_a_taken_where_its_result_is_wanted_is_refused_before_the_safety_path_runs(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    taken = await ana.measures.take("phq9", ITEM_9)
    assert taken.result.safety_concern
    with pytest.raises(InvalidInput) as refused:
        await ana.safety.respond(taken)  # type: ignore[arg-type]
    assert refused.value.subject == "value"
    assert str(refused.value) == "result is a MeasureResult, not a Taken: pass its .result"
    response = await ana.safety.respond(taken.result)  # the message is there once right
    assert response.lines


async def test_model_path_mapping_and_function_arguments_of_the_wrong_kind_are_refused(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    taken = await ana.measures.take("phq9", ITEM_9)
    csv = "full_date,date,weekday,time,mood,activities,note_title,note\n"
    calls: list[tuple[Callable[[], Awaitable[Any]], str]] = [
        (
            lambda: ana.safety.respond(taken.result, hints={}),  # type: ignore[arg-type]
            "hints is a SafetyHints, not a dict ({})",
        ),
        (
            lambda: ana.archive.export_markdown(12345),  # type: ignore[arg-type]
            "directory is a str or a pathlib.Path, not an int (12345)",
        ),
        (
            lambda: ana.archive.import_daylio(csv, moods=[("tired", 4)]),  # type: ignore[arg-type]
            "moods is a dict or None, not a list ([('tired', 4)])",
        ),
        (
            lambda: ana.archive.import_daylio(csv, progress=5),  # type: ignore[arg-type]
            "progress is a function or None, not an int (5)",
        ),
        (
            lambda: ana.safety.mark_shown(plan=12345),  # type: ignore[arg-type]
            "plan is a SafetyPlan, not an int (12345)",
        ),
        (
            lambda: ana.briefs.share(brief=12345, username="tom"),  # type: ignore[arg-type]
            "brief is a Brief, not an int (12345)",
        ),
        (
            lambda: ana.sync(progress="quiet"),  # type: ignore[arg-type]
            "progress is a function or None, not a str ('quiet')",
        ),
    ]
    for call_it, message in calls:
        with pytest.raises(InvalidInput) as refused:
            await call_it()
        assert (refused.value.subject, str(refused.value)) == ("value", message)
    with pytest.raises(InvalidInput) as refused:
        ana.measures.changes([taken])  # type: ignore[list-item]
    assert str(refused.value) == "results is a list of MeasureResults, not a list holding a Taken"
    with pytest.raises(InvalidInput) as refused:
        await Client.open(12345)  # type: ignore[arg-type]
    assert str(refused.value) == "home is a str or a pathlib.Path, not an int (12345)"
    assert await ana.entries.list() == []


def test_every_parameter_of_the_public_api_is_checked_against_its_annotation() -> None:
    """One rule for all (README: "Every public method checks its arguments"): every
    parameter of `Client` and its managers has an annotation that `checks_inputs` reads,
    but those UNCHECKED says why."""
    unread = []
    for cls in [Client, *(manager_class(name) for name in MANAGERS)]:
        for method, _ in public_methods(cls):
            function = inspect.unwrap(getattr(cls, method))
            for parameter in inspect.signature(function).parameters.values():
                if parameter.name in ("self", "cls") or parameter.kind in (
                    parameter.VAR_POSITIONAL,
                    parameter.VAR_KEYWORD,
                ):
                    continue
                if expected(parameter.annotation, function.__globals__) is None:
                    unread.append(f"{cls.__name__}.{method}({parameter.name})")
    assert sorted(unread) == sorted(UNCHECKED)
