"""NU22 C16: after a password change on the laptop, the phone's login with the old password
suggested first that the account "may have been deleted". The likelier truth comes first
now: the password may have been changed on another device; the deletion stays a possibility
(the server must not tell which). The commands named work on that home (real server on
loopback, CliRunner)."""

from __future__ import annotations

from tests.conftest import RunningServer
from tests.test_cli import Device, failed_with_one_line, laptop, phone  # noqa: F401 (fixtures)

STRONG = "a much longer passphrase 2026"


async def test_a_login_with_the_old_password_says_it_may_have_been_changed_first(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    await phone.ok("write", "Written on the phone before it was signed out.")
    await laptop.ok("password", "change", "--sign-out-others", env={"TJ_NEW_PASSWORD": STRONG})
    failed_with_one_line(await phone.tj("sync"))  # signed out by the change

    refused = failed_with_one_line(await phone.tj("login", live_server.url, "ana"))
    assert "wrong username or password" in refused
    changed = refused.index("it may have been changed on another device")
    deleted = refused.index("the account may have been deleted from another device")
    assert changed < deleted, refused  # the likelier one first
    home = f"{phone.command}"  # every command names this profile (NU50 F4)
    assert f"`{home} recover {live_server.url} ana`" in refused, refused  # this home's own
    assert f"`{home} export --out DIR` saves this device's copy" in refused
    assert f"(before any `{home} logout`)" in refused

    # What the hint names works on this very home: recover sets a new password...
    recovered = await phone.ok(
        "recover",
        live_server.url,
        "ana",
        "--keep-others",
        env={"TJ_RECOVERY_KEY": laptop.signup["recovery_key"], "TJ_PASSWORD": "third secret 99"},
    )
    assert "New password set" in recovered.stderr
    # ...and nothing the phone wrote while signed out was lost.
    await laptop.ok("sync")
    listed = [e["body"] for e in await laptop.json("list")]
    assert listed == ["Written on the phone before it was signed out."], listed
