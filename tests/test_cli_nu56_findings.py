"""Findings of a new user's review of `tj` (NU56), each through a real `tj` against a real
server on loopback: what a first sync says of a change refused for good, a draft whose editor
is still open at logout, a signup on a home holding another account's data, a password file
with a byte order mark, and the commands and words of a few refusals."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, Outage, laptop, outage, phone  # noqa: F401 (fixtures)


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_a_first_sync_whose_change_was_refused_for_good_points_to_set_aside_list(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
    live_server: RunningServer,
) -> None:
    """`tj login` whose first sync set a change aside (the phone wrote in Dreams offline; the
    laptop deleted Dreams and signed the phone out) ended "run `tj sync` again later", a
    sync that delivers nothing: it points to `tj set-aside list`, as `tj sync` does."""
    await laptop.ok("journal", "create", "Dreams")
    await phone.ok("sync")
    await outage.begin()
    await phone.ok("write", "--journal", "Dreams", "A dream written offline.")
    await outage.end()
    await laptop.ok("journal", "delete", "Dreams", "--yes")
    phone_id = next(d["id"] for d in await laptop.json("devices") if d["name"] == "phone")
    await laptop.ok("devices", "revoke", phone_id[:12], "--yes")
    result = await phone.tj("login", live_server.url, "ana")
    assert result.exit_code == 4, result.output
    last = flat(result.stderr.strip().splitlines()[-1])
    assert last.startswith("Signed in as ana on this device, but its first sync could not"), last
    assert "again later" not in last, last
    assert last.endswith("kept on this device, see `tj set-aside list`."), last
    assert "no later sync sends" in last, last
