"""Drafts name the journal they were written for (fix30e): a `tj write --prompt` draft, the
therapist's prompt's journal (item 2); a draft with no command in it (an older `tj`'s, a
file of the user's own) is checked before it is saved, never put unasked into a default
journal someone else reads (item 1)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from cli import editor
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device
from tests.test_cli_journal_features import NO_VISUAL, therapist_adds_prompt
from tests.test_cli_nu56_findings import flat
from tests.test_cli_nu72_drafts import kept_draft


async def prompt_in_therapy(live_server: RunningServer, tmp_path: Path) -> tuple[Device, str, str]:
    """ana's "Therapy", shared with drsmith, who adds a prompt there; ana's default journal
    stays her private "Personal". Returns ana, the prompt's id and Therapy's id."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("journal", "create", "Therapy")
    fingerprint = drsmith.signup["fingerprint"]
    await ana.ok(
        "share", "Therapy", "drsmith", "--full", "--role", "annotate", "--fingerprint", fingerprint
    )
    prompt = await therapist_adds_prompt(drsmith, "What would you tell your younger self?")
    await ana.ok("sync")
    [therapy] = [j["id"] for j in await ana.json("journal", "list") if j["name"] == "Therapy"]
    return ana, prompt, therapy


async def test_a_prompts_piped_draft_names_the_prompts_journal(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana, prompt, therapy = await prompt_in_therapy(live_server, tmp_path)
    refused = await ana.tj("write", "--prompt", prompt[:8], input="y" * 100_001)
    said = flat(refused.stderr)
    assert refused.exit_code != 0, said
    draft = kept_draft(said)
    meant = editor.written_for(draft)
    assert meant is not None and meant[0] == therapy[:12], editor.saved_with(draft)
    assert f"`tj write --journal {therapy[:12]} --prompt {prompt[:8]} --draft {draft}`" in said
    # saved by the generic command, it never goes into the default journal unasked
    kept = draft.read_text()
    draft.write_text("Be kinder to yourself.\n" + kept[kept.index("\n") + 1 :])  # shortened
    plain = await ana.tj("write", "--draft", str(draft))
    assert plain.exit_code == 1 and "was written for 'Therapy'" in flat(plain.stderr), plain.output
    assert await ana.json("list", "--journal", "Personal") == []


async def test_a_prompts_editor_draft_names_the_prompts_journal(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, prompt, therapy = await prompt_in_therapy(live_server, tmp_path)
    monkeypatch.setattr("cli.editor.stdin_is_terminal", lambda: True)
    script = tmp_path / "failing-editor.sh"
    script.write_text(
        '#!/bin/sh\nprintf "Typed before the crash.\\n\\n" | cat - "$1" > "$1.new"\nmv "$1.new" "$1"\nexit 1\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    failed = await ana.tj("write", "--prompt", prompt[:8], env={**NO_VISUAL, "EDITOR": str(script)})
    assert failed.exit_code == 1, failed.output
    [draft] = [p for p in (ana.home / "drafts").iterdir() if p.suffix == ".md"]
    meant = editor.written_for(draft)
    assert meant is not None and meant[0] == therapy[:12], draft.read_text()
    plain = await ana.tj("write", "--draft", str(draft))
    assert plain.exit_code == 1 and "was written for 'Therapy'" in flat(plain.stderr), plain.output
    saved = await ana.ok(*meant[1][1:]) if meant[1][0] == "tj" else None
    assert saved is not None
    [entry] = await ana.json("list", "--journal", "Therapy")
    assert entry["body"] == "Typed before the crash." and entry["prompt_id"] == prompt, entry


async def test_a_draft_naming_no_journal_never_goes_unasked_into_a_default_others_read(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A draft with no command in it (an older tj's, or written by hand) was saved into the
    default journal unchecked. Now: into a private default journal it goes, and is said to;
    into one a therapist reads it is refused, naming them and the commands that save it
    there all the same or elsewhere; listed (`tj logout`'s question), it is said to name no
    journal."""
    ana = await new_device(live_server, tmp_path, "ana")
    drw = await new_device(live_server, tmp_path, "drw")
    drafts = ana.home / "drafts"
    drafts.mkdir(mode=0o700, exist_ok=True)
    private = drafts / "entry-old1.md"
    private.write_text(f"Written by an older tj.\n\n{editor.CUT}\n# old guide\n")
    saved = await ana.ok("write", "--draft", str(private))
    assert (
        "The draft names no journal it was written for (made by an older tj, or by hand): it "
        "went into your default journal 'Personal', read by no one else."
    ) in flat(saved.stderr), saved.stderr
    assert [e["body"] for e in await ana.json("list", "--journal", "Personal")] == [
        "Written by an older tj."
    ]

    await ana.ok("journal", "create", "Therapy")
    await ana.ok("share", "Therapy", "drw", "--role", "annotate", "--trust-on-first-use")
    await ana.ok("journal", "default", "Therapy", "--even-if-shared", "--yes")
    [therapy] = [j["id"] for j in await ana.json("journal", "list") if j["name"] == "Therapy"]
    by_hand = drafts / "entry-hand.md"
    by_hand.write_text("Not for drw.\n")
    asked = await ana.tj("logout", input="n\n")
    assert f"save it first (`tj write --journal NAME --draft {by_hand}`)" in flat(asked.stderr)
    refused = await ana.tj("write", "--draft", str(by_hand))
    said = flat(refused.stderr)
    assert refused.exit_code == 1, said
    assert said.startswith(
        f"Error: {by_hand} names no journal it was written for (made by an older tj, or by "
        "hand): without --journal it would go into your default journal 'Therapy', read by "
        "drw, so nothing was saved. To save it there all the same, "
        f"`tj write --journal {therapy[:12]} --draft {by_hand}`; into another journal, "
        f"`tj write --journal NAME --draft {by_hand}`"
    ), said
    assert by_hand.exists() and await ana.json("list", "--journal", "Therapy") == []
    await ana.ok("write", "--journal", "Personal", "--draft", str(by_hand))
    assert not by_hand.exists()
    assert len(await ana.json("list", "--journal", "Personal")) == 2
    await drw.ok("sync")
    assert await drw.json("list", "--journal", "ana/Therapy") == []


async def test_the_editors_reminder_names_the_journal_to_give_a_draft_naming_none(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drafts = ana.home / "drafts"
    drafts.mkdir(mode=0o700, exist_ok=True)
    by_hand = drafts / "entry-hand.md"
    by_hand.write_text("Kept from an older tj.\n")
    monkeypatch.setattr("cli.editor.stdin_is_terminal", lambda: True)
    script = tmp_path / "editor.sh"
    script.write_text('#!/bin/sh\nprintf "Today.\\n" > "$1"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    wrote = await ana.ok("write", env={**NO_VISUAL, "EDITOR": str(script)})
    assert (
        f"Note: 1 earlier draft was never saved, e.g. {by_hand}: "
        f"`tj write --journal NAME --draft {by_hand}` saves it into the journal you name "
        f"({editor.UNNAMED}; `tj edit ID --draft FILE` if it is an edit's) and deletes it."
    ) in flat(wrote.stderr), wrote.stderr
