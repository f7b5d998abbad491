"""A device of this account told by what the device itself proves (fix34a): the phone's
login again is "signed in again" by its own device key, never a stranger, while someone else
with the password under the same name is still told as one (nu83 F11); the earlier writes of
a device signed out since are named by the name it signed in with (nu84 F8)."""

from __future__ import annotations

from client_sdk.client import _signed_in_as
from tests.test_cli import (  # noqa: F401 (fixtures)
    PASSWORD,
    Device,
    laptop,
    phone,
)
from tests.test_cli_nu56_findings import flat


async def test_writes_of_devices_signed_out_since_are_named_after_a_login_again(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    """nu84 F8: after the phone and the laptop logged out and the laptop logged in again, its
    summary said "on a device signed out since: 1 new entry": the phone's, which the new
    session had never listed. It is told by the name it signed in with (a claim: with its
    id, rev34c F4), signed out since."""
    [own] = [d["id"] for d in await phone.json("devices") if d["current"]]
    await phone.ok("write", "Written on the phone.")
    await phone.ok("logout", "--yes")
    await laptop.ok("logout", "--yes")
    again = flat((await laptop.ok("login", laptop.url, "ana")).stderr)
    # the name is the signer's claim: told with the id (rev34c F4)
    told = f"on a device that signed in as 'phone' (device {own[:12]}), signed out since: 1 new"
    assert told in again, again
    assert "a device signed out since" not in again, again
    assert "phone, signed out since" not in again, again


async def test_a_device_that_signed_in_under_a_listed_devices_name_is_told_apart(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    """rev34c F4: someone with the password signs in as "phone" from another home, writes
    an entry and signs out; the laptop logs out and in again. Its summary said "1 new entry
    from phone, signed out since" while the phone is signed in: the entry is told as from a
    device that signed in as 'phone', by its id, and not the phone signed in now."""
    intruder = Device(laptop.home.parent / "intruder", laptop.url)
    await intruder.ok(
        "login", laptop.url, "ana", "--device-name", "phone", env={"TJ_PASSWORD": PASSWORD}
    )
    [own] = [d["id"] for d in await intruder.json("devices") if d["current"]]
    await intruder.ok("write", "Written by the intruder.")
    await intruder.ok("logout", "--yes")
    await laptop.ok("logout", "--yes")
    again = flat((await laptop.ok("login", laptop.url, "ana")).stderr)
    told = (
        f"on a device that signed in as 'phone' (device {own[:12]}, not the 'phone' signed in "
        "now), signed out since: 1 new entry"
    )
    assert told in again, again
    assert "phone, signed out since" not in again, again


async def test_the_phones_login_again_is_told_as_the_phone_and_a_namesake_as_a_stranger(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    """nu83 F11: after `tj login` again on the phone, the laptop said "New sign-in ... 'phone'
    (device X: a second device named 'phone', not the one you know) ... Not you? ...
    revoke". The phone's home signs each sign-in with the device key it keeps: the laptop
    names the earlier sign-in of that key, never "a second device named 'phone'"; the
    advice stays (the key says the same device signed in, not that it is the user's: rev34c
    F3). Someone else with the password, under the name "phone", cannot sign with that key:
    a second device named 'phone', with the advice."""
    await laptop.ok("devices")  # the laptop knows the phone by its name
    await laptop.ok("sync")  # and has looked at the sign-ins once
    first = [d["id"] for d in await laptop.json("devices") if d["name"] == "phone"]
    await phone.ok("login", phone.url, "ana", env={"TJ_PASSWORD": PASSWORD})
    told = flat((await laptop.ok("sync")).stderr)
    assert f"its device key is the one of 'phone' (device {first[0][:12]}), which signed in" in (
        told
    )
    assert "if that device was not yours, this sign-in is not yours either" in told, told
    assert "Not you?" in told, told
    assert "a second device named" not in told, told
    thief = Device(laptop.home.parent / "thief", laptop.url)
    await thief.ok(
        "login", laptop.url, "ana", "--device-name", "phone", env={"TJ_PASSWORD": PASSWORD}
    )
    told = flat((await laptop.ok("sync")).stderr)
    assert "a second device named 'phone', not the one you know" in told, told
    assert "its device key is the one of" not in told, told
    assert "Not you? Whoever signed in knows your password" in told, told


def test_a_name_from_the_sign_in_log_is_said_as_a_claim_with_the_id() -> None:
    """rev34c F4's words, pure: the default name says nothing (as `news_name`); a name the
    shell would read is quoted as every message quotes names."""
    device = bytes.fromhex("1a2b3c4d5e6f" + "00" * 10)
    assert _signed_in_as("device", device, False) == (
        "another device (1a2b3c4d5e6f), signed out since"
    )
    assert _signed_in_as("Ana's phone", device, True) == (
        'a device that signed in as "Ana\'s phone" (device 1a2b3c4d5e6f, not the '
        '"Ana\'s phone" signed in now), signed out since'
    )
