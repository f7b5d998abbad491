"""NU21 C4: ending a share from both of a client's devices at once. The slower device, whose
sync already shows the share ended by the other device (its verified chain), says so and
exits 0 instead of "Error: 'Personal' is not shared with tom" (the race where both rotate is
tests/client/test_chain_close_race.py). Real server on loopback; CliRunner."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, failed_with_one_line


async def test_the_slower_device_says_the_share_was_already_ended(
    live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = Device(tmp_path / "laptop", live_server.url)
    await laptop.json("signup", live_server.url, "ana")
    tom = Device(tmp_path / "tom", live_server.url)
    signed = await tom.json("signup", live_server.url, "tom")
    phone = Device(tmp_path / "phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    await laptop.ok("share", "Personal", "tom", "--fingerprint", signed["fingerprint"])
    await phone.ok("sync")

    await laptop.ok("unshare", "Personal", "tom", "--yes")
    again = await phone.tj("unshare", "Personal", "tom", "--yes")
    assert again.exit_code == 0, again.output
    assert "'Personal' is no longer shared with tom: the share was already ended" in (again.stderr)
    assert "by another device of yours" in again.stderr
    assert "Error" not in again.output
    assert [s for s in await phone.json("shares") if not s["expired"]] == []

    never = failed_with_one_line(await phone.tj("unshare", "Personal", "bob", "--yes"))
    assert "not shared with bob" in never  # never shared: still an error


async def test_unshare_names_the_entries_the_member_still_reads_and_how_to_end_them(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """R33 F3: tom's whole share of Personal ended, then one entry of Personal was shared
    with him (`tj share-entry`). `tj unshare Personal tom` ends nothing, so it fails naming
    the journal of single items and the command that ends it; once that ran, it says the
    share was already ended."""
    ana = Device(tmp_path / "ana", live_server.url)
    await ana.json("signup", live_server.url, "ana")
    tom = Device(tmp_path / "tom", live_server.url)
    signed = await tom.json("signup", live_server.url, "tom")
    fingerprint = ("--fingerprint", signed["fingerprint"])
    await ana.ok("share", "Personal", "tom", "--full", *fingerprint)
    await ana.ok("unshare", "Personal", "tom", "--yes")
    entry = (await ana.ok("write", "I told my sister about the accident.")).stdout.strip()
    await ana.ok("share-entry", entry, "tom", *fingerprint)

    said = failed_with_one_line(await ana.tj("unshare", "Personal", "tom", "--yes"))
    assert "tom still reads entries or results of it in 'Shared with tom'" in said
    assert "nothing was ended" in said and "already ended" not in said
    command = said.split("To end it: ")[1]
    assert command == f"`{ana.command} unshare 'Shared with tom' tom`"
    await ana.ok("unshare", "Shared with tom", "tom", "--yes")
    done = await ana.ok("unshare", "Personal", "tom", "--yes")
    assert "the share was already ended" in done.stderr


async def test_unshare_of_a_whole_share_says_which_single_entries_the_member_still_reads(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """R33 F3: tom reads the whole of Personal and one entry of it shared one by one. `tj
    unshare Personal tom` ends the whole share and says he still reads that entry in
    'Shared with tom', naming the command that ends it; after it, he reads nothing new."""
    ana = Device(tmp_path / "ana", live_server.url)
    await ana.json("signup", live_server.url, "ana")
    tom = Device(tmp_path / "tom", live_server.url)
    signed = await tom.json("signup", live_server.url, "tom")
    fingerprint = ("--fingerprint", signed["fingerprint"])
    await ana.ok("share", "Personal", "tom", "--full", *fingerprint)
    entry = (await ana.ok("write", "I told my sister about the accident.")).stdout.strip()
    await ana.ok("share-entry", entry, "tom", *fingerprint)

    said = " ".join((await ana.ok("unshare", "Personal", "tom", "--yes")).stderr.split())
    assert "Stopped sharing 'Personal' with tom" in said  # wrapped at the width (NU50 F5)
    assert (
        "tom still reads what you shared with them of Personal in 'Shared with tom': to end "
        "that too: `tj unshare 'Shared with tom' tom`"
    ) in said
    await ana.ok("unshare", "Shared with tom", "tom", "--yes")
    plain = (await ana.ok("unshare", "Personal", "tom", "--yes")).stderr
    assert "already ended" in plain and "still reads" not in plain
