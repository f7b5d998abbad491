"""NU49: a new user's week. F1: a command printed in backticks is never broken by the
CLI's wrapping (it was broken inside `'ben (account b1fdc2f4)'`, so pasting it failed);
F2: `tj import` says when the opt-in to safety flags is not carried over, with the
command; F3: the import summary names no kind it has none of, and counts check-ins; F5:
an export names an ended share's copy as its commands do; F7: `tj measure list` marks the
copy of a share that ended as `tj list` does; F9: a client's export file names the client,
and `tj search`'s hint is a command to paste (real server on loopback, CliRunner)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from cli.output import command, fields_text, prose_text, ticked
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"


def commands(text: str) -> list[str]:
    """The spans in backticks of printed text, as printed (line breaks and all)."""
    return re.findall(r"`([^`]*)`", text)


def whole(text: str) -> list[str]:
    """Every command in backticks of `text`, each checked to lie on one line."""
    found = commands(text)
    assert found and all("\n" not in c for c in found), text
    return found


# --- F1: the wrapping helpers ---------------------------------------------------------------


def test_a_command_in_backticks_is_moved_whole_to_a_line_of_its_own() -> None:
    forget = command(["tj", "forget", "ben (account b1fdc2f4)/Personal", "--unlisted"])
    export = command(["tj", "export", "--client", "ben (account b1fdc2f4)", "--out", "DIR"])
    hint = (
        "Notice: ben's 'Personal' is no longer served to you. Once you know the share ended, "
        f"discard its copy from this device with {forget} (keep what you need first: "
        f"{export})."
    )
    for width in (40, 80, 200):
        shown = ticked(fields_text([hint], width))  # as `message` prints it
        assert whole(shown) == [
            "tj forget 'ben (account b1fdc2f4)/Personal' --unlisted",
            "tj export --client 'ben (account b1fdc2f4)' --out DIR",
        ], shown
        # longer than a line only where a command alone is
        for line in shown.splitlines():
            assert len(line) <= width or line.strip().startswith("`"), shown
    unshare = command(["tj", "unshare", "Brief for drsmith", "drsmith"])
    said = ticked(prose_text(f"To end it: {unshare} now.", width=30))
    assert said.splitlines() == ["To end it:", "`tj unshare 'Brief for drsmith' drsmith`", "now."]


# --- F1: the share-ended hints, at 80 and 200 columns ----------------------------------------


async def ended_shares(live_server: RunningServer, tmp_path: Path) -> tuple[Device, str, str]:
    """ben and carla (carla: --only mood,tags) share with drsmith, who verified them and
    synced; both unshare. Returns drsmith and the labels of ben's and carla's accounts."""
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    for name, how in (("ben", ["--full"]), ("carla", ["--only", "mood,tags"])):
        client = await new_device(live_server, tmp_path, name)
        await client.ok("mood", "4", "--tag", "sleep")
        await client.ok("share", "Personal", "drsmith", *how, TOFU)
        await drsmith.ok("verify", name, (await client.ok("fingerprint")).stdout.strip())
    await drsmith.ok("sync")
    owners = {j["owner"]: j["owner_id"] for j in await drsmith.json("journal", "list")}
    labels = [f"{name} (account {owners[name][:8]})" for name in ("ben", "carla")]
    await (Device(tmp_path / "ben", live_server.url)).ok("unshare", "Personal", "drsmith", "--yes")
    carla = Device(tmp_path / "carla", live_server.url)
    kept = await carla.ok("unshare", "Personal", "drsmith", "--yes", env={"COLUMNS": "80"})
    copy = "Personal (mood, tags) for drsmith"
    assert f"tj journal delete {shlex.quote(copy)}" in whole(kept.stderr), kept.stderr
    return drsmith, labels[0], labels[1]


@pytest.mark.parametrize("columns", [80, 200])
async def test_share_ended_hints_print_each_command_whole_to_paste(
    live_server: RunningServer, tmp_path: Path, columns: int
) -> None:
    drsmith, ben, carla = await ended_shares(live_server, tmp_path)
    width = {"COLUMNS": str(columns)}
    expected = {
        f"tj forget {shlex.quote(ben + '/Personal')} --unlisted",
        f"tj export --client {shlex.quote(ben)} --out DIR",
        f"tj forget {shlex.quote(carla + '/Personal (mood, tags) for drsmith')} --unlisted",
        f"tj export --client {shlex.quote(carla)} --out DIR",
    }
    synced = await drsmith.ok("sync", env=width)
    assert expected <= set(whole(synced.stderr)), synced.stderr
    listed = await drsmith.ok("shared-with-me", env=width)
    assert expected <= set(whole(listed.stdout)), listed.stdout
    for line in synced.stderr.splitlines() + listed.stdout.splitlines():
        assert len(line) <= columns or line.strip().startswith("`"), line

    # pasted as printed, the export command exports ben's copy, named as it names it
    [export] = [c for c in whole(listed.stdout) if c.startswith(f"tj export --client '{ben[:3]}")]
    out = tmp_path / "out"
    args = [str(out) if word == "DIR" else word for word in shlex.split(export)[1:]]
    done = await drsmith.ok(*args, env=width)
    said = " ".join(done.stderr.split())
    # F5: not "ben/Personal of ..."; named as every view names it (NU59 #6)
    assert "from 1 journal (ben/Personal (no longer served)) to" in said, said
    file = Path(done.stdout.strip())
    assert file.name.startswith(f"therapy-journal-drsmith-ben-account-{ben[-9:-1]}-"), file  # F9
    assert [e["mood"] for e in json.loads(file.read_text())["entries"]] == [4]


# --- F2, F3: the import summary -------------------------------------------------------------


async def test_import_says_the_safety_flag_opt_in_is_not_carried_over_and_counts_honestly(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("write", "A day.")
    goal = (await ana.ok("goal", "add", "Walk", "--measure", "4 sessions")).stdout.strip()
    await ana.ok("goal", "checkin", goal)
    await ana.ok("goal", "checkin", goal)
    await ana.ok("safety", "plan", "--emergency", "999", "--text", "Ring Jo.")
    fingerprint = (await drsmith.ok("fingerprint")).stdout.strip()
    await ana.ok(
        "share", "Personal", "drsmith", "--role", "annotate", "--safety-flags",
        "--fingerprint", fingerprint, "--yes",
    )  # fmt: skip
    path = (await ana.ok("export", "--out", str(tmp_path / "out"))).stdout.strip()

    new = await new_device(live_server, tmp_path, "ana.new")
    # named: an import writes into an existing journal (the new account's Personal) only so
    printed = (await new.ok("import", path, "--journal", "Personal")).stdout.strip()
    said = " ".join(printed.split())  # each line wrapped at the width (NU50 F5)
    assert said == (
        "Imported 1 entry, 1 goal with 2 check-ins and 1 safety plan into 'Personal' (read by no one else); the "
        "emergency number the safety message shows for Personal is now the file's, '999' "
        "(check it with `tj safety plan --journal Personal`). "
        "Safety flags: in the file, flags of Personal reached drsmith; an import never turns "
        "that on (it never sends safety flags to anyone), so no flag reaches drsmith from this "
        "account until you opt in again: `tj share Personal drsmith --role annotate "
        "--safety-flags --fingerprint FINGERPRINT` (FINGERPRINT: theirs, compared in person "
        "first; they read it from `BARE tj fingerprint` on their own device)."  # theirs: no
        # --home of this profile (NU67 F1: it named this device's own fingerprint)
    ), said
    assert "\nSafety flags: in the file" in printed  # a line of its own
    plan = await new.json("safety", "plan")
    assert plan["share_flags"] is False

    report = await new.json("import", path, "--journal", "Personal")  # nothing new, still said
    assert report["left_out"] == {"safety_flags_opt_in": 1}, report
    assert report["flags_not_carried"] == {"Personal": ["drsmith"]}
    assert report["checkins"] == 0 and report["goals"] == {}

    # the command it names opts in again: then nothing is said of it
    command, fingerprint_command = commands(printed.split("\nSafety flags: ", 1)[1])  # whole
    assert fingerprint_command == "BARE tj fingerprint"  # run by them, on their device
    # as printed, with the fingerprint compared (NU62 F20: without it, refused as printed)
    await new.ok(
        *shlex.split(command.replace("FINGERPRINT", shlex.quote(fingerprint)))[1:], "--yes"
    )
    # Personal is shared with drsmith now: the file (another account's) goes into it only
    # when named (else into "Personal (imported)": his share is newer than the file's)
    again = await new.json("import", path, "--journal", "Personal")
    assert again["left_out"] == {} and again["flags_not_carried"] == {}, again
    assert " ".join((await new.ok("import", path, "--journal", "Personal")).stdout.split()) == (
        "Nothing new to import: 1 entry, 1 goal and 1 safety plan already here (in 'Personal')."
    )


# --- F7, F9: measure list marks ended copies; search's hint is a command ---------------------


async def test_measure_list_marks_a_copy_of_a_share_that_ended(
    live_server: RunningServer, tmp_path: Path
) -> None:
    fay = await new_device(live_server, tmp_path, "fay")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await fay.ok("measure", "take", "gad7", "--answers", "1,1,1,1,1,1,1")
    await fay.ok("write", "A day.")
    await fay.ok("share", "Personal", "drsmith", "--full", TOFU)
    await drsmith.ok("sync")
    wide = {"COLUMNS": "200"}
    before = (await drsmith.ok("measure", "list", env=wide)).stdout
    assert "fay/Personal " in before and "(no longer served)" not in before, before
    await fay.ok("unshare", "Personal", "drsmith", "--yes")
    await drsmith.ok("sync")
    listed = (await drsmith.ok("measure", "list", env=wide)).stdout
    entries = (await drsmith.ok("list", env=wide)).stdout
    assert "fay/Personal (no longer served)" in entries, entries  # as `tj list` marks it
    assert "fay/Personal (no longer served)" in listed, listed


async def test_search_hint_is_a_command_that_shows_every_match(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    for n in range(3):
        await ana.ok("write", f"Slept badly, night {n}.")
    found = await ana.ok("search", "slept", "--limit", "2", env={"COLUMNS": "200"})
    [command] = commands(found.raw_stderr)  # as printed
    assert command.endswith("search slept --limit 3"), found.stderr
    every = await ana.ok(*shlex.split(command)[3:], env={"COLUMNS": "200"})  # after --home DIR
    assert every.stdout.count("Slept badly") == 3 and "Showing" not in every.stderr
