"""fix32i: nu81's findings (F11, F10, F8, F9, F12, F13, F7). Real server on loopback, real
crypto; CliRunner."""

from __future__ import annotations

import shlex

from client_sdk import Client
from tests.test_cli import Device
from tests.test_cli_fix30l_journal_words import said
from tests.test_cli_r22_departures import ana  # noqa: F401 (fixture)


def commands(text: str) -> list[list[str]]:
    """The words of each `tj ...` command in `text` (between backticks), "tj" left out."""
    return [shlex.split(w)[1:] for w in text.split("`") if w.startswith("tj ")]


async def test_a_bad_number_in_another_journals_plan_is_set_there(
    ana: Device,  # noqa: F811
) -> None:
    """nu81 F11: the plan of Work (not the default journal) holds a number no one could
    dial (an older tj wrote it); the command `tj safety plan` prints to set one named no
    journal, so it set the default journal's number and Work's stayed as it was."""
    await ana.ok("journal", "create", "Work")
    async with await Client.open(ana.home) as client:
        await client.safety._write_plan("Work", "call mum", None, None, None, None, imported=False)
    shown = said((await ana.ok("safety", "plan", "--journal", "Work")).stdout)
    [words] = [w for w in commands(shown) if "--emergency" in w]
    assert words[words.index("--journal") + 1] == "Work", shown
    words[words.index("NUMBER")] = "999"
    await ana.ok(*words)
    assert (await ana.json("safety", "plan", "--journal", "Work"))["emergency_number"] == "999"
    assert (await ana.json("safety", "plan"))["emergency_number"] is None


async def test_a_piped_write_to_a_mistyped_journal_prints_the_one_it_may_mean(
    ana: Device,  # noqa: F811
) -> None:
    """nu81 F10: `tj write --journal Dreamz` (Dreams exists) said "did you mean 'Dreams'?"
    but the draft's command named NAME: it names Dreams, and saves the text there."""
    await ana.ok("journal", "create", "Dreams")
    refused = await ana.tj("write", "--journal", "Dreamz", input="Flying again.\n")
    text = said(refused.stderr)
    assert refused.exit_code == 1, text
    assert "(did you mean 'Dreams'?)" in text, text
    [words] = [w for w in commands(text) if "--draft" in w]
    assert words[words.index("--journal") + 1] == "Dreams", text
    assert "saves it in 'Dreams'" in text, text
    assert "--journal Dreamz was refused" in text, text
    await ana.ok(*words)
    [entry] = await ana.json("list", "--journal", "Dreams")
    assert (await ana.json("show", entry["id"]))["body"] == "Flying again."
