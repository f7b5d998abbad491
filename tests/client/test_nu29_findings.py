"""NU29 findings (SDK side): F2, renewing a whole-journal share that reached its end date
while an ended field-level copy exists: refused without `full=True`, which renews it;
F8, `entries.edit(append=...)` joins with one space. Real server on 127.0.0.1, real crypto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from client_sdk.errors import InvalidInput
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_r22_attacks import server_stops_serving
from tests.conftest import ClientFactory, RunningServer

DAY_MS = 24 * 3600 * 1000
SECRET = "I never told anyone about the accident"


def move_clock(live_server: RunningServer, monkeypatch: pytest.MonkeyPatch, ms: int) -> int:
    live_server.clock.now += ms
    later = live_server.clock.now
    for module in ("client_sdk.replica", "client_sdk.sharing", "client_sdk.shares"):
        monkeypatch.setattr(f"{module}.now_ms", lambda: later)
    return later


async def test_renewing_a_lapsed_whole_share_after_an_ended_copy_renews_the_whole_share(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NU29 F2: mood-and-tags copy, then the whole journal, both unshared, then the whole
    journal with an end date that passes (a sync signs its `ended` entry). A new end date
    alone is refused, saying what tom read (a copy was kept for him: which share new terms
    renew is the owner's choice, rev-nu29b B1); with `full=True` (what the end-date notice
    suggests) it renews the whole-journal share and tom reads the whole text again."""
    ana = await signup("ana")
    tom = await signup("tom")
    await ana.entries.write("Personal", SECRET, mood=3)
    await share_with(ana, tom, only=["mood", "tags"])
    await share_with(ana, tom, full=True)
    await ana.shares.revoke("Personal", "tom")
    with pytest.raises(
        InvalidInput,
        match=r"tom read all of 'Personal', and the mood, tags of it through a copy; both "
        r"shares were ended .*nothing was changed",
    ):
        await ana.shares.grant("Personal", "tom", role="read")
    until = datetime.now().astimezone() + timedelta(days=1)
    await share_with(ana, tom, full=True, expires_at=until)
    later = move_clock(live_server, monkeypatch, 2 * DAY_MS)
    await ana.sync()  # signs the whole share's `ended` entry
    personal = await journal_id(ana, "Personal")
    chain = ana.replica.chains.current(personal)
    assert chain.member_by_account(tom.profile.account_id) is None
    assert chain.last_terms(tom.profile.account_id) is not None

    new_end = datetime.fromtimestamp((later + 30 * DAY_MS) / 1000, UTC)
    with pytest.raises(
        InvalidInput,
        match=r"tom read all of 'Personal' until its end date passed, and the mood, tags of "
        r"it through a copy whose share was ended .*nothing was changed",
    ):
        await ana.shares.grant("Personal", "tom", expires_at=new_end)
    assert chain.member_by_account(tom.profile.account_id) is None
    renewed = await ana.shares.grant("Personal", "tom", expires_at=new_end, full=True)
    assert (renewed.journal, renewed.kind, renewed.fields) == ("Personal", "journal", None)
    assert renewed.expires_at is not None
    assert abs((renewed.expires_at - new_end).total_seconds()) < 60
    member = ana.replica.chains.current(personal).member_by_account(tom.profile.account_id)
    assert member is not None and not member.ended(later)
    await tom.sync()
    assert SECRET in {e.body for e in await tom.entries.list()}


async def test_a_lapsed_whole_share_narrowed_since_is_not_widened_by_new_terms(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other order: the whole share lapsed, then the owner shared only the mood (the
    later choice), then the server stopped serving tom the copy (removed on its word). A
    new end date alone is refused, naming the mood, and never renews the whole journal."""
    ana = await signup("ana")
    tom = await signup("tom")
    await ana.entries.write("Personal", SECRET, mood=3)
    await share_with(
        ana, tom, full=True, expires_at=datetime.now().astimezone() + timedelta(days=1)
    )
    later = move_clock(live_server, monkeypatch, 2 * DAY_MS)
    await ana.sync()  # signs the `ended` entry
    first = await share_with(ana, tom, only=["mood"])
    server_stops_serving(live_server, bytes.fromhex(first.journal_id), tom.profile.account_id)
    await ana.shares.list()  # drops tom from the copy on the server's word
    new_end = datetime.fromtimestamp((later + 30 * DAY_MS) / 1000, UTC)
    with pytest.raises(
        InvalidInput, match=r"tom read all of 'Personal' until its end date passed, and the mood"
    ):
        await ana.shares.grant("Personal", "tom", expires_at=new_end)
    personal = await journal_id(ana, "Personal")
    assert ana.replica.chains.current(personal).member_by_account(tom.profile.account_id) is None


async def test_an_append_joins_with_one_space_only_where_neither_side_has_one(
    signup: ClientFactory,
) -> None:
    """F8: "at work" + "and tired" reads "at work and tired"; a leading space, a new line, a
    text ending in white space or an empty text get nothing added; with `body` too, the
    append joins the new body."""
    ana = await signup("ana")
    entry = await ana.entries.write(None, "I feel stuck at work")
    edited = await ana.entries.edit(entry.id, append="and tired")
    assert edited.body == "I feel stuck at work and tired"
    assert (await ana.entries.edit(entry.id, append=" again.")).body == (
        "I feel stuck at work and tired again."
    )
    assert (await ana.entries.edit(entry.id, append="\nLater: better.")).body == (
        "I feel stuck at work and tired again.\nLater: better."
    )
    assert (await ana.entries.edit(entry.id, body="Line one\n", append="two")).body == (
        "Line one\ntwo"
    )
    assert (await ana.entries.edit(entry.id, body="New", append="start")).body == "New start"
    untitled = await ana.entries.write(None, "", title="Only a title")
    assert (await ana.entries.edit(untitled.id, append="first words")).body == "first words"
