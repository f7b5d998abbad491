"""NU43 #1 and #8: a client the therapist verified erases her account and another person
signs up under the freed username (real server on loopback, CliRunner)."""

from __future__ import annotations

from pathlib import Path

from client_sdk.caseload import ERASED_UNLISTED, UNLISTED_ENDED
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device


async def erased_then_taken(server: RunningServer, tmp_path: Path) -> tuple[Device, Device]:
    """kim shares with drruiz, who verifies her fingerprint; kim erases her account; another
    person signs up as "kim" and shares with drruiz on first use: (drruiz, the new kim)."""
    kim = await new_device(server, tmp_path, "kim")
    drruiz = await new_device(server, tmp_path, "drruiz")
    await kim.ok("share", "Personal", "drruiz", "--trust-on-first-use")
    await kim.ok("write", "--mood", "2", "The first kim's words.")
    fingerprint = (await kim.ok("fingerprint")).stdout.strip()
    await drruiz.ok("verify", "kim", fingerprint)
    await drruiz.ok("sync")
    await kim.ok("account", "delete", "--yes")
    await drruiz.ok("sync")
    other = Device(tmp_path / "kim2", server.url)
    other.signup = await other.json("signup", server.url, "kim")
    await other.ok("share", "Personal", "drruiz", "--trust-on-first-use")
    await other.ok("write", "--mood", "9", "I'm a different kim.")
    return drruiz, other


