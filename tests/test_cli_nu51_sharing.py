"""A new user's review (NU51): sharing and everyday findings, against a real server on
loopback with real crypto (see tests/test_cli.py for the set-up).

- F5: `tj brief MEMBER` covered every journal owned; its "To discuss" list carried the text
  of an entry of a journal shared with that therapist as mood and tags only. It now covers
  what is shared with them, those fields only, and is refused when nothing is.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from client_sdk import Client, InvalidInput
from client_sdk.practice import BRIEF_SCOPE
from tests.conftest import RunningServer
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_a_brief_covers_by_default_only_what_is_shared_with_that_therapist(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F5: Work is shared with drlee as mood and tags; Personal is private. The default
    brief covers Work's mood and tags only: the marked entry's text, the private entry and
    the private journal's mood are not in it; `--journal` still widens it."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drlee")
    await ana.ok("journal", "create", "Work")
    await ana.ok("share", "Work", "drlee", "--only", "mood,tags", TOFU)
    meeting = (
        await ana.ok("write", "--journal", "Work", "--mood", "3", "--tag", "work", "Bad meeting")
    ).stdout.strip()
    await ana.ok("discuss", meeting[:8])
    await ana.ok("write", "--mood", "9", "A private diary line")  # Personal: not shared
    await ana.ok(
        "write", "--journal", "Work", "--mood", "5", "--tag", "to-discuss", "Boss said things"
    )

    read = await ana.tj("brief", "drlee", input="n\n")
    assert read.exit_code == 0, read.output
    text = read.stdout
    assert "Bad meeting" not in text and "Boss said" not in text, text
    assert "private diary" not in text and "Personal" not in text, text
    lines = text.splitlines()
    assert lines[1] == "Covers: 'Work (mood, tags)'", lines
    assert "Entries: 2" in lines and "Mood: mean 4.0/10" in text, lines
    discussed = lines[lines.index("To discuss:") + 1 :]
    assert len(discussed) == 2 and all(
        line.startswith("- an entry of ") and line.endswith(" (text not shared)")
        for line in discussed
    ), discussed

    wide = await ana.tj("brief", "drlee", "--journal", "Work", "--journal", "Personal", input="n\n")
    assert "Bad meeting" in wide.stdout and "Entries: 3" in wide.stdout.splitlines()

    async with await Client.open(ana.home) as client:
        brief = await client.briefs.prepare(therapist="drlee")
        assert "Bad meeting" not in str(brief.to_dict())
        assert [i["text_shared"] for i in brief.to_discuss] == [False, False]
        with pytest.raises(InvalidInput) as refused:  # a brief for drlee is not for ben
            await client.briefs.share(brief, "ben", trust_on_first_use=True)
        assert refused.value.subject == BRIEF_SCOPE
        with pytest.raises(InvalidInput) as none:
            await client.briefs.prepare()
        assert none.value.subject == BRIEF_SCOPE


async def test_a_brief_for_a_therapist_shared_nothing_is_refused_naming_journal(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F5: nothing shared with drlee: the brief is refused, naming --journal; with it, it
    covers what was named."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drlee")
    await ana.ok("write", "--mood", "4", "Private day")
    refused = await ana.tj("brief", "drlee", TOFU, "--yes")
    assert refused.exit_code == 1 and refused.stdout == "", refused.output
    assert flat(refused.stderr) == (
        "Error: you share no journal with drlee: a brief covers what you share with them; "
        "name the journals it covers to share one anyway: `tj --home "
        f"{ana.home} brief drlee --journal NAME` (repeatable) covers the journals you name"
    ), refused.stderr
    chosen = await ana.tj("brief", "drlee", "--journal", "Personal", TOFU, "--yes")
    assert chosen.exit_code == 0 and "Private day" not in chosen.stdout, chosen.output
    assert "Covers: 'Personal'" in chosen.stdout
