"""A draft kept of text written for the default journal (no --journal) names that journal
(by its id) in its own command, so that after the user makes another journal the default,
one a therapist reads, `tj write --draft FILE` without --journal refuses to save it there
unasked ("draft journal"), as for a draft written for a named journal."""

from __future__ import annotations

from pathlib import Path

from cli import editor
from tests.conftest import RunningServer
from tests.test_cli_insights import new_device
from tests.test_cli_nu56_findings import flat
from tests.test_cli_nu72_drafts import kept_draft


async def test_a_draft_for_the_default_journal_never_goes_to_a_shared_default_chosen_since(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drw = await new_device(live_server, tmp_path, "drw")
    [personal] = [j for j in await ana.json("journal", "list") if j["name"] == "Personal"]
    refused = await ana.tj("write", input="y" * 100_001)  # too long: kept as a draft
    said = flat(refused.stderr)
    assert refused.exit_code != 0, said
    draft = kept_draft(said)
    short = personal["id"][:12]
    assert editor.written_for(draft) is not None, editor.saved_with(draft)
    assert f"`tj write --journal {short} --draft {draft}`" in said, said

    await ana.ok("journal", "create", "Therapy")
    await ana.ok("share", "Therapy", "drw", "--role", "annotate", "--trust-on-first-use")
    await ana.ok("journal", "default", "Therapy", "--even-if-shared", "--yes")
    plain = await ana.tj("write", "--draft", str(draft))
    said = flat(plain.stderr)
    assert plain.exit_code == 1, said
    assert said.startswith(
        f"Error: {draft} was written for 'Personal': without --journal it would go into your "
        "default journal 'Therapy', read by drw, so nothing was saved."
    ), said
    assert draft.exists()
    await drw.ok("sync")
    assert await drw.json("list", "--journal", "ana/Therapy") == []
