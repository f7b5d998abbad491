"""NU33 findings #7 and #9 (a new user's walkthrough of the README), against a real server
on loopback with real crypto (see tests/test_cli.py for the set-up):

- #7: `tj show ID` with the id of a therapist's note or a questionnaire result said only
  "no entry ID on this device", and an id nowhere got "try `tj sync`" right after the
  sync `tj show` had just run;
- #9: no command said which account and server a profile (`--home`) belongs to: `tj whoami`.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, Outage, failed_with_one_line, laptop, outage  # noqa: F401
from tests.test_cli_nu30_therapist_findings import annotating


async def test_show_with_a_note_or_result_id_names_the_command_that_shows_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """#7: the id (or a prefix) of a note this device holds, or of a questionnaire result,
    says what it is and the command that shows it; `tj edit` says the same. An id nowhere
    is not told to sync: `tj show` just did."""
    ana, drsmith = await annotating(live_server, tmp_path)
    note = (await drsmith.ok("note", "ana/Personal", "What helped?")).stdout.strip()
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0")
    [result] = await ana.json("measure", "list")

    said = failed_with_one_line(await ana.tj("show", note[:8]))  # synced first: ana has it
    assert said == f"Error: {note[:8]} is a note, not an entry: `{ana.command} notes` lists it"
    said = failed_with_one_line(await ana.tj("show", result["id"][:8]))
    assert said == (
        f"Error: {result['id'][:8]} is a questionnaire result, not an entry: "
        f"`{ana.command} measure show {result['id'][:12]}` shows it"
    )
    await ana.ok("measure", "show", result["id"][:12])  # as said
    said = failed_with_one_line(await ana.tj("edit", note, "--mood", "3"))
    assert said == f"Error: {note} is a note, not an entry: `{ana.command} notes` lists it"

    held = {e["id"] for e in await ana.json("list")} | {note, result["id"]}
    typo = next(p for p in ("abcd", "abce", "abcf") if not any(i.startswith(p) for i in held))
    said = failed_with_one_line(await ana.tj("show", typo))
    assert said == f"Error: no entry {typo} on this device (it synced just now): check the id"


async def test_whoami_says_the_account_device_and_server_from_the_profile_alone(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
) -> None:
    """#9: `tj whoami` (and --json) names the username, the account's id, this device's
    name and id, the server's URL and whether the keys are locked; with the server down
    (it reads the profile alone), and on a locked profile once given its passphrase."""
    [device] = [d for d in await laptop.json("devices") if d["current"]]
    [(account_id,)] = await live_server.rows("SELECT account_id FROM accounts")
    await outage.begin()  # no network from here on

    mine = await laptop.json("whoami")
    assert mine == {
        "username": "ana",
        "account_id": account_id.hex(),
        "device_id": device["id"],
        "device_name": "laptop",
        "server_url": live_server.url,
        "locked": False,
        "signed_out_at": None,
        "account_erased": False,
    }
    shown = await laptop.ok("whoami")
    assert shown.stdout.splitlines() == [
        "Username:    ana",
        f"Account:     {account_id.hex()[:12]}",
        f"This device: laptop ({device['id'][:12]})",
        f"Server:      {live_server.url}",
        "Locked:      no (`tj lock`)",
    ]
    assert shown.stderr == ""  # no sync attempted, nothing said about the server

    await laptop.ok("lock", env={"TJ_NEW_PASSPHRASE": "a long passphrase"})
    locked = await laptop.json("whoami", env={"TJ_PASSPHRASE": "a long passphrase"})
    assert locked == mine | {"locked": True}
    # without it, no passphrase is asked: what is sealed is null (tests/test_cli_nu36d_leftovers)
    sealed = await laptop.json("whoami", input="", env={"TJ_PASSPHRASE": None})
    assert sealed == dict.fromkeys(mine, None) | {"device_name": "laptop", "locked": True}
