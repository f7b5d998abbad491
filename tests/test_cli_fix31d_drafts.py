"""fix31d item 2: text kept as a draft after its --journal words were refused as naming more
than one journal (here: the name of a journal an older `tj` made, which starts Personal's id)
never keeps those words in the draft's command. Every command said for it carries words
that work: at once, each journal the words may name by its id or its exact name; later (a
`tj write` reminder, `tj logout`'s list) `--journal NAME` with why; `tj write --draft FILE`
alone saves it nowhere and offers the same working commands, one of which saves it. Real
server on loopback, real crypto; CliRunner."""

from __future__ import annotations

import pytest

from cli import editor
from tests.test_cli import Device
from tests.test_cli_fix30l_journal_words import ids, named_like_an_id, said
from tests.test_cli_journal_features import NO_VISUAL
from tests.test_cli_nu72_drafts import kept_draft
from tests.test_cli_r22_departures import ana  # noqa: F401 (fixture)


async def test_a_draft_kept_after_refused_journal_words_never_repeats_them(
    ana: Device,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    start = (await ids(ana))["Personal"][:4]
    await named_like_an_id(ana, start)
    made = (await ids(ana))[start]
    refused = await ana.tj("write", "--journal", start, input="a line I wrote\n")
    assert refused.exit_code == 1, refused.output
    text = said(refused.stderr)
    draft = kept_draft(text)
    for words in (made[:12], "Personal"):  # at once: each, by words that name it alone
        assert f"`tj write --journal {words} --draft {draft}` saves it in" in text, text

    # the draft's own command names no journal; the words refused are kept apart
    assert editor.written_for(draft) is None, draft.read_text()
    assert f"--journal {start}" not in (editor.saved_with(draft) or ""), draft.read_text()
    assert editor.refused_journal(draft) == start
    # what `tj logout` lists, and a later `tj write`'s reminder
    asked = await ana.tj("logout", input="n\n")
    assert f"`tj write --journal NAME --draft {draft}`" in said(asked.output), asked.output
    assert f"--journal {start} --draft" not in said(asked.output), asked.output
    monkeypatch.setattr("cli.editor.stdin_is_terminal", lambda: True)
    reminded = await ana.tj("write", env={**NO_VISUAL, "EDITOR": "true"})
    reminder = said(reminded.stderr)
    assert f"`tj write --journal NAME --draft {draft}` saves it into the journal you name" in (
        reminder
    ), reminder
    assert f"its --journal {start} was refused, as it named more than one journal" in reminder
    assert f"--journal {start} --draft" not in reminder, reminder

    # saved without --journal, it goes nowhere, and the commands offered work
    plain = await ana.tj("write", "--draft", str(draft))
    assert plain.exit_code == 1, plain.output
    offered = said(plain.stderr)
    assert f"was kept when its --journal {start} was refused" in offered, offered
    assert f"`tj write --journal {made[:12]} --draft {draft}` saves it in '{start}'" in offered
    assert await ana.json("list", "--journal", "Personal") == []
    await ana.ok("write", "--journal", made[:12], "--draft", str(draft))
    [entry] = await ana.json("list", "--journal", made[:12])
    assert entry["body"] == "a line I wrote"
    assert not draft.exists()
