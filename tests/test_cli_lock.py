"""`tj lock` / `tj unlock`: a passphrase protects the device's keys at rest."""

from __future__ import annotations

from pathlib import Path

from client_sdk.profile import load_profile
from tests.test_cli import Device, failed_with_one_line, laptop, succeeded  # noqa: F401

PASSPHRASE = "a long local passphrase"


def device_secrets(home: Path) -> dict[str, bytes]:
    """What a thief of the profile file must not find: the account's keys and the session
    token, read from the (unlocked) profile itself."""
    profile = load_profile(home)
    found = {
        "account key": profile.secrets.account_key,
        "identity signing seed": profile.secrets.sign_seed,
        "identity box secret": profile.secrets.box_secret,
        "session token": profile.token.encode(),
    }
    assert all(len(secret) >= 16 for secret in found.values())
    return found


def in_clear(home: Path, secrets: dict[str, bytes]) -> list[str]:
    profile = (home / "profile").read_bytes()
    return [name for name, secret in secrets.items() if secret in profile]


async def test_a_locked_profile_holds_no_key_or_token_in_clear_and_opens_only_with_its_passphrase(
    laptop: Device,  # noqa: F811
) -> None:
    entry_id = (await laptop.ok("write", "Locked away.")).stdout.strip()
    secrets = device_secrets(laptop.home)
    assert in_clear(laptop.home, secrets) == list(secrets)  # the check sees them when there

    locked = succeeded(await laptop.tj("lock", env={"TJ_NEW_PASSPHRASE": PASSPHRASE}))
    assert "entries already on this device are not" in locked.output  # NU19 C29.7
    assert in_clear(laptop.home, secrets) == []
    assert b"\xa6locked\xc3" in (laptop.home / "profile").read_bytes()  # msgpack {"locked": true}

    wrong = await laptop.tj("show", entry_id, env={"TJ_PASSPHRASE": "not the passphrase"})
    assert "wrong passphrase" in failed_with_one_line(wrong)
    shown = await laptop.tj("show", entry_id, "--json", env={"TJ_PASSPHRASE": PASSPHRASE})
    assert "Locked away." in succeeded(shown).stdout
    prompted = await laptop.tj("list", "--json", input=PASSPHRASE + "\n")
    assert "Locked away." in succeeded(prompted).stdout
    synced = await laptop.tj("sync", "--json", env={"TJ_PASSPHRASE": PASSPHRASE})
    succeeded(synced)  # the token was used, so it was unsealed, in memory only:
    assert in_clear(laptop.home, secrets) == []

    succeeded(await laptop.tj("unlock", env={"TJ_PASSPHRASE": PASSPHRASE}))
    assert in_clear(laptop.home, secrets) == list(secrets)
    assert "Locked away." in (await laptop.ok("list", "--json")).stdout


async def test_a_too_short_passphrase_is_refused_and_the_profile_stays_open(
    laptop: Device,  # noqa: F811
) -> None:
    refused = await laptop.tj("lock", env={"TJ_NEW_PASSPHRASE": "short"})
    assert "at least 8 characters" in failed_with_one_line(refused, 2)  # a value refused
    assert (await laptop.json("list")) == []
