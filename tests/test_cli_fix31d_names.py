"""fix31d in the CLI: a journal is never created or renamed to hex digits under 12 that start
an id here (item 1). Real server on loopback, real crypto; CliRunner."""

from __future__ import annotations

from tests.test_cli import Device
from tests.test_cli_fix30l_journal_words import ids, said
from tests.test_cli_r22_departures import ana  # noqa: F401 (fixture)


async def test_a_journal_is_never_created_or_renamed_to_a_short_start_of_an_id(
    ana: Device,  # noqa: F811
) -> None:
    personal = (await ids(ana))["Personal"]
    start = personal[:4]
    done = await ana.tj("journal", "create", start)
    assert done.exit_code == 1, done.output
    assert (
        f"'{start}' starts the id of 'Personal' (id {personal[:12]}) on this device, so as a "
        "name it would name neither journal wherever you typed it: choose another name (one "
        f"holding a letter past 'f', or a space, never starts an id: 'Journal {start}', say)"
    ) in said(done.stderr), done.output
    assert set(await ids(ana)) == {"Personal"}
    await ana.ok("journal", "create", "Dreams")
    renamed = await ana.tj("journal", "rename", "Dreams", personal[:8])
    assert renamed.exit_code == 1, renamed.output
    assert f"'{personal[:8]}' starts the id of 'Personal'" in said(renamed.stderr)
    assert set(await ids(ana)) == {"Personal", "Dreams"}
    # the name suggested is taken, and every command names the journal by it
    await ana.ok("journal", "create", f"Journal {start}")
    await ana.ok("write", "--journal", f"Journal {start}", "a line")
    [entry] = await ana.json("list", "--journal", f"Journal {start}")
    assert entry["body"] == "a line"
