"""What a sync run inside another call brings is told (rev30b F7, F8). A therapist's own
share (`client.shares.grant`, whose grant syncs first and pushes) pulls a client's new
safety flag: its news are kept for `unseen_news` (what `tj sync` says as "Earlier"), never
lost with a report no caller reads. `client.briefs.share` syncs first: that sync's report
(a flag judged NOT delivered there, told once) comes back with the share
(`ShareInfo.synced`). Real server on 127.0.0.1, real crypto."""

from __future__ import annotations

from client_sdk import Client
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def _flag_after_a_new_epoch(signup: ClientFactory) -> tuple[Client, Client, Client]:
    """ana shares Personal with drsmith (annotate, safety flags); drsmith has a journal of his
    own; ana's journal moves to a new epoch (a removal), then she raises a safety flag."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    coach, colleague = await signup("coach"), await signup("colleague")
    await share_with(ana, drsmith, role="annotate", safety_flags=True)
    await share_with(ana, coach, role="read")
    await ana.sync()
    await drsmith.sync()
    await drsmith.journals.create("Practice")
    await drsmith.sync()
    await ana.shares.revoke("Personal", "coach")
    taken = await ana.measures.take("phq9", [0] * 8 + [2])
    await ana.safety.respond(taken.result)
    await ana.sync()
    return ana, drsmith, colleague


def flag_news(news: list[str]) -> list[str]:
    return [line for line in news if "safety flag" in line]


async def test_a_new_flag_a_therapists_own_share_pulled_is_kept_for_unseen_news(
    signup: ClientFactory,
) -> None:
    _, drsmith, colleague = await _flag_after_a_new_epoch(signup)
    await share_with(drsmith, colleague, journal="Practice")  # its grant syncs first
    kept = [str(n) for n in await drsmith.unseen_news()]
    assert "1 new safety flag from ana" in kept
    report = await drsmith.sync()
    assert flag_news(report.lines()) == [], "told once: kept, not said again as new"
    assert [str(n) for n in await drsmith.unseen_news()] == kept
    assert len(await drsmith.safety.flags()) == 1


async def test_control_the_flag_told_by_a_plain_sync(signup: ClientFactory) -> None:
    _, drsmith, _ = await _flag_after_a_new_epoch(signup)
    report = await drsmith.sync()
    assert flag_news(report.lines())


async def test_a_flag_judged_not_delivered_in_briefs_shares_sync_is_told_by_the_next(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """ana's laptop removes drsmith while her phone, behind, raises a flag sealed for him;
    the phone then shares a brief with drlee (`briefs.share` syncs first, judging the flag
    not delivered): the phone's next `sync()` tells it, once."""
    laptop, drsmith, drlee = await signup("ana"), await signup("drsmith"), await signup("drlee")
    await share_with(laptop, drsmith, role="annotate", safety_flags=True)
    await share_with(laptop, drlee, role="read")
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    await laptop.shares.revoke("Personal", "drsmith")
    await laptop.sync()
    taken = await phone.measures.take("phq9", [0] * 8 + [2])
    flag_id = (await phone.safety.respond(taken.result)).flag_id
    brief = await phone.briefs.prepare(therapist="drlee")
    await phone.briefs.share(brief, "drlee", fingerprint=await drlee.shares.fingerprint())
    report = await phone.sync()
    assert [(u.flag_id, u.members) for u in report.undelivered_flags] == [(flag_id, ("drsmith",))]
    again = await phone.sync()
    assert again.undelivered_flags == []


async def test_control_a_flag_judged_not_delivered_told_by_a_plain_sync(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(laptop, drsmith, role="annotate", safety_flags=True)
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    await laptop.shares.revoke("Personal", "drsmith")
    await laptop.sync()
    taken = await phone.measures.take("phq9", [0] * 8 + [2])
    flag_id = (await phone.safety.respond(taken.result)).flag_id
    report = await phone.sync()
    assert [u.flag_id for u in report.undelivered_flags] == [flag_id]
