"""fix31d item 3: the words of an id prefix that matches several documents are written in one
place (`errors.ambiguous_id`, subject `errors.AMBIGUOUS_ID`), checked here once: the same
sentence and subject wherever such a prefix is refused, an entry's prefix included (it had no
subject), and no module writes them itself. Real server on loopback, real crypto."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import cli
import client_sdk
from client_sdk import InvalidInput
from client_sdk.errors import AMBIGUOUS_ID, ambiguous_id
from tests.conftest import ClientFactory
from tests.test_cli_nu33_leftovers import ids_starting_abcd  # noqa: F401 (fixture)


def test_the_one_wording_of_an_ambiguous_prefix() -> None:
    refused = ambiguous_id("abcd", "2 check-ins")
    assert isinstance(refused, InvalidInput)
    assert str(refused) == "abcd matches 2 check-ins: give more of the id"
    assert refused.subject == AMBIGUOUS_ID == "ambiguous id"


def test_no_module_writes_the_words_itself() -> None:
    """The subject's string and the sentence live in errors.py alone: every other module
    names AMBIGUOUS_ID or calls `ambiguous_id` (the SDK's and the CLI's modules)."""
    sentence = re.compile(r"matches [^\"']*: give more of the id\"")
    written = []
    for package in (client_sdk, cli):
        for path in sorted(Path(package.__file__).parent.glob("*.py")):
            if path.name == "errors.py" and package is client_sdk:
                continue
            text = path.read_text()
            if '"ambiguous id"' in text or sentence.search(text):
                written.append(path.name)
    assert written == []


async def test_every_ambiguous_document_prefix_is_refused_alike(
    signup: ClientFactory,
    ids_starting_abcd: None,  # noqa: F811
) -> None:
    ana = await signup("ana")
    first = await ana.entries.write("Personal", "A day.")
    second = await ana.entries.write("Personal", "Another day.")
    goal = await ana.goals.add("Walk")
    assert first.id[:4] == second.id[:4] == goal.id[:4] == "abcd"
    for call in (ana.entries.get("abcd"), ana.shares.recipients("abcd")):  # the first: no subject
        with pytest.raises(InvalidInput) as refused:
            await call
        assert refused.value.subject == AMBIGUOUS_ID, refused.value
        assert str(refused.value) == "abcd matches 2 entries and a goal: give more of the id"
    second_goal = await ana.goals.add("Read")
    with pytest.raises(InvalidInput) as refused:
        await ana.goals.get("abcd")  # a goal's prefix, two goals
    assert refused.value.subject == AMBIGUOUS_ID
    assert str(refused.value) == "abcd matches 2 goals: give more of the id"
    assert second_goal.id.startswith("abcd")
    assert (await ana.entries.get(first.id[:12])).id == first.id
