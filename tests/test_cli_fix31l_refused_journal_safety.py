"""fix31l (nu79 F9, F10): `tj measure take ... --journal WORDS` refused for the words (no
journal named so, or words naming several journals) with item 9 answered above 0. The safety
message shows her own plan, the default journal's, readable on this device, in text and in
--json alike, never "could not be read (Ctrl-C stopped reading it)"; and the command that saves
the answers says truthfully that it makes their safety flag (none was made). Real server on
loopback, real crypto; CliRunner."""

from __future__ import annotations

import json

from tests.test_cli import Device
from tests.test_cli_r22_departures import ana  # noqa: F401 (fixture)

PHQ9_ITEM9 = "0,0,0,0,0,0,0,0,2"
PLAN = "Call my sister; walk by the lake."


def said(text: str) -> str:
    return " ".join(text.split())


async def test_a_journal_named_wrong_shows_the_default_plan_in_text_and_json(
    ana: Device,  # noqa: F811
) -> None:
    await ana.ok("safety", "plan", "--text", PLAN)
    answers = ["measure", "take", "phq9", "--journal", "Nope", "--answers", PHQ9_ITEM9]
    done = await ana.tj(*answers)
    assert done.exit_code == 1, done.output
    text = said(done.stderr)
    assert PLAN in text, text
    assert "could not be read" not in text and "Ctrl-C" not in text, text
    assert "no journal named 'Nope'" in text, text  # the error, said after
    refused = await ana.tj(*answers, "--json")
    assert refused.exit_code == 1, refused.output
    error = json.loads(refused.stdout)["error"]
    message = error["safety_message"]
    lines = " ".join(message["lines"])
    assert "Ctrl-C" not in lines and "could not be read" not in lines, message
    assert PLAN in lines, message
    assert message["plan"] == PLAN, message


async def test_the_save_command_after_refused_words_says_it_makes_the_flag(
    ana: Device,  # noqa: F811
) -> None:
    answers = ["measure", "take", "phq9", "--journal", "Nope", "--answers", PHQ9_ITEM9]
    done = await ana.tj(*answers)
    assert done.exit_code == 1, done.output
    text = said(done.stderr)
    assert "seals no second safety flag" not in text, text
    assert (
        "never twice, and makes their safety flag if you chose to send safety flags; "
        "--journal Nope was refused."
    ) in text, text


def test_the_elsewhere_line_quotes_each_journal_and_joins_with_and() -> None:
    """nu79 F4: "for answers in Personal, Work only": names quoted as a shell would, joined
    with "and", members too."""
    from client_sdk.safety import elsewhere_line

    line = elsewhere_line(
        "Private", {"drsmith": ["Work", "Personal"], "tom": ["My Work"]}, nobody=True
    )
    assert line is not None
    assert line.startswith(
        "No safety flag was sent to drsmith and tom: you chose to send them safety flags for "
        "answers in 'My Work', 'Personal' and 'Work' only, and this answer is in 'Private', "
        "which nobody else reads."
    ), line


async def test_words_naming_two_journals_show_the_default_plan_in_json(
    ana: Device,  # noqa: F811
) -> None:
    from tests.test_cli_fix30l_journal_words import ids, named_like_an_id

    await ana.ok("safety", "plan", "--text", PLAN)
    start = (await ids(ana))["Personal"][:4]
    await named_like_an_id(ana, start)
    refused = await ana.tj(
        "measure", "take", "phq9", "--journal", start, "--answers", PHQ9_ITEM9, "--json"
    )
    assert refused.exit_code == 1, refused.output
    message = json.loads(refused.stdout)["error"]["safety_message"]
    assert "Ctrl-C" not in " ".join(message["lines"]), message
    assert PLAN in " ".join(message["lines"]) and message["plan"] == PLAN, message
