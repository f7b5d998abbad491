"""What `tj` says in a few cases a new user met (real server on loopback, real crypto,
CliRunner): a refused connection said at once, a check-in by another command of the same
device, a share notice after a rename, and did-you-mean and plain words for mistakes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from tenacity import RetryCallState

import cli.main
from client_sdk import Client
from client_sdk.transport import RetryPolicy
from tests.client.test_retries import attempts  # noqa: F401 (a fixture)
from tests.conftest import RunningServer
from tests.test_cli import (  # noqa: F401 (fixtures)
    OFFLINE_NOTE,
    Device,
    Outage,
    laptop,
    outage,
    phone,
)
from tests.test_cli_insights import new_device
from tests.test_cli_nu41_findings import said


def another_command_checks_in(
    monkeypatch: pytest.MonkeyPatch, home: Path, goal: str, note: str
) -> None:
    """Make the next command's automatic sync start with a check-in on `goal` made by another
    command on the same device (the same home, opened by a second client: two `tj`
    commands at once), as happened with `tj goal checkin ... & tj goal checkin ... &`."""
    real: Callable[..., Awaitable[Any]] = cli.main.quick_sync

    async def with_another_command(client: Client, *args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(cli.main, "quick_sync", real)  # once
        other = await Client.open(home)
        try:
            await other.goals.checkin(goal, note=note)
        finally:
            await other.close()
        return await real(client, *args, **kwargs)

    monkeypatch.setattr(cli.main, "quick_sync", with_another_command)


async def test_a_check_in_of_another_command_on_this_device_is_not_from_another_device(
    laptop: Device,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two `tj goal checkin` at once on one device: the one that read the goal after the
    other's check-in said "1 check-in ... from another device arrived in this sync". It is
    counted in the progress, and not said to come from another device."""
    goal = (await laptop.ok("goal", "add", "Walk", "--measure", "12 sessions")).stdout.strip()
    another_command_checks_in(monkeypatch, laptop.home, goal, "B")
    done = await laptop.ok("goal", "checkin", goal, "--note", "A")
    assert done.stdout.strip() == "'Walk': 2/12 sessions ██░░░░░░░░ 17%"
    assert "another device" not in done.stderr
    assert "Note:" not in done.stderr
    assert (await laptop.json("goal", "show", goal))["progress"] == 2


