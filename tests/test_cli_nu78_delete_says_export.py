"""NU78 F9: `tj account delete` told the client "To keep a copy of your journals, run `tj
export`", and a `tj import` of that copy never puts her own homework back (thought records,
diaries: her words), nor her opt-in to safety flags. The question says what the export keeps
that an import does not restore. Real server on loopback."""

from __future__ import annotations

from tests.test_cli import Device
from tests.test_cli_journal_features import ana  # noqa: F401  (fixture)
from tests.test_cli_nu38a_findings import said


async def test_the_delete_question_says_what_an_import_of_the_export_leaves_out(
    ana: Device,  # noqa: F811
) -> None:
    await ana.ok("homework", "add", "thought-record", "--set", "situation=Bus",
                 "--set", "automatic_thought=Late", "--set", "emotion=fear",
                 "--set", "intensity=60")  # fmt: skip
    kept = await ana.tj("account", "delete", input="\n")  # Enter: nothing is erased
    assert kept.exit_code == 1, kept.output
    text = said(kept.stderr)
    export = f"`{ana.command} export --out DIR`"
    assert (
        f"To keep a copy of your journals, run {export} first: `{ana.command} import` puts "
        "its entries, goals, questionnaire results and safety plans back into an account, "
        "not your homework (thought records, diaries, activity logs), which stays in the "
        "file to read, nor your choice to send safety flags (press Enter now: nothing is "
        "erased)."
    ) in text, text
    assert await ana.json("homework", "list")  # nothing erased
