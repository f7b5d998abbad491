"""Findings of a new user's review of `tj` (NU62), each through a real `tj` against a real
server on loopback: a recovery on a home already signed in, the advice after the user's own
password change elsewhere, a logout and login again on the same home, and small ones."""

from __future__ import annotations

from tests.test_cli import (  # noqa: F401 (fixtures)
    Device,
    laptop,
    phone,
)
from tests.test_cli_nu56_findings import flat


async def test_recover_on_a_signed_in_home_ends_its_earlier_session_as_login_does(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    """`tj recover --keep-others` on the phone's own signed-in home left the home's earlier
    session signed in: `tj devices` listed two "phone" rows, and the laptop was told of "a
    second device named 'phone', not the one you know". The earlier session is ended, as
    `tj login` ends it, and the laptop is told of the phone's recovery plainly."""
    await laptop.ok("devices")  # the laptop knows the phone by its name
    await laptop.ok("sync")  # and has looked at the sign-ins once
    done = await phone.ok(
        "recover", phone.url, "ana", "--keep-others",
        input=laptop.signup["recovery_key"] + "\n", env={"TJ_PASSWORD": "recovered secret"},
    )  # fmt: skip
    said = flat(done.stderr)
    assert "another session under its name" not in said, said
    assert sorted(d["name"] for d in await laptop.json("devices")) == ["laptop", "phone"]
    told = flat((await laptop.ok("sync")).stderr)
    assert "New sign-in on this account: 'phone' (device" in told, told
    assert "(with the recovery key)" in told, told
    assert "a second device named" not in told, told
