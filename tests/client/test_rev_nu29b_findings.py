"""rev-nu29b: review of NU29 F2, F3, F5, F8 and F4 (4a4263b..fix-nu29b). Each test failed
while its finding's bug was there (written as strict xfails first; all fixed since: B1 by
taking back F2's exception, new terms never renew a whole journal while a copy was kept for
the member, `full=True` does). Real server on 127.0.0.1, real crypto; the CLI tests run `tj`
through CliRunner against the same server.

B1 (F2, high): after the owner's whole-journal share lapses and the owner then chooses a
field-level share again (renewing the copy kept for the member, or `only=` reusing it), the
next plain new end date (`grant` without `only`/`full`) renews the *whole* journal: the NU29
F2 exception compares the lapsed membership's `granted` position with `limited` entries only,
and neither way of choosing the copy again signs a new `limited` entry. The same holds once
that copy's share ended afterwards (the owner's unshare, or the member leaving it on the
server's word): the plain new end date, refused before NU29 F2, now grants the whole journal.

B2 (F3, medium): `tj shared-with-me` prints each kept copy's `tj forget` advice with a bare
click.echo: another account's journal name reaches the terminal with its control characters.

B3 (F8, low): an append always puts a space between the text and a mark written straight
after a word (".", ",", ...) or between two characters of a script written without spaces,
where protocol.md section 5 rule 2 (glued_inserts) puts none.

B4 (F3, low): after `tj leave` on this device, `tj journal list` (and `Journal.unlisted`)
calls the copy "no longer served" (the server's word, forget needs --unlisted) while `tj
shared-with-me` says "share ended" and gives plain `tj forget`, which works: context's
`unlisted` ignores forgotten.LEFT, sharing.shared_with_me's does not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from client_sdk import Client
from client_sdk.errors import InvalidInput
from client_sdk.sharing import ShareInfo
from tests.client.sharing_support import journal_id, journal_named_by_another_sdk, share_with
from tests.client.test_nu29_findings import DAY_MS, SECRET, move_clock
from tests.client.test_r22_attacks import server_stops_serving
from tests.conftest import ClientFactory, RunningServer
from tests.test_cli_insights import new_device
from tests.test_cli_sharing import move_clocks


def at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


async def whole_then_lapsed(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> tuple[Client, Client, ShareInfo, bytes, int]:
    """ana shares only the mood of Personal with tom (a copy, `limited` entry), then the
    whole journal with an end date (a later `granted`; `_terms_for_copies` gives the copy the
    same end date); both end dates pass and a sync signs the `ended` entries."""
    ana = await signup("ana")
    tom = await signup("tom")
    await ana.entries.write("Personal", SECRET, mood=3)
    copy = await share_with(ana, tom, only=["mood"])
    await share_with(
        ana, tom, full=True, expires_at=datetime.now().astimezone() + timedelta(days=1)
    )
    later = move_clock(live_server, monkeypatch, 2 * DAY_MS)
    await ana.sync()
    personal = await journal_id(ana, "Personal")
    assert ana.replica.chains.current(personal).member_by_account(tom.profile.account_id) is None
    return ana, tom, copy, personal, later


async def test_new_terms_after_renewing_only_the_copy_do_not_widen_to_the_whole_journal(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, tom, copy, personal, later = await whole_then_lapsed(signup, live_server, monkeypatch)
    # The whole share ended: ana's choice now is that tom reads the mood only, so she
    # renews the copy kept for him (by its name: the documented way).
    renewed = await ana.shares.grant(copy.journal, "tom", expires_at=at(later + 10 * DAY_MS))
    assert (renewed.kind, renewed.fields) == ("mirror", ("mood",))
    # Later, a new end date for what tom reads (the mood): never a widening.
    again = await ana.shares.grant("Personal", "tom", expires_at=at(later + 30 * DAY_MS))
    assert (again.kind, again.journal, again.fields) == ("mirror", copy.journal, ("mood",))
    chain = ana.replica.chains.current(personal)
    assert chain.member_by_account(tom.profile.account_id) is None, "widened to the whole"
    await tom.sync()
    assert SECRET not in {e.body for e in await tom.entries.list()}


async def test_new_terms_after_narrowing_a_lapsed_whole_share_do_not_widen_it_again(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, tom, copy, personal, later = await whole_then_lapsed(signup, live_server, monkeypatch)
    narrowed = await ana.shares.grant(
        "Personal", "tom", only=["mood"], expires_at=at(later + 10 * DAY_MS)
    )
    assert (narrowed.kind, narrowed.journal) == ("mirror", copy.journal)
    again = await ana.shares.grant("Personal", "tom", expires_at=at(later + 30 * DAY_MS))
    assert (again.kind, again.fields) == ("mirror", ("mood",))
    chain = ana.replica.chains.current(personal)
    assert chain.member_by_account(tom.profile.account_id) is None, "widened to the whole"
    await tom.sync()
    assert SECRET not in {e.body for e in await tom.entries.list()}


async def test_new_terms_after_unsharing_everything_are_refused_not_a_whole_share(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, tom, copy, personal, later = await whole_then_lapsed(signup, live_server, monkeypatch)
    await ana.shares.grant(copy.journal, "tom", expires_at=at(later + 10 * DAY_MS))
    assert await ana.shares.revoke("Personal", "tom") == [copy.journal]
    with pytest.raises(InvalidInput, match=r"tom read all of 'Personal' until its end date passed"):
        await ana.shares.grant("Personal", "tom", expires_at=at(later + 30 * DAY_MS))
    chain = ana.replica.chains.current(personal)
    assert chain.member_by_account(tom.profile.account_id) is None


async def test_a_member_leaving_the_copy_does_not_turn_new_terms_into_the_whole_journal(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tom (with the server) stops being served the mood-only copy ana chose for him after
    his whole share lapsed; ana's device drops him from the copy on the server's word. Her
    next `grant("Personal", "tom", until=...)` must be refused (as before NU29 F2, and as
    `test_a_lapsed_whole_share_narrowed_since_is_not_widened_by_new_terms` expects where the
    copy is a new one), not renew the whole journal."""
    ana, tom, copy, personal, later = await whole_then_lapsed(signup, live_server, monkeypatch)
    await ana.shares.grant(copy.journal, "tom", expires_at=at(later + 10 * DAY_MS))
    server_stops_serving(live_server, bytes.fromhex(copy.journal_id), tom.profile.account_id)
    await ana.shares.list()  # drops tom from the copy on the server's word
    with pytest.raises(InvalidInput, match=r"tom read all of 'Personal' until its end date passed"):
        await ana.shares.grant("Personal", "tom", expires_at=at(later + 30 * DAY_MS))
    chain = ana.replica.chains.current(personal)
    assert chain.member_by_account(tom.profile.account_id) is None
    await tom.sync()
    assert SECRET not in {e.body for e in await tom.entries.list()}