async def test_only_the_check_ins_of_another_device_are_said_to_arrive_beside_a_local_one(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    """The note still counts what the sync brought from another device (the phone's), and
    not a check-in another command of this device made before it and has not synced."""
    goal = (await laptop.ok("goal", "add", "Walk", "--measure", "12 sessions")).stdout.strip()
    await laptop.ok("goal", "checkin", goal, "--note", "first")
    await phone.ok("sync")
    await phone.ok("goal", "checkin", goal, "--note", "from the phone")
    other = await Client.open(laptop.home)  # another command, its sync not yet run
    try:
        await other.goals.checkin(goal, note="other command")
    finally:
        await other.close()
    done = await laptop.ok("goal", "checkin", goal, "--note", "this command")
    assert done.stdout.strip() == "'Walk': 4/12 sessions ███░░░░░░░ 33%"
    said = " ".join(done.stderr.split())
    assert (
        "Note: 1 check-in on 'Walk' from another device arrived in this sync (counted above)."
        in said
    )


# --- a server that is down ----------------------------------------------------------------


async def test_sync_says_at_once_that_a_server_that_is_down_cannot_be_reached(
    laptop: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
    attempts: list[str],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The server stopped (its port refuses connections): `tj sync` took ~3 s to say it
    cannot reach it, trying 4 times with backoff; `tj write` made one try. Now a refusal is
    tried once more, 0.1 s later, and said."""
    waits: list[float] = []
    real_wait = RetryPolicy.wait

    def counted_wait(self: RetryPolicy, state: RetryCallState) -> float:
        seconds = real_wait(self, state)
        waits.append(seconds)
        return seconds

    monkeypatch.setattr(RetryPolicy, "wait", counted_wait)
    await outage.begin()
    attempts.clear()
    written = await laptop.ok("write", "--mood", "5", "Offline entry.")
    assert OFFLINE_NOTE in written.stderr
    # the quick try: once (a push reads the journal list first: rev30a F2)
    assert attempts == ["/v1/journals/list"] and waits == []

    attempts.clear()
    down = await laptop.tj("sync")
    assert down.exit_code == 1
    assert "nothing answers at that address" in down.stderr
    assert "1 change is kept on this device and will sync later" in down.stderr
    assert attempts == ["/v1/journals/list"] * 2
    assert waits == [0.1]


# --- did you mean, and plain words ---------------------------------------------------------


async def test_a_mistyped_client_of_private_notes_is_offered_the_close_one(
    live_server: RunningServer, tmp_path: Path
) -> None:
    anna = await new_device(live_server, tmp_path, "anna")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await anna.ok("share", "Personal", "drlee", "--trust-on-first-use")
    await drlee.ok("sync")
    await drlee.ok("private-notes", "add", "anna/Personal", "Talked about sleep.")
    typo = await drlee.tj("private-notes", "--client", "annna")
    assert typo.exit_code == 1, typo.output
    assert said(typo.stderr).startswith(
        "Error: no client 'annna' shares a journal with you (did you mean 'anna'?) "
    ), typo.stderr
    journal = await drlee.tj("private-notes", "--client", "annna/Personal")
    assert "(did you mean 'anna/Personal'?)" in said(journal.stderr), journal.stderr
    far = await drlee.tj("private-notes", "--client", "zoltan")
    assert far.exit_code == 1 and "did you mean" not in far.stderr
    found = await drlee.ok("private-notes", "--client", "anna")
    assert "Talked about sleep." in found.stdout


async def test_a_mistyped_emotion_is_offered_the_close_one(
    laptop: Device,  # noqa: F811
) -> None:
    """`tj write --emotion Hopful` listed all 16 emotions, no "did you mean hopeful?"."""
    for command in (("write", "--emotion", "Hopful", "x"), ("list", "--emotion", "Hopful")):
        typo = await laptop.tj(*command)
        assert typo.exit_code == 2, typo.output
        [line] = typo.stderr.strip().splitlines()
        assert line.startswith(
            "Error: Invalid value for '--emotion': 'Hopful' is not a named emotion (did you "
            "mean 'hopeful'?): anxious, calm, sad, hopeful, "
        ), line
    far = await laptop.tj("write", "--emotion", "zzzz", "x")
    assert "did you mean" not in far.stderr and "anxious, calm" in far.stderr
    await laptop.ok("write", "--emotion", "HOPEFUL", "Any case is one of them.")


async def test_a_mistyped_fingerprint_for_a_verified_account_says_the_verification_stays(
    live_server: RunningServer, tmp_path: Path
) -> None:
    drlee = await new_device(live_server, tmp_path, "drlee")
    anna = await new_device(live_server, tmp_path, "anna")
    ben = await new_device(live_server, tmp_path, "ben")
    right = (await anna.ok("fingerprint")).stdout.strip()
    await drlee.ok("verify", "anna", right)
    typed = "00000 11111 22222 33333 44444 55555"
    wrong = said((await drlee.tj("verify", "anna", typed)).stderr)
    assert wrong == (
        "Error: the fingerprint you typed does not match anna's keys as this device sees "
        "them: nothing was marked verified. Compare it again in person. anna's keys stay "
        "verified on this device, as you compared them before."
    )
    assert (await drlee.ok("verify", "anna", right)).stderr.startswith(
        "anna's keys were already verified on this device"
    )
    await ben.ok("share", "Personal", "drlee", "--trust-on-first-use")
    await drlee.ok("sync")  # ben's keys pinned, never compared: nothing stays verified
    never = said((await drlee.tj("verify", "ben", typed)).stderr)
    assert never.startswith("Error: the fingerprint you typed does not match ben's keys")
    assert "stay verified" not in never


async def test_a_share_trusted_on_first_use_says_the_keys_were_not_compared_and_how_to(
    live_server: RunningServer, tmp_path: Path
) -> None:
    farid = await new_device(live_server, tmp_path, "farid")
    await new_device(live_server, tmp_path, "drlee")
    await new_device(live_server, tmp_path, "drkim")
    shared = said((await farid.ok("share", "Personal", "drlee", "--trust-on-first-use")).stderr)
    assert (
        "Note: drlee's keys were taken as the server gave them, without comparing "
        "fingerprints (trust on first use), so nothing yet proves they are theirs. To compare "
        "later: ask drlee to read out their `BARE tj fingerprint`, check it against "
        "`tj fingerprint drlee`, and if they match run `tj verify drlee FINGERPRINT`."
    ) in shared, shared
    again = await farid.ok(
        "share", "Personal", "drlee", "--role", "annotate", "--trust-on-first-use"
    )  # pinned already: nothing taken on trust now
    assert "trust on first use" not in again.stderr
    entry = (await farid.ok("write", "One entry.")).stdout.strip()
    one = await farid.ok("share-entry", entry, "drkim", "--trust-on-first-use")
    assert "Note: drkim's keys were taken as the server gave them" in said(one.stderr)


async def test_a_score_or_brief_shared_on_first_use_says_the_keys_were_not_compared(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj measure share` and `tj brief` take --trust-on-first-use as `tj share` does, and
    say the same: the keys were taken without comparing fingerprints, and how to compare."""
    farid = await new_device(live_server, tmp_path, "farid")
    await new_device(live_server, tmp_path, "drlee")
    await new_device(live_server, tmp_path, "drkim")
    await farid.ok("measure", "take", "gad7", "--answers", "0,0,0,0,0,0,0")
    [result] = await farid.json("measure", "list")
    shared = await farid.ok("measure", "share", result["id"][:8], "drlee", "--trust-on-first-use")
    assert (
        "Note: drlee's keys were taken as the server gave them, without comparing "
        "fingerprints (trust on first use)"
    ) in said(shared.stderr), shared.stderr
    assert "`tj verify drlee FINGERPRINT`" in said(shared.stderr)
    brief = await farid.ok(
        "brief", "drkim", "--journal", "Personal", "--trust-on-first-use", "--yes"
    )
    assert "Note: drkim's keys were taken as the server gave them" in said(brief.stderr), (
        brief.stderr
    )
    again = await farid.ok(
        "brief", "drkim", "--journal", "Personal", "--trust-on-first-use", "--yes"
    )
    assert "trust on first use" not in again.stderr  # pinned already: nothing taken on trust


async def test_a_journal_name_of_only_spaces_is_refused_as_such(
    laptop: Device,  # noqa: F811
) -> None:
    """`tj journal create "   "` said "a journal name is 1 to 100 characters": it has 3."""
    blank = await laptop.tj("journal", "create", "   ")
    assert blank.exit_code == 2, blank.output
    assert said(blank.stderr) == (
        "Error: a journal name cannot be only spaces: it is 1 to 100 characters, without '/'"
    )
    renamed = await laptop.tj("journal", "rename", "Personal", " \t ")
    assert "cannot be only spaces" in said(renamed.stderr)
