"""NU43 #17: a therapist's clinical export (`tj export`, JSON and Markdown) of clients whose
share ended, and of a client who only opted in to safety flags (real server on loopback,
CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device


async def client_sharing(server: RunningServer, tmp_path: Path, name: str, *options: str) -> Device:
    client = await new_device(server, tmp_path, name)
    await client.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use",
        *options,
    )  # fmt: skip
    await client.ok("write", f"{name}'s entry.")
    return client


async def exported(device: Device, out: Path) -> tuple[dict[str, Any], str]:
    """The JSON export's content and the summary line it printed."""
    done = await device.ok("export", "--out", str(out))
    return json.loads(Path(done.stdout.strip()).read_text()), " ".join(done.stderr.split())


async def test_ended_shares_are_exported_in_the_words_of_the_cli_never_revoked(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The JSON gave `role: "revoked"` to a copy whose share the client ended and to one the
    therapist left, and assignments.md did not say an assignment ended with its share: the
    role is "ended", with `share_ended`, `unlisted` and `access` in `tj journal list`'s
    words, and the Markdown says how the assignment ended. An import of that file still
    skips those journals."""
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    joan = await client_sharing(live_server, tmp_path, "joan")
    await client_sharing(live_server, tmp_path, "ben")
    await client_sharing(live_server, tmp_path, "ana")
    await drsmith.ok("sync")
    for client in ("joan", "ben", "ana"):
        await drsmith.ok("assign", f"{client}/Personal", "homework", "sleep-diary")
    await drsmith.ok("sync")
    await joan.ok("unshare", "Personal", "drsmith", "--yes")  # the server's word, to drsmith
    await drsmith.ok("leave", "ben/Personal", "--yes")
    await drsmith.ok("sync")
    listed = {j["owner"]: j for j in await drsmith.json("journal", "list")}
    assert listed["joan"]["unlisted"] and not listed["ben"]["unlisted"]

    data, _ = await exported(drsmith, tmp_path / "out")
    journals = {j["owner"]: j for j in data["journals"] if j["owner"] != "drsmith"}
    assert {
        owner: (j["role"], j["share_ended"], j["unlisted"], j["access"])
        for owner, j in journals.items()
    } == {
        # the server's word alone: "unlisted", never "share_ended" too, as `tj list --json`
        # says it of each entry (NU64 F8: the export said both)
        "joan": ("ended", False, True, "no longer served (read-only copy)"),
        "ben": ("ended", True, False, "share ended (read-only copy)"),
        "ana": ("annotate", False, False, "annotate"),
    }
    mine = next(j for j in data["journals"] if j["owner"] == "drsmith")
    assert (mine["role"], mine["share_ended"], mine["access"]) == ("owner", False, "owner")
    assert "revoked" not in json.dumps(data["journals"])

    markdown = tmp_path / "md"
    await drsmith.ok("export", "--format", "markdown", "--out", str(markdown))
    # a kept copy is filed in its owner's one folder, as every view names it (NU59 #6)
    # in "personal (share ended)", told apart from a share still on (NU60 #11); one only
    # the server says is over in "personal (no longer served)", as every view names it
    folders = {
        owner: "personal (no longer served)"
        if j["unlisted"]
        else "personal (share ended)"
        if j["share_ended"]
        else "personal"
        for owner, j in journals.items()
    }
    pages = {
        owner: (markdown / owner / folders[owner] / "assignments.md").read_text()
        for owner in journals
    }
    assert (
        "- ended with the share: not served as of this export (the server's word; nothing the "
        "owner signed says so); joan may have ended or changed the share; no longer due"
        in pages["joan"]
    )
    assert "- ended with the share: you left the share; no longer due" in pages["ben"]
    assert "ended with the share" not in pages["ana"]

    # The client's own export says how the therapist's share ended, as her signed list does.
    own, _ = await exported(joan, tmp_path / "joan")
    [assignment] = own["assignments"]
    assert assignment["share_end"]["reason"] == "removed" and assignment["share_ended"] is True
    await joan.ok("export", "--format", "markdown", "--out", str(tmp_path / "joan-md"))
    page = (tmp_path / "joan-md" / "personal" / "assignments.md").read_text()
    assert "- ended with the share: you ended or changed the share on " in page
    assert page.rstrip().endswith(", as the signed access list says; no longer due")

    # An import of the therapist's file still restores only the journals they owned.
    cleo = await new_device(live_server, tmp_path, "cleo")
    report = await cleo.json("import", str(next((tmp_path / "out").iterdir())))
    assert sorted(report["skipped_journals"]) == sorted(
        f"{owner}/Personal" for owner in ("ana", "ben", "joan")
    )


async def test_an_opt_in_to_safety_flags_alone_is_not_counted_as_a_safety_plan(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The summary counted "1 safety plan" for a client who only opted in to safety flags
    (her plan empty): the opt-in stays in the file, the summaries count plans with something
    written, and safety.md says none is written."""
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    ana = await client_sharing(live_server, tmp_path, "ana", "--safety-flags")
    await drsmith.ok("sync")

    data, said = await exported(drsmith, tmp_path / "out")
    [plan] = data["safety_plans"]
    assert plan["share_flags"] is True and plan["plan"] is None
    assert said.startswith("Exported 1 entry from 2 journals to "), said
    mine, said = await exported(ana, tmp_path / "ana")
    assert len(mine["safety_plans"]) == 1 and "safety plan" not in said, said
    cleo = await new_device(live_server, tmp_path, "cleo")
    [path] = (tmp_path / "ana").glob("therapy-journal-*.json")  # beside ana's store, profile
    report = await cleo.json("import", str(path))
    # no plan counted; the opt-in, not carried over, is said (NU49 F2)
    assert report["left_out"] == {"safety_flags_opt_in": 1}, report
    assert report["flags_not_carried"] == {"Personal (imported)": ["drsmith"]}

    markdown = tmp_path / "md"
    await drsmith.ok("export", "--format", "markdown", "--out", str(markdown))
    page = (markdown / "ana" / "personal" / "safety.md").read_text()
    assert "- safety flags shared: yes" in page and "- plan: none written yet" in page

    await ana.ok("safety", "plan", "--text", "Ring Jo, then walk.")
    await drsmith.ok("sync")
    _, said = await exported(drsmith, tmp_path / "later")
    assert said.startswith("Exported 1 entry and 1 safety plan from 2 journals to "), said
