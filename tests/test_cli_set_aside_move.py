"""An entry written on a device into one of the account's journals deleted on another
device (named, or the device's own default journal) is set aside: the words are the
user's own journal's, never "no longer shared with you", and `tj set-aside move` writes
the entry into another journal; a plain write afterwards names the gone default and how to
choose another, never guessing one (real server on loopback, CliRunner)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, laptop, phone  # noqa: F401
from tests.test_cli_insights import new_device
from tests.test_cli_unshare_undelivered import said

NOT_DELIVERED_EXIT = 4


async def test_a_plain_write_into_a_default_deleted_elsewhere_is_moved_with_one_command(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    await laptop.ok("journal", "create", "Travel")
    await phone.ok("sync")
    await phone.ok("journal", "default", "Travel")
    await laptop.ok("journal", "delete", "Travel", "--yes")

    first = await phone.tj("write", "--mood", "6", "--tag", "trip", "default was deleted elsewhere")
    assert first.exit_code == NOT_DELIVERED_EXIT, first.output
    text = said(first.stderr)
    assert "Travel is no longer on the server" in text
    assert "shared with you" not in text
    assert "tj set-aside move " in text and "--journal JOURNAL` writes it into another" in text
    assert "this device has no default journal now: `tj journal default JOURNAL`" in text
    [kept] = await phone.json("set-aside", "list")
    assert kept["text"] == "default was deleted elsewhere"

    again = await phone.tj("write", "a second plain write")  # never into the gone journal
    assert again.exit_code == 1
    refused = said(again.stderr)
    assert "your default journal on this device, 'Travel'" in refused
    assert "is no longer on the server" in refused and "read-only copy" in refused
    assert "tj journal default NAME" in refused
    assert await phone.json("set-aside", "list") == [kept]

    moved = await phone.ok("set-aside", "move", kept["doc_id"][:8], "--journal", "Personal")
    assert "Moved it into Personal as entry" in said(moved.stderr)
    assert await phone.json("set-aside", "list") == []
    [entry] = await phone.json("list", "--journal", "Personal")
    assert (entry["body"], entry["mood"], entry["tags"]) == (
        "default was deleted elsewhere", 6, ["trip"],
    )  # fmt: skip
    await laptop.ok("sync")
    assert [e["body"] for e in await laptop.json("list")] == ["default was deleted elsewhere"]


async def test_a_write_into_a_named_journal_deleted_elsewhere_says_it_is_gone_not_unshared(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    await laptop.ok("journal", "create", "Night dreams")
    await phone.ok("sync")
    await laptop.ok("journal", "delete", "Night dreams", "--yes")
    written = await phone.tj("write", "--journal", "Night dreams", "Phone dream, kept")
    assert written.exit_code == NOT_DELIVERED_EXIT
    text = said(written.stderr)
    assert "no longer shared with you" not in text
    assert "as the journal is no longer on the server:" in text
    [kept] = await phone.json("set-aside", "list")
    move = f"tj set-aside move {kept['doc_id'][:12]}"
    assert f"`{move}` writes it into your default journal" in text
    refused = await phone.tj("set-aside", "move", kept["doc_id"][:8], "--journal", "Night dreams")
    assert refused.exit_code == 1  # not back into the journal that refused it
    await phone.ok("set-aside", "move", kept["doc_id"][:8])  # the default: Personal
    assert [e["body"] for e in await phone.json("list", "--journal", "Personal")] == [
        "Phone dream, kept"
    ]


async def test_the_move_hint_and_a_plain_move_never_widen_private_words_to_a_therapist(
    live_server: RunningServer,
    tmp_path: Path,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    drlee = await new_device(live_server, tmp_path, "drlee")
    await laptop.ok(
        "share", "Personal", "drlee", "--full", "--role", "annotate",
        "--fingerprint", drlee.signup["fingerprint"],
    )  # fmt: skip
    await laptop.ok("journal", "create", "Night dreams")
    await phone.ok("sync")
    await laptop.ok("journal", "delete", "Night dreams", "--yes")
    written = await phone.tj("write", "--journal", "Night dreams", "private dream")
    assert written.exit_code == NOT_DELIVERED_EXIT
    text = said(written.stderr)
    [kept] = await phone.json("set-aside", "list")
    move = f"tj set-aside move {kept['doc_id'][:12]}"
    assert f"`{move} --journal JOURNAL` writes it into another journal" in text
    assert "your default journal is read by drlee too" in text
    assert f"`{move}` writes" not in text
    refused = await phone.tj("set-aside", "move", kept["doc_id"][:8])
    assert refused.exit_code == 1
    assert "is read by drlee, who did not read 'Night dreams'" in said(refused.stderr)
    assert "--even-if-shared" in said(refused.stderr)
    assert "even_if_shared" not in said(refused.stderr)  # the SDK's keyword: not the CLI's
    assert len(await phone.json("set-aside", "list")) == 1
    await phone.ok("set-aside", "move", kept["doc_id"][:8], "--even-if-shared")
    await drlee.ok("sync")
    assert [e["body"] for e in await drlee.json("list")] == ["private dream"]


async def test_a_plain_move_is_refused_when_a_field_level_copy_of_the_default_is_read(
    live_server: RunningServer,
    tmp_path: Path,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    """The default journal is shared with drlee as a copy of its bodies and moods only: an
    entry moved into it is copied there, so drlee reads the words too. The hint offers only
    `--journal` and a plain move is refused, as with a whole-journal share."""
    drlee = await new_device(live_server, tmp_path, "drlee")
    await laptop.ok(
        "share", "Personal", "drlee", "--only", "body,mood", "--role", "annotate",
        "--fingerprint", drlee.signup["fingerprint"],
    )  # fmt: skip
    await laptop.ok("journal", "create", "Night dreams")
    await phone.ok("sync")
    await laptop.ok("journal", "delete", "Night dreams", "--yes")
    written = await phone.tj("write", "--journal", "Night dreams", "private dream")
    assert written.exit_code == NOT_DELIVERED_EXIT
    text = said(written.stderr)
    [kept] = await phone.json("set-aside", "list")
    move = f"tj set-aside move {kept['doc_id'][:12]}"
    assert "your default journal is read by drlee too" in text
    assert f"`{move}` writes" not in text
    refused = await phone.tj("set-aside", "move", kept["doc_id"][:8])
    assert refused.exit_code == 1
    assert "is read by drlee, who did not read 'Night dreams'" in said(refused.stderr)
    assert len(await phone.json("set-aside", "list")) == 1
    await laptop.ok("sync")
    await drlee.ok("sync")
    assert [e["body"] for e in await drlee.json("list")] == []
