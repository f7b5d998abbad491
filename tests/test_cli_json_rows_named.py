"""`--json` rows an app joins and opens: a departure names another account's journal as every
other row does, a caseload's scores and goals carry their ids (real server on loopback, real
crypto, the real CLI)."""

from __future__ import annotations

from tests.test_cli import Device
from tests.test_cli_r22_departures import ana, tom

__all__ = ["ana", "tom"]  # the fixtures, used by name


async def test_a_members_departure_names_the_journal_as_its_other_rows_do(
    ana: Device, tom: Device
) -> None:
    """tom's `tj sync --json` told the end of ana's share as `"journal": "Personal"` (tom's own
    journal bears that name) while his `tj list --json` says "ana/Personal"; a whole journal's
    `fields` was `[]` where `tj shares --json` says null."""
    await ana.ok("write", "Before the share ended.")
    await ana.ok("share", "Personal", "tom", "--fingerprint", tom.signup["fingerprint"])
    await ana.ok("sync")
    await tom.ok("sync")
    [entry] = [e for e in await tom.json("list") if e["journal"] != "Personal"]
    assert entry["journal"] == "ana/Personal", entry
    [share] = await ana.json("shares")
    assert share["fields"] is None, share

    await ana.ok("unshare", "Personal", "tom", "--yes")
    [told] = (await tom.json("sync"))["departures"]
    assert (told["journal"], told["owner"], told["journal_id"]) == (
        "ana/Personal",
        "ana",
        entry["journal_id"],
    ), told
    assert told["fields"] is None and told["copy"] is None, told
    listed = await tom.ok("list", "--journal", told["journal"])  # a name commands take
    assert "Before the share ended." in listed.stdout

    # the owner's side: her own journal by its own name, a whole journal's fields null
    await ana.ok("share", "Personal", "tom", "--full", "--yes")
    await tom.ok("sync")
    await tom.ok("leave", "ana/Personal", "--yes")
    [left] = (await ana.json("sync"))["departures"]
    assert (left["member"], left["journal"], left["owner"], left["fields"]) == (
        "tom",
        "Personal",
        None,
        None,
    ), left


async def test_a_caseloads_scores_and_goals_carry_the_ids_their_commands_take(
    ana: Device, tom: Device
) -> None:
    """`tj caseload --json`'s score and goal rows had no ids: an app opening "PHQ-9 27" or
    the goal matched `tj measure list --json` on times and titles."""
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0")
    goal_id = (await ana.ok("goal", "add", "Walk three times a week")).stdout.strip()
    await ana.ok("share", "Personal", "tom", "--full", "--fingerprint", tom.signup["fingerprint"])
    await tom.ok("sync")
    [row] = await tom.json("caseload")
    [score] = row["scores"]
    [goal] = row["goals"]
    [result] = await tom.json("measure", "list")
    assert (score["result_id"], score["journal_id"]) == (result["id"], result["journal_id"])
    assert (goal["goal_id"], goal["journal_id"]) == (goal_id, result["journal_id"]), goal
    shown = await tom.ok("measure", "show", score["result_id"])
    assert "PHQ-9" in shown.stdout
    assert "Walk three times a week" in (await tom.ok("goal", "show", goal["goal_id"])).stdout
