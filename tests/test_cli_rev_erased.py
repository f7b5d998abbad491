"""REV-ERASED F2 and F3: a share with a fingerprint that replaces another account's verified
keys under a freed name says so and asks, as `tj verify` does; a deeply nested stored value
reads as none (real server on loopback, CliRunner)."""

from __future__ import annotations

from pathlib import Path

from client_sdk import departures
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device

WARNED = "Warning: these are not the keys you verified for drlee on "
FREED = "the server now gives the name drlee to another account"


async def freed_and_taken(server: RunningServer, tmp_path: Path) -> tuple[Device, Device, str]:
    """kim verified drlee and shared Personal with her; drlee erased her account and another
    person signed up as "drlee": (kim, the new drlee, the new drlee's fingerprint)."""
    kim = await new_device(server, tmp_path, "kim")
    drlee = await new_device(server, tmp_path, "drlee")
    first = (await drlee.ok("fingerprint")).stdout.strip()
    await kim.ok("verify", "drlee", first)
    await kim.ok("share", "Personal", "drlee", "--fingerprint", first)
    await drlee.ok("account", "delete", "--yes")
    other = Device(tmp_path / "drlee2", server.url)
    other.signup = await other.json("signup", server.url, "drlee")
    return kim, other, (await other.ok("fingerprint")).stdout.strip()


def said(result: object) -> str:
    return " ".join(str(getattr(result, "stderr", "") or "").split())


async def test_share_with_a_fingerprint_warns_and_asks_before_replacing_a_freed_names_keys(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """kim verified her therapist drlee; drlee erased her account and another person signed
    up as "drlee". `tj share Dreams drlee --fingerprint NEWFP` replaced the verified keys of
    the first drlee with no word at all, where `tj verify drlee NEWFP` warns and asks. It now
    warns as verify does and asks: a script with no answer and a "no" share nothing and
    leave the first drlee's keys held (asked again); "y" shares, once."""
    kim, other, fingerprint = await freed_and_taken(live_server, tmp_path)
    await kim.ok("journal", "create", "Dreams")

    unanswered = await kim.tj("share", "Dreams", "drlee", "--fingerprint", fingerprint)
    assert unanswered.exit_code == 1, unanswered.output
    assert WARNED in said(unanswered) and FREED in said(unanswered), said(unanswered)
    assert "This may be a different person using a name freed when an account was erased" in (
        said(unanswered)
    )
    assert "this needs confirming" in said(unanswered) and "pass --yes" in said(unanswered)
    declined = await kim.tj("share", "Dreams", "drlee", "--fingerprint", fingerprint, input="n\n")
    assert declined.exit_code == 1 and WARNED in said(declined), said(declined)
    assert 'Not done: you answered no to "Trust these new keys for drlee from now on?"' in (
        said(declined)
    )
    assert [s for s in await kim.json("shares") if s["journal"] == "Dreams"] == []
    assert await other.json("shared-with-me") == []

    agreed = await kim.tj("share", "Dreams", "drlee", "--fingerprint", fingerprint, input="y\n")
    assert agreed.exit_code == 0, agreed.output
    assert WARNED in said(agreed) and "Shared Dreams with drlee" in said(agreed), said(agreed)
    [shared] = await other.json("shared-with-me")
    assert (shared["owner"], shared["owner_journal_name"]) == ("kim", "Dreams")
    again = await kim.ok(  # the new drlee's keys are the ones held now: nothing to ask
        "share", "Dreams", "drlee", "--role", "annotate", "--fingerprint", fingerprint
    )
    assert "Warning" not in said(again), said(again)


async def test_every_share_with_a_fingerprint_asks_before_replacing_a_freed_names_keys(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """REV-ERASED F2's other doors: `tj share-entry`, `tj measure share` and `tj brief` with
    --fingerprint give the same warning and question; unanswered or declined, nothing is
    shared; --yes shares (the warning still said)."""
    kim, other, fingerprint = await freed_and_taken(live_server, tmp_path)
    entry = (await kim.ok("write", "--mood", "4", "A day.")).stdout.strip()
    taken = await kim.json("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,0,0")

    by_entry = await kim.tj("share-entry", entry[:8], "drlee", "--fingerprint", fingerprint)
    assert by_entry.exit_code == 1 and WARNED in said(by_entry), said(by_entry)
    assert "pass --yes" in said(by_entry)
    brief = await kim.tj("brief", "drlee", "--journal", "Personal", "--fingerprint", fingerprint)
    assert brief.exit_code == 1 and WARNED in said(brief) and FREED in said(brief), said(brief)
    assert "Shared the brief" not in said(brief)
    result = ("measure", "share", taken["id"][:8], "drlee", "--fingerprint", fingerprint)
    declined = await kim.tj(*result, input="n\n")
    assert declined.exit_code == 1 and "Not done: you answered no" in said(declined)
    assert [s for s in await kim.json("shares") if s["journal"] != "Personal"] == []
    assert await other.json("shared-with-me") == []

    agreed = await kim.ok(*result, "--yes")
    assert WARNED in said(agreed), said(agreed)
    [shared] = await other.json("shared-with-me")
    assert (shared["owner"], shared["owner_journal_name"]) == ("kim", "Shared with drlee")


def test_a_malformed_erased_owners_setting_reads_as_none() -> None:
    """`departures.decode_owners` says "never raises"; a deeply nested JSON list (a store
    written by anything else) raised RecursionError, which `refresh_journals`
    (`_note_owners_erased`, inside its transaction) and `Caseload.rows` do not catch."""
    assert departures.decode_owners("[" * 100_000) == []
    assert departures.decode_owners('[[["kim"]]]') == []
    assert departures.decode_owners('["ab12", 3]') == ["ab12"]
