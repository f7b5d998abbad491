"""rev-lead: review of 1ce5d0d..b0e9eac (NU29 F6, F7; rev-nu29b B1-B4 fixes). Each test was a
strict xfail first: it failed on b0e9eac at the assertion that shows its bug (all fixed
since). Real server on 127.0.0.1, real crypto (the hostile proxy of tests/client/hostile.py
where the server lies).

L1 (high): `Sharing.limited_share` still renews a lapsed whole-journal share on new terms
without `full` when that membership's `ended` entry is not in the chain this device read:
the `whole is not None and all(lapsed ...)` return (and `not found` with `whole` lapsed)
treats a membership whose end date passed, but that no sync closed yet, as a reason to renew
the whole journal, while the same chain with its `ended` entry renews the copy (or refuses).
Which answer the owner gets is then the server's choice (it withholds the `ended` entry and
the copy's renewal from one owner device until the grant has decided), or the accident of
not having synced since the end dates passed.

L2 (medium): two CLI sinks print another account's text without `output.shown`: every SDK
error (TJGroup raises click.ClickException(output.one_line(...)): one_line folds white space
only), e.g. `only_the_owner_can`'s "{owner}/{journal.name}" and `check_may_write`'s
shlex-quoted `tj share` hint; and click.confirm questions, e.g. `tj notes withdraw`'s
`withdrawn_words` (journal "owner/name" and note text)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from client_sdk import INSECURE_TEST_COST, Client
from client_sdk.errors import InvalidInput
from client_sdk.sharing import ShareInfo
from tests.client.hostile import HostileServer, hostile  # noqa: F401 (fixture)
from tests.client.sharing_support import journal_id, journal_named_by_another_sdk, share_with
from tests.conftest import PASSWORD, ClientFactory, RunningServer

DAY_MS = 24 * 3600 * 1000
SECRET = "I never told anyone about the accident"
LIST = "/v1/journals/list"


def move_clock(live_server: RunningServer, monkeypatch: pytest.MonkeyPatch, ms: int) -> int:
    live_server.clock.now += ms
    later = live_server.clock.now
    for module in ("client_sdk.replica", "client_sdk.sharing", "client_sdk.shares"):
        monkeypatch.setattr(f"{module}.now_ms", lambda: later)
    return later


def at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


async def test_a_server_withholding_the_ended_entry_cannot_turn_new_terms_into_the_whole_journal(
    signup: ClientFactory,
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """B1's first case (the owner renews only the copy after the whole share lapsed), with
    ana's second device: the server (with tom) keeps answering that device's journal list
    as it was before the end date (it withholds the newer chain entries, which no device can
    tell from "nothing new") until the grant has decided, then answers truly."""
    ana = await signup("ana")
    tom = await signup("tom")
    desk = await Client.login(
        hostile.url,
        "ana",
        PASSWORD,
        home=tmp_path / "ana-desk",
        device_name="desk",
        minimum_cost=INSECURE_TEST_COST,
    )
    try:
        await ana.entries.write("Personal", SECRET, mood=3)
        copy = await share_with(ana, tom, only=["mood"])
        await share_with(
            ana, tom, full=True, expires_at=datetime.now().astimezone() + timedelta(days=1)
        )
        await desk.sync()  # the desk's last honest view: tom reads all of it until tomorrow
        stale = hostile.replies_to(LIST)[-1]
        later = move_clock(live_server, monkeypatch, 2 * DAY_MS)
        await ana.sync()  # `ended` signed for both shares
        # ana's choice now: tom reads the mood only (the documented way: the copy's name).
        renewed = await ana.shares.grant(copy.journal, "tom", expires_at=at(later + 10 * DAY_MS))
        assert (renewed.kind, renewed.fields) == ("mirror", ("mood",))

        honest: list[bool] = []
        hostile.replies[LIST] = lambda _body, real: real if honest else stale
        synced: Callable[..., Awaitable[Any]] = desk.replica.sync

        async def sync(*args: Any, **kwargs: Any) -> Any:
            honest.append(True)  # the server answers truly from here on
            return await synced(*args, **kwargs)

        monkeypatch.setattr(desk.replica, "sync", sync)
        # Later, on the desk: a new end date for what tom reads (the mood), never a widening.
        try:
            again: ShareInfo | None = await desk.shares.grant(
                "Personal", "tom", expires_at=at(later + 30 * DAY_MS)
            )
        except InvalidInput:  # refused (the copy changed on another device): nothing widened
            again = None
        personal = await journal_id(ana, "Personal")
        await ana.sync()
        whole = ana.replica.chains.current(personal).current_terms(tom.profile.account_id, later)
        await tom.sync()
        bodies = {e.body for e in await tom.entries.list()}
        assert again is None or (again.kind, again.fields) == ("mirror", ("mood",)), again
        assert whole is None, "widened to the whole journal"
        assert SECRET not in bodies
    finally:
        await desk.close()


async def test_new_terms_before_any_sync_after_the_end_dates_do_not_renew_the_whole_journal(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No lie at all: ana renews only the copy kept for tom past the whole share's end date,
    then does not sync for a while (both end dates pass); her first command back is a new
    end date for tom. With a sync first it renews the copy (the mood only); without one it
    renews the whole journal: every entry, also those written before the copy's start."""
    ana = await signup("ana")
    tom = await signup("tom")
    await ana.entries.write("Personal", SECRET, mood=3)
    copy = await share_with(ana, tom, only=["mood"])
    await share_with(
        ana, tom, full=True, expires_at=datetime.now().astimezone() + timedelta(days=1)
    )
    # Only the copy goes on past tomorrow: ana's latest choice is the mood only.
    renewed = await ana.shares.grant(
        copy.journal, "tom", expires_at=datetime.now().astimezone() + timedelta(days=5)
    )
    assert (renewed.kind, renewed.fields) == ("mirror", ("mood",))
    later = move_clock(live_server, monkeypatch, 10 * DAY_MS)  # both ended; no sync yet
    again = await ana.shares.grant("Personal", "tom", expires_at=at(later + 30 * DAY_MS))
    personal = await journal_id(ana, "Personal")
    whole = ana.replica.chains.current(personal).current_terms(tom.profile.account_id, later)
    await tom.sync()
    bodies = {e.body for e in await tom.entries.list()}
    assert (again.kind, again.fields) == ("mirror", ("mood",)), again
    assert whole is None, "widened to the whole journal"
    assert SECRET not in bodies


