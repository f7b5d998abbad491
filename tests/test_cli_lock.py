"""`tj lock` / `tj unlock`: a passphrase protects the device's keys at rest."""

from __future__ import annotations

from tests.conftest import PASSWORD
from tests.test_cli import Device, failed_with_one_line, laptop, succeeded  # noqa: F401

PASSPHRASE = "a long local passphrase"


async def test_a_locked_profile_opens_only_with_its_passphrase(laptop: Device) -> None:  # noqa: F811
    entry_id = (await laptop.ok("write", "Locked away.")).stdout.strip()
    succeeded(await laptop.tj("lock", env={"TJ_NEW_PASSPHRASE": PASSPHRASE}))
    profile = (laptop.home / "profile").read_bytes()
    assert PASSWORD.encode() not in profile
    assert b"\xa6locked\xc3" in profile  # msgpack {"locked": true}
    assert b"Locked away." not in (laptop.home / "profile").read_bytes()

    wrong = await laptop.tj("show", entry_id, env={"TJ_PASSPHRASE": "not the passphrase"})
    assert "wrong passphrase" in failed_with_one_line(wrong)
    shown = await laptop.tj("show", entry_id, "--json", env={"TJ_PASSPHRASE": PASSPHRASE})
    assert "Locked away." in succeeded(shown).stdout
    prompted = await laptop.tj("list", "--json", input=PASSPHRASE + "\n")
    assert "Locked away." in succeeded(prompted).stdout

    succeeded(await laptop.tj("unlock", env={"TJ_PASSPHRASE": PASSPHRASE}))
    assert "Locked away." in (await laptop.ok("list", "--json")).stdout


async def test_a_too_short_passphrase_is_refused_and_the_profile_stays_open(
    laptop: Device,  # noqa: F811
) -> None:
    refused = await laptop.tj("lock", env={"TJ_NEW_PASSPHRASE": "short"})
    assert "at least 8 characters" in failed_with_one_line(refused)
    assert (await laptop.json("list")) == []
