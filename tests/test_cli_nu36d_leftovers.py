"""Three leftovers of NU36 (a new user's walkthrough), each with the commands that showed it
(real server on loopback, CliRunner, real crypto):

- `tj whoami` on a locked profile asked for the passphrase, so it could not say "Locked:
  yes" to someone who did not have it at hand;
- `tj goal show ID` and `tj measure show ID` given an entry's id said only "check the id";
- `tj shares` failed outright with the server down, where `tj list` shows what the device
  has and says it could not sync.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, Outage, failed_with_one_line, laptop, outage  # noqa: F401
from tests.test_cli_insights import new_device

PASSPHRASE = "a long local passphrase"
NOT_GIVEN: dict[str, str | None] = {"TJ_PASSPHRASE": None}


async def test_whoami_on_a_locked_profile_says_so_without_asking_for_the_passphrase(
    laptop: Device,  # noqa: F811
) -> None:
    """No passphrase asked (stdin is empty: a prompt would fail): it says the profile is
    locked, the device's name (the store is not sealed), that the rest is sealed, and how to
    see it or remove the passphrase; with $TJ_PASSPHRASE it shows everything."""
    opened = await laptop.json("whoami")
    await laptop.ok("lock", env={"TJ_NEW_PASSPHRASE": PASSPHRASE})

    shown = await laptop.ok("whoami", input="", env={**NOT_GIVEN, "COLUMNS": "80"})
    assert shown.stdout.splitlines() == [
        "Username:    not readable while locked",
        "Account:     not readable while locked",
        "This device: laptop (id not readable while locked)",
        "Server:      not readable while locked",
        "Locked:      yes (a passphrase opens this device's keys, and the details above:",
        "             give it in $TJ_PASSPHRASE to see them here; `tj unlock` removes it)",
    ]  # wrapped at the terminal's width, under its value (NU37 #8)
    assert shown.stderr == ""
    sealed = await laptop.json("whoami", input="", env=NOT_GIVEN)
    assert sealed == {
        "username": None,
        "account_id": None,
        "device_id": None,
        "device_name": "laptop",
        "server_url": None,
        "locked": True,
        "signed_out_at": None,
        "account_erased": None,
    }
    assert set(sealed) == set(opened)  # the same fields as an open profile's

    given = await laptop.json("whoami", env={"TJ_PASSPHRASE": PASSPHRASE})
    assert given == opened | {"locked": True}
    wrong = await laptop.tj("whoami", env={"TJ_PASSPHRASE": "not the passphrase"})
    assert "wrong passphrase" in failed_with_one_line(wrong)

    await laptop.ok("unlock", env={"TJ_PASSPHRASE": PASSPHRASE})
    assert (await laptop.json("whoami", input="", env=NOT_GIVEN)) == opened


async def test_goal_and_measure_show_given_an_entrys_id_name_the_command_that_shows_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The id (or a prefix) of an entry given to `tj goal show`, `tj goal checkin` or `tj
    measure show` says it is an entry's and gives `tj show`; a result's id given for a goal
    gives `tj measure show`; `tj show` given a goal's id already named `tj goal show`."""
    ana = await new_device(live_server, tmp_path, "ana")
    entry = (await ana.ok("write", "A walk by the river.")).stdout.strip()
    goal = (await ana.json("goal", "add", "Walk daily"))["id"]
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0")
    [result] = await ana.json("measure", "list")

    for command in (("goal", "show"), ("measure", "show")):
        for given in (entry, entry[:8]):
            said = failed_with_one_line(await ana.tj(*command, given))
            words = "a goal" if command[0] == "goal" else "a questionnaire result"
            assert said == (
                f"Error: {given} is an entry, not {words}: `{ana.command} show {entry[:12]}` shows it"
            )
    said = failed_with_one_line(await ana.tj("goal", "checkin", entry[:8], "--note", "Went"))
    assert (
        said
        == f"Error: {entry[:8]} is an entry, not a goal: `{ana.command} show {entry[:12]}` shows it"
    )
    assert "A walk by the river." in (await ana.ok("show", entry[:12])).stdout  # as said

    said = failed_with_one_line(await ana.tj("goal", "show", result["id"][:8]))
    assert said == (
        f"Error: {result['id'][:8]} is a questionnaire result, not a goal: "
        f"`{ana.command} measure show {result['id'][:12]}` shows it"
    )
    said = failed_with_one_line(await ana.tj("show", goal[:8]))
    assert (
        said
        == f"Error: {goal[:8]} is a goal, not an entry: `{ana.command} goal show {goal[:12]}` shows it"
    )

    held = {entry, goal, result["id"], *(e["id"] for e in await ana.json("list"))}
    typo = next(p for p in ("abcd", "abce", "abcf") if not any(i.startswith(p) for i in held))
    said = failed_with_one_line(await ana.tj("goal", "show", typo))
    assert said == f"Error: no goal {typo} on this device (it synced just now): check the id"


async def test_shares_with_the_server_down_lists_what_the_device_knows_and_says_so(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    """Offline, `tj shares` lists the shares as the last sync left them (the table and
    --json as online), exit 0, with `tj list`'s one line on stderr saying it could not sync
    and when this device last did."""
    carla = await new_device(live_server, tmp_path, "carla")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await carla.ok("share", "Personal", "drsmith", "--fingerprint", drsmith.signup["fingerprint"])
    await carla.ok("sync")
    online = await carla.ok("shares")
    online_json = await carla.json("shares")
    assert [(s["journal"], s["member"]) for s in online_json] == [("Personal", "drsmith")]

    await outage.begin()
    offline = await carla.ok("shares")
    assert offline.stdout == online.stdout
    [notice] = offline.stderr.splitlines()
    assert notice.startswith(
        "Not synced (the server cannot be reached): showing what this device had at its last sync, "
    ), notice
    assert (await carla.json("shares")) == online_json
    listed = await carla.ok("list")  # the line `tj list` says offline: the same words
    assert listed.stderr.splitlines()[0] == notice
    await outage.end()
    assert (await carla.ok("shares")).stderr == ""
