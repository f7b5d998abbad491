"""A new user's review of the CLI (NU54), its smaller findings: how a name is said in the
messages of `tj journal archive`, `unarchive` and `delete`; the start a narrowed share's
copy keeps; a device named by the default name (real server on loopback, CliRunner)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from cli import output
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_archive_says_a_name_as_every_message_quotes_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj journal create 'Work `x`'` said "Created journal $'Work \\x60x\\x60'", but its
    archive said "Archived journal Work \\x60x\\x60" (an escape without the quotes that make it
    one, read as backslashes); unarchive and delete said it so too."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("journal", "create", "Work `x`")
    shown = "$'Work \\x60x\\x60'"
    archived = await ana.ok("journal", "archive", "Work `x`")
    assert flat(archived.stderr).startswith(f"Archived journal {shown}; "), archived.stderr
    back = await ana.ok("journal", "unarchive", "Work `x`")
    assert flat(back.stderr).startswith(f"Journal {shown} is out of the archive"), back.stderr
    again = await ana.ok("journal", "unarchive", "Work `x`")
    assert flat(again.stderr).startswith(f"Journal {shown} was not archived"), again.stderr
    deleted = await ana.ok("journal", "delete", "Work `x`", "--yes")
    assert f"Deleted journal {shown} (id " in flat(deleted.stderr), deleted.stderr
    plain = await ana.ok("journal", "archive", "Personal")
    assert flat(plain.stderr).startswith("Archived journal Personal; "), plain.stderr


async def test_narrowing_again_says_the_start_of_the_copy_that_goes_on(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj share Personal drsmith --only mood,tags`, then `--full`, then `--only mood,tags`
    again said "dated from now on", while the copy kept for drsmith goes on from its first
    start (as `tj shares` says): the message names that start. A first narrowing still says
    "from now on"."""
    cara = await new_device(live_server, tmp_path, "cara")
    await new_device(live_server, tmp_path, "drsmith")
    await cara.ok("write", "--mood", "6", "--tag", "work", "A day.")
    first = await cara.ok("share", "Personal", "drsmith", "--only", "mood,tags", TOFU)
    assert "in Personal dated from now on (nothing dated before" in flat(first.stderr)
    [copy] = [s for s in await cara.json("shares") if s["kind"] == "mirror"]
    began = output.local_time(datetime.fromisoformat(copy["since"]))
    await cara.ok("share", "Personal", "drsmith", "--full", "--yes")
    again = await cara.ok("share", "Personal", "drsmith", "--only", "mood,tags", "--yes")
    said = flat(again.stderr)
    assert (
        f"Shared only the mood and tags of entries in Personal dated from {began}, when its "
        "copy began (nothing dated before" in said
    ), said
    assert "dated from now on" not in said  # (the whole share ends "from now on")
    [still] = [s for s in await cara.json("shares") if s["kind"] == "mirror"]
    assert still["since"] == copy["since"], (still, copy)  # as `tj shares` says


async def test_a_device_with_the_default_name_is_never_said_as_your_device(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """Signed up and in without --device-name, both devices are named "device": a sync on
    the second said "on your device: 1 new entry" (read as this device) and a revoke
    "Signed out device (ID)". The news name it "another device (ID)", as `tj devices`
    shows its id; a sentence quotes the name ('device')."""
    first = await new_device(live_server, tmp_path, "ana")
    second = Device(tmp_path / "second", live_server.url)
    await second.ok("login", live_server.url, "ana")
    [mine] = [d["id"] for d in await first.json("devices") if d["current"]]
    await first.ok("write", "--mood", "6", "Written on the first.")
    got = await second.ok("sync")
    synced = flat(got.stderr + got.stdout)
    assert synced.startswith(f"1 new entry from another device ({mine[:12]})"), synced
    await first.ok("write", "--mood", "5", "Again on the first.")
    await first.ok("goal", "add", "Walk daily")
    got = await second.ok("sync")
    synced = flat(got.stderr + got.stdout)
    assert f"on another device ({mine[:12]}): 1 new entry, 1 new goal" in synced, synced
    assert "your device" not in synced and "from device" not in synced, synced
    revoked = flat((await second.ok("devices", "revoke", mine[:12], "--yes")).stderr)
    assert revoked.startswith(f"Signed out 'device' ({mine[:12]}): it can no longer"), revoked
