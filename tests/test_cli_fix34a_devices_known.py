"""A device of this account told by what the device itself proves (fix34a): the phone's
login again is "signed in again" by its own device key, never a stranger, while someone else
with the password under the same name is still told as one (nu83 F11); the earlier writes of
a device signed out since are named by the name it signed in with (nu84 F8)."""

from __future__ import annotations

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
    session had never listed. It is named by the name it signed in with, signed out since."""
    await phone.ok("write", "Written on the phone.")
    await phone.ok("logout", "--yes")
    await laptop.ok("logout", "--yes")
    again = flat((await laptop.ok("login", laptop.url, "ana")).stderr)
    assert "1 new entry from phone, signed out since" in again, again
    assert "a device signed out since" not in again, again
