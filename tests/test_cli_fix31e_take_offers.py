"""fix31e item 3: `tj measure take --journal WORDS` refused as WORDS name several journals
printed the command saving the answers with `--journal NAME` only. Now it offers one command
per journal the words may name that this account writes in (tests/test_cli_fix30l_journal_words.py:
two); here one of the two is archived, so the one left is offered, and `save_command` is
that one. Real server on loopback, real crypto; CliRunner."""

from __future__ import annotations

import json

from tests.test_cli import Device
from tests.test_cli_fix30l_journal_words import PHQ9_ITEM9, ids, named_like_an_id, said
from tests.test_cli_r22_departures import ana  # noqa: F401 (fixture)


async def test_only_a_journal_she_writes_in_is_offered(
    ana: Device,  # noqa: F811
) -> None:
    start = (await ids(ana))["Personal"][:4]
    await named_like_an_id(ana, start)
    await ana.ok("journal", "archive", (await ids(ana))[start][:12])
    answers = ["measure", "take", "phq9", "--journal", start, "--answers", PHQ9_ITEM9]
    done = await ana.tj(*answers)
    assert done.exit_code == 1, done.output
    text = said(done.output)
    assert "--journal Personal --result-id" in text and "saves them in 'Personal'" in text, text
    assert "--journal NAME" not in text and f"saves them in '{start}'" not in text, text
    refused = await ana.tj(*answers, "--json")
    error = json.loads(refused.stdout)["error"]
    [offered] = error["save_commands"]
    assert offered["journal"] == "Personal" and "--journal Personal " in offered["command"]
    assert error["save_command"] == offered["command"], error
