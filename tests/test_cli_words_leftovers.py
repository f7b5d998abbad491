"""Small leftovers of earlier reviews, each with the command that showed it (real server on
loopback, CliRunner, real crypto; see tests/test_cli.py for the set-up):

- `tj discuss PREFIX` matching an entry and a note said "matches several items" (and the
  SDK's `shares.recipients` "matches several"), where every other command says what the
  prefix matches ("an entry and a note").
"""

from __future__ import annotations

import pytest

from client_sdk import InvalidInput
from tests.conftest import ClientFactory
from tests.test_cli import Device, failed_with_one_line, laptop  # noqa: F401  (a fixture)
from tests.test_cli_nu33_leftovers import ids_starting_abcd  # noqa: F401  (a fixture)


async def test_discuss_of_a_prefix_of_an_entry_and_a_note_says_what_it_matches(
    laptop: Device,  # noqa: F811
    ids_starting_abcd: None,  # noqa: F811
) -> None:
    entry_id = (await laptop.ok("write", "A day.")).stdout.strip()
    note_id = (await laptop.ok("note", "Personal", "About that day.")).stdout.strip()
    assert entry_id[:4] == note_id[:4] == "abcd"
    said = failed_with_one_line(await laptop.tj("discuss", "abcd"))
    assert said == "Error: abcd matches an entry and a note: give more of the id"
    await laptop.ok("discuss", entry_id[:12])  # a longer prefix names the entry
    assert [m["id"] for m in await laptop.json("discuss")] == [entry_id]


async def test_recipients_of_a_prefix_of_two_kinds_say_what_it_matches(
    signup: ClientFactory,
    ids_starting_abcd: None,  # noqa: F811
) -> None:
    ana = await signup("ana")
    entry = await ana.entries.write("Personal", "A day.")
    goal = await ana.goals.add("Walk")
    assert entry.id[:4] == goal.id[:4] == "abcd"
    with pytest.raises(InvalidInput, match=r"^abcd matches an entry and a goal: give more"):
        await ana.shares.recipients("abcd")
    assert await ana.shares.recipients(entry.id[:12]) == []
