"""NU22 C9: after a member left a share renewed since it lapsed, the owner's `tj shares`
showed the first, lapsed end date as when the share ended. Only the latest membership of an
account tells how its share ended: a removal on the server's word says so, with when it was
signed (real server on loopback, CliRunner; the devices' clocks moved as in
test_cli_sharing.move_clocks)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device
from tests.test_cli_sharing import move_clocks

DAY_MS = 24 * 3600 * 1000


@pytest.mark.parametrize("only", [["--only", "mood,tags"], ["--full"]])
async def test_a_member_who_left_a_renewed_share_is_listed_as_left_not_at_the_old_end_date(
    live_server: RunningServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    only: list[str],
) -> None:
    ben = await new_device(live_server, tmp_path, "ben")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    fingerprint = ["--fingerprint", drsmith.signup["fingerprint"]]
    first_end = f"{datetime.now() + timedelta(days=1):%Y-%m-%d}"
    await ben.ok("share", "Personal", "drsmith", *only, "--until", first_end, *fingerprint)
    await drsmith.ok("sync")
    move_clocks(live_server, monkeypatch, 3 * DAY_MS)
    await ben.ok("sync")  # the lapse: a signed `ended` entry
    [lapsed] = await ben.json("shares")
    assert lapsed["expired"] and lapsed["dropped_at"] is None

    renewed_end = f"{datetime.now() + timedelta(days=30):%Y-%m-%d}"
    await ben.ok("share", "Personal", "drsmith", *only, "--until", renewed_end, *fingerprint)
    await ben.ok("write", "--mood", "6", "Written while renewed.")
    await drsmith.ok("sync")
    [shared] = await drsmith.json("shared-with-me")
    move_clocks(live_server, monkeypatch, DAY_MS)
    await drsmith.ok("leave", shared["journal"], "--yes")
    await ben.ok("sync")  # removed on the server's word: they left

    [row] = await ben.json("shares")
    assert (row["member"], row["expired"]) == ("drsmith", True)
    assert row["expires_at"] is not None and row["expires_at"] > lapsed["expires_at"]
    left = datetime.fromisoformat(row["dropped_at"])
    assert datetime.fromisoformat(lapsed["expires_at"]) < left
    result = await ben.ok("shares", env={"COLUMNS": "250"})
    shown = result.stdout
    [line] = [x for x in shown.splitlines() if "drsmith" in x]
    assert f"ended {first_end}" not in line, shown
    when = left.astimezone().strftime("%Y-%m-%d %H:%M")
    said = f"ended {when} (they left; the server's word)"  # NU28 C7: explained below
    assert said in line, shown
    below = " ".join(result.stderr.split())
    assert below.startswith(
        "(they left; the server's word): the server said the member left the share, or "
        "that their account was deleted"
    ), result.stderr


async def test_a_member_removed_by_the_owner_after_a_renewal_is_not_listed_at_the_old_end(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ben = await new_device(live_server, tmp_path, "ben")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    fingerprint = ["--fingerprint", drsmith.signup["fingerprint"]]
    first_end = f"{datetime.now() + timedelta(days=1):%Y-%m-%d}"
    await ben.ok("share", "Personal", "drsmith", "--full", "--until", first_end, *fingerprint)
    move_clocks(live_server, monkeypatch, 3 * DAY_MS)
    await ben.ok("sync")
    await ben.ok("share", "Personal", "drsmith", "--full", "--until", "2099-01-01", *fingerprint)
    await ben.ok("unshare", "Personal", "drsmith")
    assert await ben.json("shares") == []  # the owner ended it: as after any `unshare`
