"""nu83 F9, F6: a flag sealed on one device of the client, whose member's share ended before
they acknowledged it, is "may NOT have been delivered" on every device of the account, judged
there from the verified chain and acknowledgements; told (the one-time safety line) by the
device that sealed it only; and a member who left is named as having left (real server on
loopback, real crypto)."""

from __future__ import annotations

from tests.client.flag_judging import opted_in, seal_flag
from tests.conftest import ClientFactory


async def test_a_flag_sealed_on_another_device_is_not_delivered_there_too(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, tablet, drsmith = await opted_in(signup, login)
    flag_id = await seal_flag(tablet)
    assert flag_id is not None
    await tablet.sync()
    await laptop.sync()  # holds the tablet's flag
    [seen] = [f for f in await laptop.safety.flags() if f.id == flag_id]
    assert seen.status == "sent" and seen.not_delivered == ()  # still shared: on its way
    await laptop.shares.revoke("Personal", "drsmith")
    await laptop.sync()
    await tablet.sync()
    # the device that did not seal it judges it from what it verifies itself
    [lost] = [f for f in await laptop.safety.flags() if f.id == flag_id]
    assert lost.status == "not delivered"
    assert lost.not_delivered == ("drsmith",) and lost.surely_not_delivered == ()
    assert lost.to_dict()["not_delivered"] == ["drsmith"]
    # the sealer agrees; the laptop never tells it (told once, by the sealer)
    [mine] = [f for f in await tablet.safety.flags() if f.id == flag_id]
    assert mine.not_delivered == ("drsmith",)
    assert (await laptop.sync()).undelivered_flags == []


async def test_an_acknowledged_flag_of_another_device_stays_acknowledged(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, tablet, drsmith = await opted_in(signup, login)
    flag_id = await seal_flag(tablet)
    assert flag_id is not None
    await tablet.sync()
    await drsmith.sync()
    await drsmith.safety.acknowledge(flag_id)
    await drsmith.sync()
    await laptop.shares.revoke("Personal", "drsmith")
    await laptop.sync()
    [seen] = [f for f in await laptop.safety.flags() if f.id == flag_id]
    assert seen.status == "acknowledged" and seen.not_delivered == ()


async def test_a_member_who_left_is_named_as_leaving_in_the_safety_line(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, tablet, drsmith = await opted_in(signup, login)
    await drsmith.sync()
    flag_id = await seal_flag(laptop)
    assert flag_id is not None
    await laptop.sync()
    await drsmith.shares.leave("ana/Personal")
    report = await laptop.sync()
    report = report if report.undelivered_flags else await laptop.sync()
    [told] = report.undelivered_flags
    line = told.line()
    assert "may NOT have been delivered to drsmith" in line
    assert "left the share" in line
    assert "an unshare" not in line and "end date" not in line
