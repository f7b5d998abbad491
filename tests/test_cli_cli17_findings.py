"""Leftovers of the `tj` CLI, each through a real `tj` against a real server on loopback:
a copy of a share this account left named one way, tables of long journal names at 80
columns, a check-in that went with a goal deleted on another device, and a sign-in over a
home locked with a passphrase refused before any secret is asked."""

from __future__ import annotations

from pathlib import Path

from tests.client.hostile import HostileServer, hostile  # noqa: F401 (fixture)
from tests.conftest import RunningServer
from tests.test_cli import (  # noqa: F401 (fixtures)
    Device,
    Outage,
    laptop,
    outage,
    phone,
)
from tests.test_cli_insights import new_device
from tests.test_cli_nu56_findings import flat

PASSPHRASE = "a long passphrase for this laptop"


async def test_a_sign_in_of_another_name_over_a_locked_home_asks_for_no_secret(
    live_server: RunningServer,
    tmp_path: Path,
    hostile: HostileServer,  # noqa: F811
) -> None:
    """A home whose profile is locked with a passphrase was checked for another account
    only once the password (or the recovery key) and the passphrase were asked: the
    username its local data records tells it first, asking nothing and sending nothing."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("lock", env={"TJ_NEW_PASSPHRASE": PASSPHRASE})
    no_secret: dict[str, str | None] = {
        "TJ_PASSWORD": None,
        "TJ_PASSPHRASE": None,
        "TJ_RECOVERY_KEY": None,
    }
    for verb in ("login", "recover"):
        refused = await ana.tj(verb, hostile.url, "ben", env=no_secret)
        said = flat(refused.output)
        assert refused.exit_code == 1, refused.output
        assert f"{ana.home} is signed in to the account ana, not ben: nothing was asked" in said
        for secret in ("Password", "Passphrase", "Recovery key", "TJ_PASSWORD", "locked"):
            assert secret not in said, (verb, said)
    assert hostile.paths == []
    # the same name still signs in, with its passphrase (the home's own account)
    again = await ana.tj("login", live_server.url, "ana", env={"TJ_PASSPHRASE": PASSPHRASE})
    assert again.exit_code == 0, again.output


async def test_a_check_in_made_offline_on_a_goal_deleted_elsewhere_is_named(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
) -> None:
    """The laptop checked in offline on a goal the phone deleted meanwhile: the sync that
    learned of the deletion named no check-in (the goal's change, at most). It names the
    check-in that went with the goal, with its progress and note."""
    made = await laptop.ok("goal", "add", "Walk every day", "--measure", "4 sessions")
    goal = made.stdout.strip()[:12]
    undone = (await laptop.ok("goal", "add", "Sleep by eleven")).stdout.strip()[:12]
    await phone.ok("sync")
    await outage.begin()
    await phone.ok("goal", "delete", goal, "--yes")
    await phone.ok("goal", "delete", undone, "--yes")
    await laptop.ok("goal", "checkin", goal, "--progress", "2", "--note", "Walked by the river")
    [checkin] = (await laptop.json("goal", "show", goal))["checkins"]
    await laptop.ok("goal", "checkin", undone, "--note", "Undone at once")
    await laptop.ok("goal", "undo", undone, "--yes")  # undone here: nothing of it to tell
    await outage.end()
    await phone.ok("sync")
    synced = await laptop.ok("sync")
    said = flat(synced.output)
    assert f'Deleted: goal {goal} ("Walk every day") was deleted on phone; check-in ' in said
    assert f"check-in {checkin['id'][:12]} of " in said, said
    assert "(progress 2: 'Walked by the river'), made on this device, went with it." in said
    assert undone not in said and "Undone at once" not in said, said
    report = await laptop.json("sync")
    assert report["overtaken"] == [], report  # told once
