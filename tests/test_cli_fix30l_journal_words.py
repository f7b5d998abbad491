"""fix30l (nu77 F4, F5, F7; rev30c F6): words that name one journal and start another's id
in the CLI. The command printed to save text or answers refused for their --journal never
repeats the words refused; a journal is never created with a name of 12 hex digits starting
an id here; `tj journal default`'s question quotes the journal's name, with its id where the
name alone names no journal; an id start with a space around it is refused as without. Real
server on loopback, real crypto; CliRunner."""

from __future__ import annotations

import json

from client_sdk import Client
from tests.test_cli import Device
from tests.test_cli_r22_departures import ana, tom  # noqa: F401 (fixtures)

PHQ9_ITEM9 = "0,0,0,0,0,0,0,0,2"


def said(text: str) -> str:
    return " ".join(text.split())


async def ids(device: Device) -> dict[str, str]:
    return {j["name"]: j["id"] for j in await device.json("journal", "list")}


async def named_like_an_id(device: Device, name: str) -> None:
    """A journal of `device`'s account named `name`, hex digits that start another journal's
    id here: `tj journal create` refuses such a name (fix31d), but an older `tj` made one, as
    does another device before the journal whose id starts so was shared with this one. Made
    below that check, then synced."""
    async with await Client.open(device.home) as client:
        await client.replica.create_journal(name)
        await client.sync()


async def test_a_kept_draft_is_never_said_saved_by_the_words_refused(
    ana: Device,  # noqa: F811
) -> None:
    start = (await ids(ana))["Personal"][:4]
    await named_like_an_id(ana, start)
    done = await ana.tj("write", "--journal", start, input="a line I wrote\n")
    assert done.exit_code == 1, done.output
    text = said(done.stderr)
    assert f"'{start}' names more than one journal on this device" in text, text
    assert f"--journal {start} --draft" not in text and f"--journal '{start}' --draft" not in text
    # each journal the words may name, by words that name it alone (fix31d item 2)
    named = (await ids(ana))[start]
    assert f"`tj write --journal {named[:12]} --draft" in text, text
    assert "`tj write --journal Personal --draft" in text, text
    assert f"--journal {start} was refused, as it names more than one journal" in text, text


async def test_answers_refused_for_their_journal_are_said_saved_with_journal_name(
    ana: Device,  # noqa: F811
) -> None:
    start = (await ids(ana))["Personal"][:4]
    await named_like_an_id(ana, start)
    answers = ["measure", "take", "phq9", "--journal", start, "--answers", PHQ9_ITEM9]
    done = await ana.tj(*answers)
    assert done.exit_code == 1, done.output
    text = said(done.output)
    assert f"--journal {start} --result-id" not in text, text
    assert f"--journal '{start}' --result-id" not in text, text
    # each journal the words may name, by words naming it alone (fix31e item 3)
    named = (await ids(ana))[start]
    assert f"--journal {named[:12]} --result-id" in text, text
    assert "--journal Personal --result-id" in text, text
    assert f"saves them in '{start}', " in text and "saves them in 'Personal'" in text, text
    assert (
        f"never twice, and makes their safety flag if you chose to send safety flags; "
        f"--journal {start} was refused, as it "
        "names more than one journal."
    ) in text, text
    refused = await ana.tj(*answers, "--json")
    assert refused.exit_code == 1, refused.output
    error = json.loads(refused.stdout)["error"]
    [command] = [error["save_command"]] if isinstance(error["save_command"], str) else [None]
    assert command is not None and "--journal NAME" in command, error  # the one you choose
    assert f"--journal {start} " not in command, error
    offered = {c["journal"]: c["command"] for c in error["save_commands"]}
    assert set(offered) == {start, "Personal"}, error
    assert f"--journal {named[:12]} " in offered[start], error
    assert "--journal Personal " in offered["Personal"], error


async def test_a_journal_is_never_created_named_after_12_digits_of_an_id(
    ana: Device,  # noqa: F811
) -> None:
    personal = (await ids(ana))["Personal"]
    done = await ana.tj("journal", "create", personal[:12])
    assert done.exit_code == 1, done.output
    text = said(done.stderr)
    assert (
        f"'{personal[:12]}' starts the id of 'Personal' (id {personal[:12]}) on this device, "
        "so as a name it would name neither journal wherever you typed it: choose another name"
    ) in text, text
    assert set(await ids(ana)) == {"Personal"}


async def test_the_default_question_quotes_the_name_and_gives_the_id_where_needed(
    ana: Device,  # noqa: F811
    tom: Device,  # noqa: F811
) -> None:
    start = (await ids(ana))["Personal"][:4]
    await named_like_an_id(ana, start)
    chosen = (await ids(ana))[start]
    await ana.ok("share", chosen[:12], "tom", "--fingerprint", tom.signup["fingerprint"])
    asked = await ana.tj("journal", "default", chosen[:8], input="")
    text = said(asked.output)
    assert (
        f"Make '{start}' (id {chosen[:12]}) your default journal on this device all the same?"
    ) in text, text
    assert (await ana.json("journal", "default"))["name"] == "Personal"


async def test_an_id_start_with_a_space_after_it_goes_to_no_account_named_so(
    ana: Device,  # noqa: F811
    tom: Device,  # noqa: F811
) -> None:
    """rev30c F6 in the CLI: "5721feeb " with a space is refused as "5721feeb" is, where an
    account named so shares a journal with her; the member gets nothing."""
    await ana.ok("journal", "create", "Work")
    start = (await ids(ana))["Work"][:8]
    member = Device(ana.home.parent / "member", ana.url)
    member.signup = await member.json("signup", ana.url, start)
    await member.ok(
        "share", "Personal", "ana", "--role", "annotate",
        "--fingerprint", ana.signup["fingerprint"], "--yes",
    )  # fmt: skip
    await ana.ok("sync")
    for words in (start, f"{start} ", f" {start}"):
        done = await ana.tj("note", words, "my private words about work")
        assert done.exit_code == 1, done.output
        assert f"'{start}' names more than one journal on this device" in said(done.stderr)
    await member.ok("sync")
    assert "my private words" not in (await member.tj("notes", "Personal")).output
