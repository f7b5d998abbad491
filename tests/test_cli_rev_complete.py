"""rev-complete F1 through the CLI: `tj sync` tells, once, that one of this account's own
journals is no longer on the server (deleted on another device, or withheld: a deletion is
not signed, so the device cannot tell which), and what to do. Real server on loopback, real
crypto, CliRunner."""

from __future__ import annotations

from tests.test_cli import Device, laptop, phone

__all__ = ["laptop", "phone"]  # fixtures


async def test_tj_sync_tells_once_that_an_own_journal_is_no_longer_on_the_server(
    laptop: Device, phone: Device
) -> None:
    await laptop.ok("journal", "create", "Dreams")
    await laptop.ok("write", "--journal", "Dreams", "Flying again.")
    await phone.ok("sync")
    [gone] = [j["id"][:12] for j in await laptop.json("journal", "list") if j["name"] == "Dreams"]
    await laptop.ok("journal", "delete", "Dreams", "--yes")

    result = await phone.ok("sync")
    told = " ".join(result.stderr.split())  # a message wraps on a narrow terminal
    assert f"Notice: Dreams (id {gone}) is no longer on the server (" in told, result.stderr
    assert (  # by its id: another journal here may bear its name (NU36 #1)
        "it was deleted on another of your devices, or the server is withholding it. What this "
        "device holds of it stays here, read-only. If you deleted it, remove that copy with "
        f"`tj journal delete {gone}`"
    ) in told
    # the summary points at it, as a journal gone, not a share change (NU35 #9)
    assert "1 journal deleted on another device or withheld (below)" in result.stdout.splitlines()
    assert "share change" not in result.stdout
    assert "Traceback" not in result.stderr
    report = await phone.json("sync")
    assert report["departures"] == [] and report["withheld"] == []  # told once
    assert "Dreams" not in (await phone.ok("sync")).stderr

    await phone.ok("journal", "delete", "Dreams", "--yes")  # the copy goes, as told
    assert "Dreams" not in [j["name"] for j in await phone.json("journal", "list")]