async def test_cli_renewal_after_narrowing_a_lapsed_share_keeps_the_narrow_share(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drkim = await new_device(live_server, tmp_path, "drkim")
    await ana.ok("write", "The whole text of it.")
    fingerprint = ("--fingerprint", drkim.signup["fingerprint"])
    await ana.ok("share", "Personal", "drkim", "--only", "mood", *fingerprint)
    until = f"{datetime.now() + timedelta(days=1):%Y-%m-%d}"
    await ana.ok("share", "Personal", "drkim", "--full", "--until", until)
    move_clocks(live_server, monkeypatch, 3 * DAY_MS)
    await ana.ok("sync")  # both end dates passed: told, `ended` signed
    soon = f"{datetime.now() + timedelta(days=20):%Y-%m-%d}"
    await ana.ok("share", "Personal", "drkim", "--only", "mood", "--until", soon, "--yes")
    later = f"{datetime.now() + timedelta(days=40):%Y-%m-%d}"
    renewed = await ana.ok("share", "Personal", "drkim", "--until", later)
    assert "every entry in full" not in renewed.output, renewed.output
    await drkim.ok("sync")
    bodies = [e["body"] for e in await drkim.json("list")]  # every journal they read
    assert "The whole text of it." not in bodies


async def test_shared_with_me_forget_advice_escapes_another_accounts_journal_name(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """Any account may share a journal with drkim (it needs only her fingerprint) and name it
    as it likes: here an OSC 52 sequence (sets the terminal's clipboard to "rm -rf ~\\n"),
    which click does not strip even when output is piped. Once the share ends, `tj
    shared-with-me` escapes it in the table but prints it raw in the advice line."""
    mal = await new_device(live_server, tmp_path, "mallory")
    drkim = await new_device(live_server, tmp_path, "drkim")
    evil = "Notes\x1b]52;c;cm0gLXJmIH4K\x07"
    await journal_named_by_another_sdk(mal.home, evil)  # the CLI refuses it
    await mal.ok("write", "--journal", evil, "hello")
    await mal.ok("share", evil, "drkim", "--full", "--fingerprint", drkim.signup["fingerprint"])
    await drkim.ok("sync")
    await mal.ok("unshare", evil, "drkim", "--yes")
    told = await drkim.ok("sync")
    assert "\x1b" not in told.stdout + told.stderr  # the sync notice is escaped
    listed = await drkim.ok("shared-with-me")
    assert "tj forget" in listed.stdout
    assert "\x1b" not in listed.stdout and "\x07" not in listed.stdout, repr(listed.stdout)


async def test_an_append_keeps_the_separator_rule_for_marks_and_unspaced_scripts(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    entry = await ana.entries.write(None, "I feel stuck at work")
    assert (await ana.entries.edit(entry.id, append=", and tired")).body == (
        "I feel stuck at work, and tired"
    )
    assert (await ana.entries.edit(entry.id, append=".")).body == (
        "I feel stuck at work, and tired."
    )
    japanese = await ana.entries.write(None, "今日は疲れた")
    assert (await ana.entries.edit(japanese.id, append="。")).body == "今日は疲れた。"


async def test_a_journal_left_here_is_not_listed_as_no_longer_served(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drkim = await new_device(live_server, tmp_path, "drkim")
    await ana.ok("write", "Shared words.")
    await ana.ok(
        "share", "Personal", "drkim", "--full", "--fingerprint", drkim.signup["fingerprint"]
    )
    await drkim.ok("sync")
    await drkim.ok("leave", "ana/Personal", "--yes")
    [row] = await drkim.json("shared-with-me")
    assert (row["share_ended"], row["unlisted"]) == (True, False)
    [journal] = [j for j in await drkim.json("journal", "list") if j["name"] == "ana/Personal"]
    assert journal["unlisted"] is False
    listed = (await drkim.ok("journal", "list", env={"COLUMNS": "200"})).stdout
    assert "no longer served" not in listed and "share ended (read-only copy)" in listed
