"""A safety flag sealed on a device that did not know the share had ended (unshared from
another of the client's devices meanwhile) leaves after the end and never reaches the
therapist: the sync that sends it says so (`SyncReport.undelivered_flags`), and
`safety.flags()` keeps it (`SafetyFlag.not_delivered`), from the owner-signed chain only
(real server on loopback, real crypto)."""

from __future__ import annotations

import pytest

from client_sdk.safety import CLOCK_SKEW_MS, UNSEEN_BEFORE_END
from tests.client.flag_judging import ITEM_9, opted_in, seal_flag, shift_clock
from tests.conftest import ClientFactory


async def test_a_flag_sent_after_the_share_ended_elsewhere_is_told_as_not_delivered(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, tablet, drsmith = await opted_in(signup, login)
    taken = await tablet.measures.take("phq9", ITEM_9)  # not synced: "offline"
    flag_id = (await tablet.safety.respond(taken.result)).flag_id
    assert flag_id is not None and await tablet.safety.waiting(flag_id)
    await laptop.shares.revoke("Personal", "drsmith")

    report = await tablet.sync()
    [told] = report.undelivered_flags
    assert (told.flag_id, told.members, told.measure) == (flag_id, ("drsmith",), "phq9")
    assert report.journals_owned == 1  # "Personal" alone: its plan's words name no journal
    said = " ".join(report.lines())
    # the end was signed seconds before the flag left, within the devices' clock skew
    # (CLOCK_SKEW_MS): "may NOT" ("was NOT" needs an end more than that before it)
    assert told.surely is False
    assert "may NOT have been delivered to drsmith" in said and "tell them yourself" in said
    assert report.has_notices()
    [mine] = [f for f in await tablet.safety.flags() if f.id == flag_id]
    assert mine.not_delivered == ("drsmith",)
    assert mine.to_dict()["not_delivered"] == ["drsmith"]
    assert (await tablet.sync()).undelivered_flags == []  # told once

    await drsmith.sync()
    assert flag_id not in {f.id for f in await drsmith.safety.flags()}


async def test_a_flag_sent_before_the_share_ended_is_not_told_as_lost(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An end signed more than CLOCK_SKEW_MS after the flag left (every clock moved 20
    minutes on), drsmith acknowledging the flag (the one proof it reached his device:
    rev32b F1), is a share ending after delivery: never told (unseen, it is told "may NOT":
    `test_flag_unseen_before_share_end.py`). One signed within that of
    its leaving is "may NOT" whenever it arrives (a server may have withheld it from the
    sync that sent the flag: `test_flag_end_withheld_once.py`)."""
    laptop, tablet, drsmith = await opted_in(signup, login)
    flag_id = await seal_flag(tablet)
    assert (await tablet.sync()).undelivered_flags == []  # sent while shared
    await drsmith.sync()
    assert flag_id in {f.id for f in await drsmith.safety.flags()}
    await drsmith.safety.acknowledge(flag_id)  # the proof it reached him (rev32b F1)
    await drsmith.sync()
    shift_clock(monkeypatch, CLOCK_SKEW_MS + 5 * 60 * 1000)
    await laptop.shares.revoke("Personal", "drsmith")
    assert (await tablet.sync()).undelivered_flags == []
    [mine] = [f for f in await tablet.safety.flags() if f.id == flag_id]
    assert mine.not_delivered == ()
    await laptop.sync()
    assert [f.not_delivered for f in await laptop.safety.flags()] == [()]


async def test_the_servers_word_that_the_member_left_is_told_may_not_never_was_not(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """Hostile server: the server alone says drsmith left (an owner device then drops them on
    that word, `removed` with `because` not served); a flag the tablet sends after it is
    told "may NOT have been delivered" (the server's word may make the device warn more,
    never less: rev33a F2), never "was NOT" (which only the owner's own signed end says),
    once."""
    laptop, tablet, drsmith = await opted_in(signup, login)
    flag_id = await seal_flag(tablet)
    await drsmith.sync()
    await drsmith.shares.leave("ana/Personal")  # the server's word to ana's devices
    await laptop.sync()
    personal = bytes.fromhex((await laptop.journals.get("Personal")).id)
    assert not laptop.replica.chains.current(personal).members  # dropped, on that word
    report = await tablet.sync()
    assert report.pushed
    [told] = report.undelivered_flags
    assert (told.flag_id, told.members, told.surely) == (flag_id, ("drsmith",), False)
    assert told.reason == UNSEEN_BEFORE_END
    assert "was NOT" not in " ".join(report.lines())
    assert (await tablet.sync()).undelivered_flags == []  # told once
    [mine] = [f for f in await tablet.safety.flags() if f.id == flag_id]
    assert (mine.not_delivered, mine.surely_not_delivered) == (("drsmith",), ())
