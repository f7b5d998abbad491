"""NU24 C9: deleting a measure result, or trashing or purging an entry, in a shared journal
named no therapist who already had it (real server on loopback, real crypto, CliRunner).
The prompt and the confirmation now say who can read it and what is known of their receipt:
"may have received it (their device had seen later records)" only from a record their device
signed (R46 F2 changed it from "already received": a seen vector is no proof of receipt, and
nothing is ever said to be "already received"); "may have" once it may have left; and that
it leaves their view at their next sync. `--yes` skips the prompt."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, Outage, outage  # noqa: F401
from tests.test_cli_insights import new_device
from tests.test_cli_nu24 import said


async def client_and_therapist(server: RunningServer, tmp_path: Path) -> tuple[Device, Device]:
    ana = await new_device(server, tmp_path, "ana")
    drsmith = await new_device(server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drsmith.ok("sync")
    return ana, drsmith


async def test_deleting_a_result_names_who_received_it_and_yes_skips_the_prompt(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana, drsmith = await client_and_therapist(live_server, tmp_path)
    first = (await ana.json("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0"))["id"]
    second = (await ana.json("measure", "take", "phq9", "--answers", "2,1,1,1,1,1,1,1,0"))["id"]
    await drsmith.ok("sync")
    # drsmith downloaded both, but nothing drsmith signed says so yet
    declined = await ana.tj("measure", "delete", first[:8], input="n\n")
    assert declined.exit_code == 1
    asked = said(declined.stderr)
    assert (
        "drsmith can read this result and may have received it already (their device has not "
        "said so); deleting it here removes it from their view at their next sync." in asked
    )
    assert "already received" not in asked
    await drsmith.ok("note", "ana/Personal", "Read both PHQ-9s.")  # signed: it had them
    await ana.ok("sync")
    declined = await ana.tj("measure", "delete", first[:8], input="n\n")
    asked = said(declined.stderr)
    assert (
        "drsmith may have received this result (their device had seen later records); "
        "deleting it here removes it from their view at their next sync. Delete the PHQ-9 of "
        in asked
    ), asked
    assert [r["id"] for r in await drsmith.json("measure", "list")] == [second, first]
    deleted = await ana.ok("measure", "delete", first[:8], "--yes")  # no prompt
    told = said(deleted.stderr + deleted.stdout)
    assert "[y/N]" not in told
    assert (
        "drsmith may have received it (their device had seen later records): it leaves their "
        "view at their next sync." in told
    )
    assert "already received" not in told
    await drsmith.ok("sync")
    assert [r["id"] for r in await drsmith.json("measure", "list")] == [second]


async def test_a_result_not_yet_sent_cannot_have_reached_them_and_an_unshared_one_names_none(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    ana, drsmith = await client_and_therapist(live_server, tmp_path)
    await outage.begin()
    taken = (await ana.json("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0"))["id"]
    declined = await ana.tj("measure", "delete", taken[:8], input="n\n")
    assert (
        "drsmith can read this result but cannot have received it yet: nothing of it they can "
        "open has left this device; deleting it here now, it never shows for them."
        in said(declined.stderr)
    )
    await outage.end()
    alone = await new_device(live_server, tmp_path, "lea")
    mine = (await alone.json("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0"))["id"]
    declined = await alone.tj("measure", "delete", mine[:8], input="n\n")
    assert said(declined.stderr).startswith("Delete the PHQ-9 of ")


async def test_trashing_and_purging_a_shared_entry_name_the_therapist(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana, drsmith = await client_and_therapist(live_server, tmp_path)
    entry = (await ana.ok("write", "--title", "Work", "A hard day.")).stdout.strip()
    await drsmith.ok("sync")
    await drsmith.ok("note", "ana/Personal", "Talk about work.")
    await ana.ok("sync")
    declined = await ana.tj("delete", entry[:8], input="n\n")
    assert (
        "drsmith may have received this entry (their device had seen later records); moving "
        "it to the trash here removes it from their view at their next sync (`tj restore "
        f"{entry[:12]}` shows it to them again). Move 'Work' to the trash?" in said(declined.stderr)
    ), declined.stderr  # the restore named with its ID (NU54: `tj restore` alone failed)
    trashed = await ana.ok("delete", entry[:8], "--yes")
    assert (
        "drsmith may have received it (their device had seen later records): it leaves their "
        f"view at their next sync (`tj restore {entry[:12]}` shows it to them again)"
        in said(trashed.stderr)
    ), trashed.stderr
    await drsmith.ok("sync")
    assert await drsmith.json("list", "--journal", "ana/Personal") == []
    await ana.ok("restore", entry[:8])
    await drsmith.ok("sync")  # as the prompt said: restoring shows it to them again
    assert [e["id"] for e in await drsmith.json("list", "--journal", "ana/Personal")] == [entry]
    await ana.ok("delete", entry[:8], "--yes")
    declined = await ana.tj("trash", "empty", input="n\n")
    assert (
        "drsmith may have received this entry (their device had seen later records). An entry "
        "in the trash leaves their view at "
        "their next sync; deleted for good, it cannot come back into it (what their device "
        "already received stays in its files). Delete the "
        "1 entry in the trash for good?" in said(declined.stderr)
    ), declined.stderr
    purged = await ana.ok("trash", "empty", "--yes")
    assert "drsmith may have received this entry (their device had seen later records)." in said(
        purged.stderr
    )


async def test_a_result_shared_alone_names_the_copy_the_therapist_reads_it_through(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    taken = (await ana.json("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0"))["id"]
    await ana.ok("measure", "share", taken[:8], "drsmith", "--trust-on-first-use")
    await drsmith.ok("sync")
    declined = await ana.tj("measure", "delete", taken[:8], input="n\n")
    assert (
        "drsmith (through 'Shared with drsmith') can read this result and may have received "
        "it already (their device has not said so); deleting it here removes it from their "
        "view at their next sync." in said(declined.stderr)
    ), declined.stderr
    await ana.ok("measure", "delete", taken[:8], "--yes")
    await drsmith.ok("sync")
    assert await drsmith.json("measure", "list") == []
