"""A flag told "was NOT delivered" by the sync that judged it stays "was NOT" where it is
kept (`SafetyFlag.surely_not_delivered`, `tj safety flags`' status cell and note, `--json`
`surely_not_delivered`); one told "may NOT have been delivered" stays "may NOT": the device
records which it told (FLAGS_UNDELIVERED), never one word for both (real server on loopback,
real crypto; the CLI's words from its pure functions)."""

from __future__ import annotations

import pytest

import cli.main  # noqa: F401  (the commands load in order)
from cli.safety import not_delivered_lines, status_words
from tests.client.flag_judging import opted_in, seal_flag, shift_clock
from tests.conftest import ClientFactory


async def test_a_flag_sealed_an_hour_after_the_unshare_is_kept_as_was_not_delivered(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop, tablet, drsmith = await opted_in(signup, login)
    await laptop.shares.revoke("Personal", "drsmith")
    shift_clock(monkeypatch, 3600 * 1000)
    flag_id = await seal_flag(tablet)
    [told] = (await tablet.sync()).undelivered_flags
    assert (told.flag_id, told.surely) == (flag_id, True)

    [mine] = [f for f in await tablet.safety.flags() if f.id == flag_id]
    assert (mine.not_delivered, mine.surely_not_delivered) == (("drsmith",), ("drsmith",))
    row = mine.to_dict()
    assert (row["status"], row["surely_not_delivered"]) == ("not delivered", ["drsmith"])
    cell = status_words(mine)
    assert cell.startswith("not delivered to drsmith: was NOT delivered to them: the share ended")
    assert "may NOT" not in cell
    [note] = not_delivered_lines([mine])
    assert note.startswith("Not delivered: the safety flag of that answer was NOT delivered to")
    assert "may NOT" not in note and "tell them yourself" in note


async def test_a_flag_sent_just_before_the_unshare_is_kept_as_may_not_have_been_delivered(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, tablet, drsmith = await opted_in(signup, login)
    flag_id = await seal_flag(tablet)  # not synced: "offline"
    await laptop.shares.revoke("Personal", "drsmith")
    [told] = (await tablet.sync()).undelivered_flags
    assert (told.flag_id, told.surely) == (flag_id, False)

    [mine] = [f for f in await tablet.safety.flags() if f.id == flag_id]
    assert (mine.not_delivered, mine.surely_not_delivered) == (("drsmith",), ())
    assert mine.to_dict()["surely_not_delivered"] == []
    cell = status_words(mine)
    assert cell.startswith("not delivered to drsmith: may NOT have reached them")
    assert "was NOT" not in cell
    [note] = not_delivered_lines([mine])
    assert "may NOT have been delivered to drsmith" in note and "was NOT" not in note