async def test_verify_says_the_keys_are_not_those_verified_for_a_freed_name_and_asks(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU43 #1: `tj verify kim NEWFP` accepted the new account's keys under the name this
    device had verified for the erased one and said only "Verified kim's keys". It now says
    these are not the keys verified for kim (on what day), that this may be a different
    person using a freed name, and asks: no answer in a script refuses, "n" changes nothing,
    --yes replaces. The first kim's copy keeps its verified standing throughout; the new
    kim's share still needs its own verification."""
    drruiz, other = await erased_then_taken(live_server, tmp_path)
    fingerprint = (await other.ok("fingerprint")).stdout.strip()

    unanswered = await drruiz.tj("verify", "kim", fingerprint)
    assert unanswered.exit_code == 1, unanswered.output
    said = " ".join(unanswered.stderr.split())
    assert "Warning: these are not the keys you verified for kim on " in said
    assert "This may be a different person using a name freed when an account was erased" in said
    assert "pass --yes to skip the question" in said
    declined = await drruiz.tj("verify", "kim", fingerprint, input="n\n")
    assert declined.exit_code == 1 and "Not done: you answered no" in declined.stderr
    [row] = await drruiz.json("caseload")  # the new kim's share is refused until verified
    # the erased kim's copy: the server stopped serving it, nothing kim signed ended it;
    # named by its label, as the server gives the name kim to another account (nu76 F3)
    said = (row["client"], row["unlisted"], row["share_ended"], row["mood_recent"])
    assert said == (f"kim (account {row['client_id'][:8]})", True, False, 2.0), row
    assert row["fingerprint_verified"] is True  # the erased kim's copy, verified as it was

    await drruiz.ok("verify", "kim", fingerprint, "--yes")
    rows = {row["client"]: row for row in await drruiz.json("caseload")}
    [old] = [name for name in rows if name.startswith("kim (account ")]
    assert rows["kim"]["fingerprint_verified"] is True and rows["kim"]["mood_recent"] == 9.0
    assert rows[old]["fingerprint_verified"] is True and rows[old]["unlisted"] is True
    for command in (["caseload"], ["shared-with-me"], ["list", "--journal", old_journal(rows)]):
        warned = (await drruiz.ok(*command)).stderr
        assert "compared kim's fingerprint" not in " ".join(warned.split()), command
    again = await drruiz.ok("verify", "kim", fingerprint)  # nothing to replace: no question
    assert "already verified" in again.stderr


def old_journal(rows: dict[str, dict[str, object]]) -> str:
    [old] = [row for name, row in rows.items() if name.startswith("kim (account ")]
    journals = old["journals"]
    assert isinstance(journals, list)
    return str(journals[0])


async def test_an_erased_clients_ended_share_is_told_apart_from_one_she_stopped(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU43 #8: kim erasing her account and joan unsharing read the same ("... stopped
    sharing it ..., or the server is withholding it"; "share ended"). Where the server says
    kim's account is gone, the sync notice and the caseload say it appears erased, as the
    server's word, beside the server possibly withholding it; joan's words are unchanged."""
    drruiz = await new_device(live_server, tmp_path, "drruiz")
    for name in ("kim", "joan"):
        client = await new_device(live_server, tmp_path, name)
        await client.ok("share", "Personal", "drruiz", "--trust-on-first-use")
        await client.ok("write", "--mood", "5", f"{name}'s words.")
    await drruiz.ok("sync")
    kim = Device(tmp_path / "kim", live_server.url)
    await kim.ok("account", "delete", "--yes")
    await Device(tmp_path / "joan", live_server.url).ok("unshare", "Personal", "drruiz", "--yes")
    said = " ".join((await drruiz.ok("sync")).stderr.split())
    assert (
        "kim's 'Personal' is no longer served to you" in said
        and "kim's account appears to have been erased (the server no longer knows it), or "
        "the server is withholding it."
        in said
    ), said
    assert "kim stopped sharing it" not in said
    assert "joan stopped sharing it or now shares less of it" in said
    assert "joan's account appears" not in said
    listed = await drruiz.ok("caseload")
    shown = {row["client"]: row["flags"] for row in await drruiz.json("caseload")}
    # neither end is signed on drruiz's device (a removed member is not served its
    # removal): both are said as the server's word, kim's with what it says of her account
    assert shown["kim"][0] == ERASED_UNLISTED
    assert shown["joan"][0] == UNLISTED_ENDED
    assert "no longer served (erased?)" in listed.stdout


async def test_verify_with_the_erased_kims_fingerprint_says_whose_it_is(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU46 #12: `tj verify kim OLD_FP` said only that it "does not match kim's keys"; it
    now says it is the fingerprint of the earlier account named kim on this device (its
    account id's start), not of the account the server gives that name now. Nothing is
    marked verified."""
    kim = await new_device(live_server, tmp_path, "kim")
    drruiz = await new_device(live_server, tmp_path, "drruiz")
    await kim.ok("share", "Personal", "drruiz", "--trust-on-first-use")
    old_fingerprint = (await kim.ok("fingerprint")).stdout.strip()
    old_id = (await kim.json("whoami"))["account_id"]
    await drruiz.ok("verify", "kim", old_fingerprint)
    await drruiz.ok("sync")
    await kim.ok("account", "delete", "--yes")
    await drruiz.ok("sync")
    other = Device(tmp_path / "kim2", live_server.url)
    other.signup = await other.json("signup", live_server.url, "kim")
    await other.ok("share", "Personal", "drruiz", "--trust-on-first-use")
    new_fingerprint = (await other.ok("fingerprint")).stdout.strip()
    await drruiz.ok("verify", "kim", new_fingerprint, "--yes")
    await drruiz.ok("sync")
    # each row by its account id, whatever form its name takes (NU71 F1)
    rows = {row["client_id"]: row["client"] for row in await drruiz.json("caseload")}
    new_id = (await other.json("whoami"))["account_id"]
    assert rows == {old_id: f"kim (account {old_id[:8]})", new_id: "kim"}, rows

    again = await drruiz.tj("verify", "kim", old_fingerprint)
    assert again.exit_code != 0, again.output
    said = " ".join(again.stderr.split())
    assert "does not match kim's keys" in said
    assert (
        f"It is the fingerprint of the earlier account named kim on this device (account "
        f"{old_id[:8]}), not of the account the server gives that name now"
    ) in said, said