async def test_a_member_leaving_the_copy_before_the_ended_entry_does_not_get_the_whole_journal(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """rev-nu29b's fourth B1 case, where the owner renewed the copy before the whole share's
    end date and has not synced since it passed: tom (with the server) stops being served
    the copy, ana's device drops him from it on the server's word, and her next plain new
    end date must be refused as it is once a sync signed `ended`."""
    from tests.client.test_r22_attacks import server_stops_serving

    ana = await signup("ana")
    tom = await signup("tom")
    await ana.entries.write("Personal", SECRET, mood=3)
    copy = await share_with(ana, tom, only=["mood"])
    await share_with(
        ana, tom, full=True, expires_at=datetime.now().astimezone() + timedelta(days=1)
    )
    await ana.shares.grant(
        copy.journal, "tom", expires_at=datetime.now().astimezone() + timedelta(days=5)
    )
    later = move_clock(live_server, monkeypatch, 2 * DAY_MS)  # the whole share lapsed
    server_stops_serving(live_server, bytes.fromhex(copy.journal_id), tom.profile.account_id)
    await ana.shares.list()  # drops tom from the copy on the server's word
    try:
        again: ShareInfo | None = await ana.shares.grant(
            "Personal", "tom", expires_at=at(later + 30 * DAY_MS)
        )
    except InvalidInput:
        again = None
    personal = await journal_id(ana, "Personal")
    whole = ana.replica.chains.current(personal).current_terms(tom.profile.account_id, later)
    await tom.sync()
    bodies = {e.body for e in await tom.entries.list()}
    assert again is None, again
    assert whole is None, "widened to the whole journal"
    assert SECRET not in bodies


async def test_cli_first_renewal_after_a_break_keeps_the_copy_the_owner_renewed_last(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI does not sync before `tj share`: ana renews only the copy kept for drkim past
    the whole share's end date, takes a break (no sync), and her first command back is the
    renewal the end-date notice names for a copy (`--until` alone)."""
    from tests.test_cli_insights import new_device
    from tests.test_cli_sharing import move_clocks

    ana = await new_device(live_server, tmp_path, "ana")
    drkim = await new_device(live_server, tmp_path, "drkim")
    await ana.ok("write", "The whole text of it.")
    fingerprint = ("--fingerprint", drkim.signup["fingerprint"])
    await ana.ok("share", "Personal", "drkim", "--only", "mood", *fingerprint)
    tomorrow = f"{datetime.now() + timedelta(days=1):%Y-%m-%d}"
    await ana.ok("share", "Personal", "drkim", "--full", "--until", tomorrow)
    soon = f"{datetime.now() + timedelta(days=5):%Y-%m-%d}"
    copy = "Personal (mood) for drkim"
    renewed = await ana.ok("share", copy, "drkim", "--until", soon)
    assert "the copy of the mood of Personal" in renewed.output, renewed.output
    move_clocks(live_server, monkeypatch, 10 * DAY_MS)  # both end dates passed; no sync
    later = f"{datetime.now() + timedelta(days=40):%Y-%m-%d}"
    again = await ana.ok("share", "Personal", "drkim", "--until", later)
    await drkim.ok("sync")
    bodies = [e["body"] for e in await drkim.json("list")]  # every journal they read
    assert "every entry in full" not in again.output, again.output
    assert "The whole text of it." not in bodies


EVIL = "Notes\x1b]52;c;cm0gLXJmIH4K\x07"
"""A journal name with an OSC 52 sequence (sets the terminal's clipboard to "rm -rf ~\\n"):
click strips no OSC sequence, on a terminal or not."""


async def test_a_refused_note_withdrawal_escapes_the_owners_journal_name(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj notes withdraw` by a therapist whose client made the share read-only fails with
    `only_the_owner_can`'s text, which names the journal as "{owner}/{journal.name}" (not
    repr'd): the TJGroup turns it into `Error: ...` on stderr without `output.shown`."""
    from tests.test_cli_insights import new_device

    mal = await new_device(live_server, tmp_path, "mallory")
    drkim = await new_device(live_server, tmp_path, "drkim")
    await journal_named_by_another_sdk(mal.home, EVIL)  # the CLI refuses it
    await mal.ok("write", "--journal", EVIL, "hello")
    fingerprint = ("--fingerprint", drkim.signup["fingerprint"])
    await mal.ok("share", EVIL, "drkim", "--full", "--role", "annotate", *fingerprint)
    await drkim.ok("sync")
    note = (await drkim.ok("note", f"mallory/{EVIL}", "A note.")).stdout.strip()
    await mal.ok("share", EVIL, "drkim", "--role", "read")
    refused = await drkim.tj("notes", "withdraw", note[:8], "--yes")
    assert refused.exit_code == 1 and "Only mallory can remove it now" in refused.stderr
    assert "\x1b" not in refused.stderr and "\x07" not in refused.stderr, repr(refused.stderr)


async def test_the_withdraw_question_escapes_the_owners_journal_name(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """Without --yes, `tj notes withdraw` asks "Withdraw the note in OWNER/JOURNAL of ...:
    "TEXT"?" through click.confirm, which prints the prompt as given."""
    from tests.test_cli_insights import new_device

    mal = await new_device(live_server, tmp_path, "mallory")
    drkim = await new_device(live_server, tmp_path, "drkim")
    await journal_named_by_another_sdk(mal.home, EVIL)  # the CLI refuses it
    await mal.ok("write", "--journal", EVIL, "hello")
    fingerprint = ("--fingerprint", drkim.signup["fingerprint"])
    await mal.ok("share", EVIL, "drkim", "--full", "--role", "annotate", *fingerprint)
    await drkim.ok("sync")
    note = (await drkim.ok("note", f"mallory/{EVIL}", "A note.")).stdout.strip()
    asked = await drkim.tj("notes", "withdraw", note[:8], input="n\n")
    assert asked.exit_code == 1 and "Withdraw the note in mallory/" in asked.stderr
    assert "\x1b" not in asked.stderr and "\x07" not in asked.stderr, repr(asked.stderr)
