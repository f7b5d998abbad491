"""NU75 F9: PHQ-9 answers kept with no journal (the default journal could not be found when
they were given: deleted on another device) are never saved unasked into whatever journal is
the default later, one a therapist reads: `tj measure take --draft FILE` without --journal
is refused ("draft journal", as `tj write --draft`), naming the journal and who reads it,
nothing saved and no flag sealed; with --journal they are saved there. Real server on
loopback, real crypto; CliRunner."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from cli.measures import KeptAnswers, keep_answers
from tests.conftest import RunningServer
from tests.test_cli_insights import new_device


def said(text: str) -> str:
    return " ".join(text.split())


async def test_answers_kept_with_no_journal_are_not_saved_unnamed_into_a_shared_default(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--role", "annotate", "--trust-on-first-use")
    answers = [0, 0, 0, 0, 0, 0, 0, 0, 1]
    kept = KeptAnswers("phq9", answers, None, datetime.now(UTC), None, no_default=True)
    draft = keep_answers(ana.home, kept)
    refused = await ana.tj("measure", "take", "phq9", "--draft", str(draft))
    text = said(refused.stderr)
    assert refused.exit_code == 1, text
    assert (
        "holds answers kept when no journal could be found for them: without --journal they "
        "would go into your default journal 'Personal', read by drsmith, so nothing was saved"
    ) in text, text
    assert f"--draft {draft} --journal Personal`" in text, text
    assert "Nothing was saved: the draft" not in text, text  # not its command again
    assert draft.exists()
    assert await ana.json("measure", "list") == []
    await drsmith.ok("sync")
    assert await drsmith.json("measure", "list", "--journal", "ana/Personal") == []
    as_json = await ana.tj("measure", "take", "phq9", "--draft", str(draft), "--json")
    assert json.loads(as_json.stdout)["error"]["subject"] == "draft journal", as_json.output
    await ana.ok("measure", "take", "phq9", "--draft", str(draft), "--journal", "Personal")
    [result] = await ana.json("measure", "list")
    assert result["answers"] == answers, result
    assert not draft.exists()
