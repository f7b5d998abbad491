"""`tj safety plan`'s words (fix29d): a plan an import wrote is said to be imported, in the
text as in `--json` (`imported`), where it is the journal's own and where another journal's
message borrows it (only the default journal's plan is borrowed: rev29a F1); a therapist's
view of a client's plan never calls the client's default emergency number "your local
emergency number" (real server on loopback, CliRunner)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device
from tests.test_cli_nu52_findings import TOFU, flat


async def test_the_plan_text_says_an_import_wrote_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    eve = await new_device(live_server, tmp_path, "eve")
    await eve.ok("safety", "plan", "--emergency", "999", "--text", "Ring Jo, then walk.")
    path = (await eve.ok("export", "--out", str(tmp_path / "out"))).stdout.strip()
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("import", path)

    own = await ana.json("safety", "plan", "--journal", "Personal (imported)")
    assert own["imported"] is True, own
    text = flat((await ana.ok("safety", "plan", "--journal", "Personal (imported)")).stdout)
    assert "imported: yes: `tj import` wrote it from a file, and you have changed none" in text

    # Personal, the default, borrows no other journal's plan (rev29a F1): nothing borrowed
    assert (await ana.json("safety", "plan"))["shown_from"] is None

    bea = await new_device(live_server, tmp_path, "bea")
    await bea.ok("journal", "create", "Work")  # none written: borrows the default's plan
    await bea.ok("import", path, "--journal", "Personal")  # into the default journal
    borrowed = await bea.json("safety", "plan", "--journal", "Work")
    assert (borrowed["shown_from"], borrowed["shown_imported"]) == ("Personal", True)
    text = flat((await bea.ok("safety", "plan", "--journal", "Work")).stdout)
    assert (
        "the safety message shows the plan of 'Personal', which `tj import` wrote from a file"
    ) in text, text

    await bea.ok("safety", "plan", "--text", "Ring Jo.")  # Personal's, by hand
    text = flat((await bea.ok("safety", "plan")).stdout)
    assert "imported:" not in text, text  # her own now
    assert "wrote from a file" not in flat(
        (await bea.ok("safety", "plan", "--journal", "Work")).stdout
    )
    own = flat((await ana.ok("safety", "plan", "--journal", "Personal (imported)")).stdout)
    assert "imported: yes" in own, own
    await ana.ok("safety", "plan", "--journal", "Personal (imported)", "--text", "Ring Jo.")
    text = flat((await ana.ok("safety", "plan", "--journal", "Personal (imported)")).stdout)
    assert "imported:" not in text, text  # her own now


async def test_a_therapists_view_names_the_clients_emergency_number_not_theirs(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--role", "annotate", TOFU)
    await drsmith.ok("sync")
    shown = flat((await drsmith.ok("safety", "plan", "--journal", "ana/Personal")).stdout)
    assert "your local emergency number" not in shown, shown
    assert "emergency: (default: ana's local emergency number, unless a plan ana wrote" in shown

    mine = flat((await ana.ok("safety", "plan")).stdout)  # the client's own: "your"
    assert "emergency: (default: your local emergency number)" in mine, mine
