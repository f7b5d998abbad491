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
    history = (await laptop.ok("goal", "history", goal, "--json")).stdout
    assert "~made" not in history and "Walked by the river" in history, history  # a mark
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


COLUMNS_80: dict[str, str | None] = {"COLUMNS": "80"}


async def left_copy(live_server: RunningServer, tmp_path: Path) -> tuple[Device, Device]:
    """(ana, drlee): drlee's device holds the read-only copy of ana's Personal, which drlee
    left, and drlee's own entry."""
    ana = await new_device(live_server, tmp_path, "ana")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ana.ok("write", "--title", "Night words", "Shared words about the night.")
    await ana.ok("share", "Personal", "drlee", "--role", "read", "--trust-on-first-use")
    await drlee.ok("sync")
    await drlee.ok("write", "My own words.")
    await drlee.ok("leave", "ana/Personal", "--yes")
    return ana, drlee


async def test_a_left_copy_reads_the_same_in_every_list_and_in_show(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """After `tj leave`, one journal went under three names: "ana/Personal (share ended)" in
    `tj list` and `tj search`, "journal: ana/Personal" in `tj show` (the state on stderr
    only), "ana (account 96e02ac6)/Personal" in `tj shared-with-me` and `tj journal list`.
    Each names it "ana/Personal", with its state beside it; only the commands printed for
    it name its owner by account; the JSON keys are as they were."""
    ana, drlee = await left_copy(live_server, tmp_path)
    label = f"ana (account {(await ana.json('whoami'))['account_id'][:8]})"
    wide = {"COLUMNS": "200"}
    listed = await drlee.ok("list", env=wide)
    found = await drlee.ok("search", "words", env=wide)
    for table in (listed.stdout, found.stdout):
        assert "ana/Personal (share ended)" in table and "(account" not in table, table
    [entry] = [e for e in await drlee.json("list") if e["journal"] == "ana/Personal"]
    assert (entry["share_ended"], entry["unlisted"]) == (True, False), entry
    shown = await drlee.ok("show", entry["id"][:12])
    assert "journal:  ana/Personal (share ended)\n" in shown.stdout, shown.stdout
    assert (await drlee.json("show", entry["id"][:12]))["journal"] == "ana/Personal"
    for args in (("shared-with-me",), ("journal", "list")):
        seen = await drlee.ok(*args, env=wide)
        [row] = [x for x in seen.stdout.splitlines() if "Personal" in x and "ana" in x][:1]
        assert row.startswith("ana/Personal") and "share ended (read-only copy)" in row, row
    with_me = await drlee.ok("shared-with-me", env=wide)
    table, _, below = with_me.stdout.partition("`")  # its rows, then the commands printed
    assert "(account" not in table, with_me.stdout
    assert f"`tj forget '{label}/Personal'`" in flat(with_me.stdout), with_me.stdout
    assert f"{label}: ana, named by account in the commands above" in flat(below), below
    [journal] = [j for j in await drlee.json("journal", "list") if not j["own"]]
    assert journal["name"] == "ana/Personal" and journal["share_ended"], journal
    asked = await drlee.tj("forget", "ana/Personal", input="n\n")
    assert "Discard the copy of ana/Personal from this device" in flat(asked.stderr)


LONG = "A very long journal name about my relationship with my mother and sisters"


def rows_of(table: str) -> list[list[str]]:
    """The rows of a table as printed: each row's lines (a row starts at column 0), from
    below the rule under the headers to the first blank line."""
    lines = table.split("\n")
    rule = next(i for i, line in enumerate(lines) if line.startswith("─"))
    rows: list[list[str]] = []
    for line in lines[rule + 1 :]:
        if not line.strip():
            break
        if line.startswith(" ") and rows:
            rows[-1].append(line)
        else:
            rows.append([line])
    return rows


async def test_tables_of_long_journal_names_read_at_80_columns(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """At 80 columns, `tj shares` gave a copy's 87-character name 14 cells (9 lines) beside
    a "sees" text that named the journal again; the caseload folded a flag naming a long
    journal with its later line one space deeper than the flag; `tj shared-with-me`'s
    "expires" of a copy no longer served repeated its role's "no longer served"."""
    ana = await new_device(live_server, tmp_path, "ana")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ana.ok("journal", "create", LONG)
    await ana.ok("write", "--journal", LONG, "--mood", "2", "--tag", "family", "Words.")
    await ana.ok("share", "Personal", "drlee", "--role", "annotate", "--trust-on-first-use")
    await ana.ok("share", LONG, "drlee", "--only", "mood,tags", "--trust-on-first-use")
    await drlee.ok("sync")

    shares = (await ana.ok("shares", env=COLUMNS_80)).stdout
    [copy] = [row for row in rows_of(shares) if row[0].startswith("A very long journal name")]
    assert len(copy) <= 5, shares  # was 9 lines of 14 cells
    assert all(len(line) <= 80 for line in shares.splitlines()), shares
    assert shares.count("relationship") == 1, shares  # "sees" does not name it again
    assert "mood and tags" in shares and "dated from" in shares, shares

    await ana.ok("unshare", LONG, "drlee", "--yes")
    await drlee.ok("sync")
    caseload = (await drlee.ok("caseload", env=COLUMNS_80)).stdout
    said = caseload.splitlines()
    # the flag keeps its column (nu85 F4), going on at a space, two cells deeper
    [at] = [i for i, line in enumerate(said) if "no longer served: ana/A very" in line]
    item = said[at].index("no longer served")
    later = said[at + 1]
    assert later.strip().startswith("long journal name"), caseload  # at a space
    assert len(later) - len(later.lstrip()) == item + 2, caseload  # deeper, not by one

    with_me = (await drlee.ok("shared-with-me", env=COLUMNS_80)).stdout
    [ended] = [row for row in rows_of(with_me) if row[0].startswith("ana/A very long")]
    assert "no longer served" in ended[0] and ended[0].rstrip().endswith("unknown"), with_me
    assert " ".join(ended).count("no longer served") == 1, with_me  # its role only
