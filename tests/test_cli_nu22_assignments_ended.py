"""NU22 C10: when a share ends, what the therapist assigned in it does not just vanish. The
client's `tj due` and the therapist's `tj assignments` say which assignments ended, how
and when, from the journal owner's signed access chain (or, on the therapist's device when
the chain there shows no end, as the server's word, said as such); `--all` lists them
(real server, CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import RunningServer
from tests.table_cells import column
from tests.test_cli_insights import new_device


async def test_a_share_replaced_by_a_field_level_one_says_its_assignments_ended(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drsmith.ok("sync")
    await drsmith.ok("assign", "ana/Personal", "measure", "phq9", "--every", "14")
    await drsmith.ok("assign", "ana/Personal", "homework", "thought-record")
    await ana.ok("sync")
    assert len(await ana.json("due")) == 2

    narrowed = " ".join(
        (
            await ana.ok("share", "Personal", "drsmith", "--only", "mood,scores", "--yes")
        ).stderr.split()
    )
    assert "drsmith's 2 assignments in Personal (" in narrowed
    assert ") ended with this share: they are no longer due" in narrowed
    assert await ana.json("due") == []
    said = " ".join((await ana.ok("due")).stderr.split())
    assert "Nothing is due." in said
    assert "Ended: drsmith's 2 assignments in Personal (" in said
    assert "PHQ-9 every 14 days" in said and "Thought record (CBT) once" in said
    assert ") are no longer due: drsmith's share of Personal ended on " in said
    assert "(ended or changed by you)" in said
    # the client's own list: not shown as in force, said after it, listed with --all
    listed = " ".join((await ana.ok("assignments")).stderr.split())
    assert "No assignments." not in listed and "Ended: drsmith's 2 assignments" in listed
    every = await ana.json("assignments", "--all")
    assert {a["share_end"]["reason"] for a in every} == {"removed"}
    assert all(a["share_end"]["owner"] is None and a["share_ended"] for a in every)
    path = Path((await ana.ok("export", "--out", str(tmp_path / "out"))).stdout.strip())
    exported = json.loads(path.read_text())["assignments"]  # still in the client's export
    assert sorted(a["id"] for a in exported) == sorted(a["id"] for a in every)

    await drsmith.ok("sync")
    # not in force, yet listed as ended in JSON too (what the text says after its list)
    assert [a["status"] for a in await drsmith.json("assignments")] == ["ended", "ended"]
    told = " ".join((await drsmith.ok("assignments")).stderr.split())
    assert "No assignments." not in told
    assert "Ended: your 2 assignments in ana's 'Personal' (" in told  # quoted, as notices do
    # the signed removal is not served to a removed member: the server's word, said so
    assert ") are no longer due: the server no longer serves ana's 'Personal'" in told
    assert "ana's signed access list on this device still shows the share" in told
    assert "they can no longer be cancelled here, only listed." in told  # NU50 F10
    assert "no longer count as due" not in told  # ana's devices decide that, from her chain
    assert "`tj assignments --all` lists them." in told
    kept = await drsmith.json("assignments", "--all")
    assert len(kept) == 2 and all(a["share_end"]["owner"] == "ana" for a in kept)
    table = (await drsmith.ok("assignments", "--all", env={"COLUMNS": "200"})).stdout
    assert column(table, "status") == ["ended with the share"] * 2  # in its status (NU43 #6)
    assert all(a["status"] == "ended" and a["due_at"] is None for a in kept)


async def test_an_unshare_says_which_assignments_end_with_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drsmith.ok("sync")
    await drsmith.ok("assign", "ana/Personal", "measure", "gad7", "--every", "7")
    await ana.ok("sync")
    assert len(await ana.json("due")) == 1
    unshared = " ".join((await ana.ok("unshare", "Personal", "drsmith", "--yes")).stderr.split())
    assert (
        "drsmith's assignment in Personal (GAD-7 every 7 days) ended with this share: it is no "
        "longer due" in unshared
    )
    said = " ".join((await ana.ok("due")).stderr.split())
    assert "Ended: drsmith's assignment in Personal (GAD-7 every 7 days) is no longer due" in said


async def test_an_assignment_ended_by_the_servers_word_is_unlisted_as_the_caseload_says(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """After the client unshares, the therapist's device holds no signed end, only the
    server's word: `tj assignments --json` says `unlisted` true and `share_ended` false, as
    `tj caseload --json` says of the same journal (one meaning in every JSON)."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drsmith.ok("sync")
    await drsmith.ok("assign", "ana/Personal", "measure", "phq9", "--every", "14")
    await ana.ok("sync")
    await ana.ok("unshare", "Personal", "drsmith", "--yes")
    await drsmith.ok("sync")
    [row] = await drsmith.json("assignments", "--all")
    assert row["share_end"]["reason"] == "no longer served", row
    assert (row["share_ended"], row["unlisted"]) == (False, True), row
    [client] = [c for c in await drsmith.json("caseload") if c["client"] == "ana"]
    assert (client["share_ended"], client["unlisted"]) == (False, True), client
    # the client's own row, ended by what she signed: share_ended, never unlisted
    [mine] = await ana.json("assignments", "--all")
    assert (mine["share_ended"], mine["unlisted"]) == (True, False), mine
