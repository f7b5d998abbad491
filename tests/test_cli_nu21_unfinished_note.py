"""NU21 C3: a home whose signup did not finish before this device was signed in must not
be told "the account exists and this device is signed in" next to "no account on this device"."""

from __future__ import annotations

from pathlib import Path

from tests.client.hostile import HostileServer, hostile  # noqa: F401 (fixture)
from tests.conftest import RunningServer
from tests.test_cli import Device, failed_with_one_line

NOT_MSGPACK = b"\xc1"


async def test_unfinished_signup_note_does_not_claim_a_signed_in_device(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    device = Device(tmp_path / "laptop", hostile.url)
    hostile.replies["/v1/auth/signup"] = lambda request, reply: NOT_MSGPACK
    line = failed_with_one_line(await device.tj("signup", hostile.url, "ana"))
    assert "did not finish (the account may exist on the server" in line

    listed = await device.tj("journal", "list")
    assert "no account on this device" in listed.output
    assert "this device is signed in" not in listed.output
    # One line that says what is true and what to do.
    line = failed_with_one_line(listed)
    assert "the account may exist on the server" in line
    assert f"`{device.command} signup {hostile.url} ana` again" in line
