"""rev31f F2, F3: the safety message `tj measure take` shows for refused --journal words
(nu79 F9) said "could not be read" when this device has no default journal (the plain take
says "The safety plan of your default journal cannot be shown"), and the plan command both
messages print named the default journal by a name that is also the start of another
journal's id, which `tj safety plan --journal` then refuses. Real server on 127.0.0.1, real
crypto, CliRunner."""

from __future__ import annotations

import re

from tests.test_cli import Device, laptop  # noqa: F401
from tests.test_cli_fix30l_journal_words import ids, named_like_an_id

ITEM9 = "0,0,0,0,0,0,0,0,2"


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_refused_words_with_no_default_journal_say_what_the_plain_take_says(
    laptop: Device,  # noqa: F811
) -> None:
    await laptop.ok("journal", "create", "Work")
    await laptop.ok("journal", "delete", "Personal", "--yes")
    plain = await laptop.tj("measure", "take", "phq9", "--answers", ITEM9)
    refused = await laptop.tj("measure", "take", "phq9", "--journal", "Nope", "--answers", ITEM9)
    said = flat(refused.stderr)
    assert "could not be read" not in said, said
    assert "The safety plan of your default journal cannot be shown" in flat(plain.stderr)
    assert "The safety plan of your default journal cannot be shown" in said, said


async def test_the_plan_command_shown_names_the_default_journal_so_that_it_runs(
    laptop: Device,  # noqa: F811
) -> None:
    await laptop.ok("journal", "create", "Work")
    start = (await ids(laptop))["Work"][:6]
    await named_like_an_id(laptop, start)  # a journal named as Work's id starts (older tj)
    hexid = (await ids(laptop))[start]
    await laptop.ok("journal", "default", hexid, "--yes")
    commands = set()
    for words in (("--answers", ITEM9), ("--journal", "Nope", "--answers", ITEM9)):
        taken = await laptop.tj("measure", "take", "phq9", *words)
        found = re.findall(
            r"`(tj safety plan --journal \S+) --text 'YOUR PLAN'`", flat(taken.stderr)
        )
        assert found, taken.stderr
        commands |= set(found)
    [command] = commands  # one command, whichever message said it
    assert command != f"tj safety plan --journal {start}", command
    journal = command.split()[-1]
    ran = await laptop.tj("safety", "plan", "--journal", journal, "--text", "Ring Jo.")
    assert ran.exit_code == 0, ran.output  # the printed words name that journal alone
    shown = await laptop.json("safety", "plan", "--journal", hexid)
    assert "Ring Jo." in str(shown), shown
