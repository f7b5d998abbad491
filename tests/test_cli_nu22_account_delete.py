"""NU22 C5: the `tj account delete` confirmation said only that "every journal it owns" is
erased, while the therapist and the account's other devices keep what they downloaded. It
says so now, by name, and both copies are checked to stay (real server on loopback,
CliRunner)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device


async def test_the_confirmation_names_who_keeps_a_copy_and_they_do(
    live_server: RunningServer, tmp_path: Path
) -> None:
    cleo = await new_device(live_server, tmp_path, "cleo")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    phone = Device(tmp_path / "cleo-phone", live_server.url)
    await phone.ok("login", live_server.url, "cleo", "--device-name", "cleophone")
    await cleo.ok("write", "Kept by others.")
    await cleo.ok(
        "share", "Personal", "drsmith", "--full", "--fingerprint", drsmith.signup["fingerprint"]
    )
    await drsmith.ok("sync")
    await phone.ok("sync")

    erased = await cleo.ok("account", "delete", input="cleo\n")
    said = " ".join(erased.stderr.split())
    asked = said.index("Type the username to confirm")
    kept = said.index(
        "drsmith keeps what they already downloaded of the journals you shared with them: the "
        "server's copy is erased, theirs is not."
    )
    devices = said.index(
        "Your other device (cleophone) keeps its copy of your journals until you log out "
        "there (`BARE tj logout` on it): erasing signs it out of the server, it does not "
        "empty it."
    )
    assert kept < asked and devices < asked, said  # said before the decision

    # What was said is true: both copies are still there.
    assert [e["body"] for e in await phone.json("list")] == ["Kept by others."]
    assert [e["body"] for e in await drsmith.json("list")] == ["Kept by others."]


async def test_with_yes_the_copies_are_said_after_the_erasure(
    live_server: RunningServer, tmp_path: Path
) -> None:
    cleo = await new_device(live_server, tmp_path, "cleo")
    phone = Device(tmp_path / "cleo-phone", live_server.url)
    await phone.ok("login", live_server.url, "cleo", "--device-name", "cleophone")
    erased = await cleo.ok("account", "delete", "--yes")
    said = " ".join(erased.stderr.split())
    assert "Account cleo erased from the server" in said
    assert "Your other device (cleophone) keeps its copy" in said
    assert "keeps what they already downloaded" not in said  # shared with no one
