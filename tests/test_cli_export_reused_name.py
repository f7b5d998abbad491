"""REV-HELD (low): client kim erases her account and a new person signs up as "kim" and
shares with drlee, who has not verified her yet. The share-ended notice's export hint sat
beside the warning that the name now belongs to another account, and `tj export --client
kim` exported the erased kim's records as "kim/Personal": the hint names her account
alone, and the export says whose records it holds (real server on loopback, CliRunner)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from tests.conftest import RunningServer
from tests.notice_times import unwrapped
from tests.test_cli import Device
from tests.test_cli_insights import new_device


async def name_taken_again(server: RunningServer, tmp_path: Path) -> tuple[Device, str, Device]:
    """drlee, who verified the first kim and read her entry, after she erased her account
    and a new kim shared (not verified yet); the erased kim's account id (hex); the new
    kim."""
    kim = await new_device(server, tmp_path, "kim")
    drlee = await new_device(server, tmp_path, "drlee")
    await kim.ok("share", "Personal", "drlee", "--full", "--trust-on-first-use")
    await kim.ok("write", "--mood", "2", "The first kim's words.")
    await drlee.ok("verify", "kim", (await kim.ok("fingerprint")).stdout.strip())
    await drlee.ok("sync")
    [journal] = [j for j in await drlee.json("journal", "list") if j["name"] == "kim/Personal"]
    await kim.ok("account", "delete", "--yes")
    new_kim = Device(tmp_path / "kim2", server.url)
    await new_kim.json("signup", server.url, "kim")
    await new_kim.ok("share", "Personal", "drlee", "--full", "--trust-on-first-use")
    await new_kim.ok("write", "--mood", "9", "I'm the new kim.")
    return drlee, journal["owner_id"], new_kim


async def test_the_export_hint_beside_the_new_kims_warning_names_the_erased_kims_account(
    live_server: RunningServer, tmp_path: Path
) -> None:
    drlee, old, new_kim = await name_taken_again(live_server, tmp_path)
    label = f"kim (account {old[:8]})"
    synced = await drlee.tj("sync")
    said = unwrapped(synced.stderr)
    assert "Warning: kim shares a journal with you that this device does not open" in said
    export = f"`tj export --client {shlex.quote(label)} --out DIR`"
    forget = f"`tj forget {shlex.quote(label + '/Personal')} --unlisted`"
    assert f"{forget} (keep what you need first: {export})" in said, said
    assert "--client kim " not in said

    listed = " ".join((await drlee.ok("shared-with-me")).stdout.split())
    # the server says the first kim's account is gone: said as its word (NU49 F6)
    erased = (
        "kim's account appears to have been erased (the server no longer knows it), or the "
        f"server is withholding it: discard its copy from this device with {forget} when you "
        f"no longer need it (keep what you need first: {export})"
    )
    assert erased in listed, listed

    out = tmp_path / "out"
    done = await drlee.ok("export", "--client", label, "--out", str(out))  # as the hint says
    data = json.loads(Path(done.stdout.strip()).read_text())
    assert [e["body"] for e in data["entries"]] == ["The first kim's words."]
    assert (
        f"from 1 journal ({label}/Personal, not the account the server now names kim)"
        in unwrapped(done.stderr)
    ), done.stderr
    plain = await drlee.ok("export", "--client", "kim", "--out", str(tmp_path / "plain"))
    assert f"({label}/Personal, not the account the server now names kim)" in unwrapped(
        plain.stderr
    )

    # once the new kim is verified, "kim" names her: the kept copy's commands name the
    # earlier kim by her account still (the export hint named plain "kim" then too)
    await drlee.ok("verify", "kim", (await new_kim.ok("fingerprint")).stdout.strip(), "--yes")
    await drlee.ok("sync")
    after = " ".join((await drlee.ok("shared-with-me")).stdout.split())
    assert erased in after, after
