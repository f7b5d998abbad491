"""NU26 C5 (CLI): new terms of a share (a role, an end date) are told as a change on both
sides, never as a new share nor as nothing. Real server on 127.0.0.1, real crypto."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"


def said(text: str) -> str:
    return " ".join(text.split())


async def test_a_role_change_is_told_as_a_change_to_the_client_and_the_therapist(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("write", "--mood", "5", "Shared.")
    await ana.ok("share", "Personal", "drsmith", "--full", TOFU)
    await drsmith.ok("sync")

    up = await ana.ok("share", "Personal", "drsmith", "--role", "annotate")
    assert "Shared Personal with" not in up.stderr and "also what was written before" not in (
        up.stderr
    )
    assert said(up.stderr).startswith(
        "Changed drsmith's share of Personal to read and add notes, with no end date (it was "
        "read, with no end date). After their next `BARE tj sync` drsmith may also add notes, "
        "prompts and assignments to it and mark safety flags read"
    )
    told = await drsmith.ok("sync")
    assert told.stdout.strip() == "1 share change (below)"
    assert said(told.stderr).startswith(
        "Notice: ana changed your access to 'Personal' from read to annotate ("
    )
    assert "`tj note ana/Personal TEXT`" in told.stderr
    assert "shared 'Personal' with you" not in told.stderr
    assert (await drsmith.ok("sync")).stdout.strip() == "nothing new"

    down = await ana.ok("share", "Personal", "drsmith", "--role", "read")
    assert said(down.stderr).startswith(
        "Changed drsmith's share of Personal to read, with no end date (it was read and add "
        "notes, with no end date). After their next `BARE tj sync` drsmith still reads everything "
        "in it but can no longer add notes"
    )
    told = await drsmith.ok("sync")
    assert "Notice: ana made your share of 'Personal' read-only (" in told.stderr

    same = await ana.ok("share", "Personal", "drsmith", "--role", "read")
    assert (
        said(same.stderr)
        == "drsmith already reads Personal (read), with no end date: nothing changed."
    )
    assert (await drsmith.ok("sync")).stdout.strip() == "nothing new"


async def test_an_end_date_change_is_told_with_both_dates(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--full", TOFU)
    await drsmith.ok("sync")
    dated = await ana.ok("share", "Personal", "drsmith", "--until", "2099-06-30")
    assert said(dated.stderr).startswith(
        "Changed drsmith's share of Personal to read until 2099-06-30 (end of day) (it was "
        "read, with no end date). Only its end changed"
    )
    told = await drsmith.ok("sync")
    assert told.stdout.strip() == "1 share change (below)"
    assert said(told.stderr).startswith(
        "Notice: ana changed the end of your share of 'Personal' from no end date to 2099-06-30 "
        "(end of day) ("
    )
    assert said(told.stderr).endswith(
        "you read what you read before, until 2099-06-30 (end of day); then it ends."
    )
    lifted = await ana.ok("share", "Personal", "drsmith", "--until", "never")
    assert "(it was read until 2099-06-30 (end of day))" in said(lifted.stderr)
    told = await drsmith.ok("sync")
    assert "from 2099-06-30 (end of day) to no end date (" in said(told.stderr)


async def test_new_terms_of_the_journal_of_single_items_are_told_as_a_change(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    entry = (await ana.ok("write", "--mood", "4", "One entry.")).stdout.strip()
    await ana.ok("share-entry", entry, "drsmith", "--only", "mood", TOFU)
    await drsmith.ok("sync")
    changed = await ana.ok("share", "Shared with drsmith", "drsmith", "--role", "annotate")
    assert said(changed.stderr) == (
        "Changed drsmith's share of Shared with drsmith to read and add notes, with no end "
        "date (it was read, with no end date): they still see only what you shared with them "
        "in it, one item at a time, as you shared each; nothing more is shared."
    )
    told = await drsmith.ok("sync")
    assert "Notice: ana changed your access to 'Shared with drsmith' from read to annotate (" in (
        said(told.stderr)
    )
