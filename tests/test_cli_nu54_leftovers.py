"""NU54 leftovers (real server on loopback, CliRunner):

- F9: `tj journal list` folded `tj --home ... shares` across two lines of a table cell: the
  command is printed once below the table, on one line, whole;
- F10: `tj private-notes --client kim` said "No private notes." while a note about an earlier
  account named kim was kept: it names the command that lists it;
- the "shared again" question's "only what is dated from now on" was true, but the share
  then said the copy goes on "dated from <its first start>, when its copy began", although
  nothing dated while its share was off is copied: it says "from now on", as `tj shares`;
- "No entries in ..." named a journal a shell cannot read back unquoted;
- `tj whoami` and `tj shares log` said the default device name "device" as if it were any
  device;
- F6: `tj shared-with-me` repeated one owner's export hint under each ended copy; a GAD-7
  band read "mild" beside a PHQ-9's "Mild"."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device
from tests.test_cli_nu46_two_kims import two_kims

TOFU = "--trust-on-first-use"


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_journal_list_prints_the_shares_command_whole_below_the_table(
    live_server: RunningServer, tmp_path: Path
) -> None:
    deep = tmp_path / ("a-long-folder-name-" * 3) / "cara"
    cara = Device(deep, live_server.url)
    cara.signup = await cara.json("signup", live_server.url, "cara")
    await new_device(live_server, tmp_path, "drsmith")
    await cara.ok("share", "Personal", "drsmith", "--only", "mood,tags", TOFU)

    listed = await cara.ok("journal", "list", env={"COLUMNS": "80"})

    assert "a copy kept for drsmith" in flat(listed.stdout), listed.stdout
    assert "`" not in listed.raw_stdout and "--home" not in listed.raw_stdout, listed.raw_stdout
    command = f"`tj --home {deep} shares`"
    assert command in listed.raw_stderr.splitlines()[-1], listed.raw_stderr  # one line, whole
    assert listed.stderr == (
        "What a journal kept for a member holds, and for whom: `tj shares`.\n"
    ), listed.stderr
    assert "What a journal kept" not in (await cara.ok("journal", "list", "--json")).stderr


async def test_private_notes_of_a_client_name_point_at_the_earlier_account_of_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    kims = await two_kims(live_server, tmp_path)
    drlee = kims.drlee
    earlier = f"kim (account {kims.old_account[:8]})"
    [intake] = await drlee.json("private-notes", "--client", "kim")
    await drlee.ok("private-notes", "delete", intake["id"][:8], "--yes")

    empty = await drlee.ok("private-notes", "--client", "kim")

    assert flat(empty.stderr) == (
        "No private notes about 'kim'; notes about an earlier account of that name are "
        f"listed by `tj private-notes --client '{earlier}'`."
    ), empty.stderr
    command = re.search(r"`tj --home \S+ private-notes --client '[^']+'`", empty.raw_stderr)
    assert command is not None, empty.raw_stderr  # never folded
    pasted = await drlee.ok("private-notes", "--client", earlier)
    assert "About the earlier kim." in pasted.stdout
    assert await drlee.json("private-notes", "--client", "kim") == []
    assert "earlier" not in (await drlee.ok("private-notes", "--client", "kim", "--json")).stderr


async def test_a_copy_shared_again_after_its_share_ended_says_from_now_on(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--only", "mood,tags", TOFU)
    await ana.ok("write", "--mood", "1", "--tag", "before", "Held.")
    copy = "Personal (mood, tags) for drsmith"
    await ana.ok("unshare", copy, "drsmith", "--yes")
    await ana.ok("write", "--mood", "2", "--tag", "gap", "While it was off.")

    again = await ana.ok("share", "Personal", "drsmith", "--only", "mood,tags", "--yes")

    said = flat(again.stderr)
    assert "To share only what is dated from now on, move those to the trash first" in said
    assert "of entries in Personal dated from now on (nothing dated before" in said, said
    assert "when its copy began" not in said
    [shared] = [s for s in await ana.json("shares") if s["kind"] == "mirror"]
    await ana.ok("write", "--mood", "3", "--tag", "after", "Later.")
    await drsmith.ok("sync")
    seen = [(e["mood"], e["tags"]) for e in await drsmith.json("list", "--all")]
    assert seen == [(3, ["after"]), (1, ["before"])]  # the gap's entry: not copied
    gap = [e for e in await ana.json("list", "--all") if e["tags"] == ["gap"]]
    assert shared["since"] > gap[0]["created_at"], (shared, gap)  # as `tj shares` says it


async def test_no_entries_in_names_an_odd_journal_as_a_shell_reads_it_back(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("journal", "create", "Work `x`")
    await ana.ok("share", "Work `x`", "drsmith", "--full", TOFU)
    await drsmith.ok("sync")
    [shared] = [j for j in await drsmith.json("journal", "list") if j["owner"] == "ana"]

    empty = await drsmith.ok("list", "--journal", shared["id"][:12])

    assert empty.stderr.startswith("No entries in $'ana/Work \\x60x\\x60': "), empty.stderr


async def test_the_default_device_name_is_said_as_such(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    tom = await new_device(live_server, tmp_path, "tom")
    named = Device(tmp_path / "named", live_server.url)
    await named.ok("signup", live_server.url, "lee", "--device-name", "laptop")
    short = (await ana.json("whoami"))["device_id"][:12]

    who = flat((await ana.ok("whoami")).stdout)

    assert (
        f"This device: 'device' ({short}), the default name of a device signed in without "
        "--device-name: `tj devices rename NAME` names it"
    ) in who, who
    assert "This device: laptop (" in flat((await named.ok("whoami")).stdout)
    await ana.ok("write", "One.")
    await ana.ok("share", "Personal", "tom", TOFU)
    await tom.ok("sync")
    log = (await tom.ok("shares", "log", "ana/Personal")).stdout
    tom_device = (await tom.json("whoami"))["device_id"][:12]
    assert f"('device', the default name, {tom_device})" in log, log


async def test_shared_with_me_names_one_owners_export_once(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("journal", "create", "Work")
    for journal in ("Personal", "Work"):
        await ana.ok("share", journal, "drsmith", "--full", TOFU)
    await drsmith.ok("sync")
    for journal in ("Personal", "Work"):
        await ana.ok("unshare", journal, "drsmith", "--yes")
    await drsmith.ok("sync")

    listed = flat((await drsmith.ok("shared-with-me")).stdout)

    assert listed.count("keep what you need first: `tj export --client") == 1, listed
    assert re.search(r"`tj forget '[^']+/Personal'", listed), listed
    assert re.search(r"`tj forget '[^']+/Work'", listed), listed


async def test_gad7_and_phq9_bands_read_alike(live_server: RunningServer, tmp_path: Path) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    gad7 = await ana.ok("measure", "take", "gad7", "--answers", "1,1,1,1,1,1,0")
    phq9 = await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,0,0")
    assert "score:   6 of 21 (Mild)" in gad7.stdout, gad7.stdout
    assert "score:   7 of 27 (Mild)" in phq9.stdout, phq9.stdout
    results = json.loads((await ana.ok("measure", "list", "--json")).raw_stdout)
    # one casing in JSON for every questionnaire (NU65 F1), the label as shown beside it
    assert [(r["band"], r["band_label"]) for r in results] == [("mild", "Mild")] * 2
