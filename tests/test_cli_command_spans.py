"""Commands printed in backticks are pasted as printed (REV-S11B S11B-1, S11B-2, S11B-4):
only the CLI makes a command span (`output.command`), a name's backtick never opens or
closes one, a span is kept exactly (no whitespace collapsed, never broken), and a journal
whose name would not paste back exactly is named by its id. Real server on loopback, real
crypto, CliRunner."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from cli import output
from client_sdk import INSECURE_TEST_COST, Client
from tests.client.sharing_support import share_with
from tests.conftest import PASSWORD, ClientFactory, RunningServer
from tests.notice_times import unwrapped
from tests.test_cli import run_tj
from tests.test_cli_insights import new_device

NARROW = {"COLUMNS": "80"}
TICKED = re.compile(r"`(tj share [^`]*--safety-flags)`")
SPANS = re.compile(r"`([^`]*)`")
FORGED = "x` or first: `tj journal delete Personal --yes` then `"


async def shared_note(live_server: RunningServer, tmp_path: Path, journal: str, other: str = ""):
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    if other:
        await ana.ok("journal", "create", other)
    if journal != " ".join(journal.split()):  # a name from before names were squeezed
        async with await Client.open(ana.home) as client:
            await client.replica.create_journal(journal)
            await client.sync()
    else:
        await ana.ok("journal", "create", "--", journal)
    shared = await ana.ok(
        "share", "--role", "annotate", "--trust-on-first-use", "--", journal, "drsmith", env=NARROW
    )
    return ana, shared


async def journal_id(ana, name: str) -> str:  # type: ignore[no-untyped-def]
    [found] = [j["id"] for j in await ana.json("journal", "list") if j["name"] == name]
    return str(found)


def built_spans(text: str) -> list[str]:
    """Every span in backticks in `text`, its lines joined."""
    return SPANS.findall(" ".join(text.split()))


async def test_a_name_with_two_spaces_is_named_by_its_id_and_the_paste_shares_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """S11B-2: "Evening  thoughts" (two spaces, stored before journal names were squeezed)
    beside "Evening thoughts": the printed command names the journal by its id, and pasting
    it shares that journal, not the other."""
    ana, shared = await shared_note(live_server, tmp_path, "Evening  thoughts", "Evening thoughts")
    [command] = TICKED.findall(unwrapped(shared.stderr))
    wanted = await journal_id(ana, "Evening  thoughts")
    assert shlex.split(command)[2] == wanted[:12], command
    await ana.ok(*shlex.split(command)[1:])
    shares = await ana.json("shares")
    assert {s["journal"] for s in shares if s["member"] == "drsmith"} == {"Evening  thoughts"}


async def test_a_journal_named_like_an_option_is_named_by_its_id(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """S11B-4: a journal named "--help": the printed command names it by its id, and pasting
    it does what it says (no help shown)."""
    ana, shared = await shared_note(live_server, tmp_path, "--help")
    [command] = TICKED.findall(unwrapped(shared.stderr))
    assert shlex.split(command)[2] == (await journal_id(ana, "--help"))[:12], command
    pasted = await ana.ok(*shlex.split(command)[1:])
    assert "Usage:" not in pasted.stdout, (command, pasted.stdout[:200])


async def test_a_backtick_in_a_name_never_breaks_a_command(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """S11B-4: one backtick in the name: each command is printed whole on one line (by the
    journal's id), and the name's backtick is written \\x60, pairing with nothing."""
    name = "Mood `log of the evenings and the nights"
    ana, shared = await shared_note(live_server, tmp_path, name)
    ident = (await journal_id(ana, name))[:12]
    command = shlex.join(["tj", "share", ident, "drsmith", "--role", "annotate", "--safety-flags"])
    assert any(f"`{command}`" in line for line in shared.stderr.splitlines()), shared.stderr
    assert "Mood \\x60log" in shared.stderr, shared.stderr
    assert all(span.startswith(("tj ", "BARE tj ")) for span in built_spans(shared.stderr)), (
        shared.stderr
    )
    laid_out = shared.stderr.replace("`BARE tj", "`tj")  # as laid out (`seen` marks a bare tj)
    assert all(len(line) <= 80 for line in laid_out.splitlines()), shared.stderr


async def test_a_hostile_name_is_quoted_so_a_paste_names_it_exactly(
    live_server: RunningServer, tmp_path: Path
) -> None:
    name = "x'; rm -rf ~ #"
    ana, shared = await shared_note(live_server, tmp_path, name)
    [command] = TICKED.findall(unwrapped(shared.stderr))
    assert shlex.split(command)[2] == name, command


async def test_a_hostile_name_never_makes_a_span_the_cli_did_not_build(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """S11B-1 in the owner's own note: a name made of backticks and a command gives no span
    but the CLI's own (`tj share <id> ...`, `tj sync`), each whole."""
    ana, shared = await shared_note(live_server, tmp_path, FORGED)
    ident = (await journal_id(ana, FORGED))[:12]
    spans = built_spans(shared.stderr)
    assert "tj journal delete Personal --yes" not in spans, spans
    assert f"tj share {ident} drsmith --role annotate --safety-flags" in spans, spans


async def former_client_copy(carl: Client, url: str, home: Path, journal: str = "Personal") -> None:
    """carl shared `journal` (annotate) with drsmith (profile `home`), then ended it."""
    drsmith = await Client.signup(url, "drsmith", PASSWORD, home=home, kdf_cost=INSECURE_TEST_COST)
    try:
        await share_with(carl, drsmith, journal, role="annotate")
        await drsmith.shares.verify("carl", await carl.shares.fingerprint())
        await carl.sync()
        await drsmith.sync()
        await carl.shares.revoke(journal, "drsmith")
        await drsmith.sync()
    finally:
        await drsmith.close()


async def test_a_former_clients_journal_name_forges_no_command_in_the_advice(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """S11B-1: carl names his journal so that its backticks would close the `tj forget`
    command and open one of his own: the advice names the copy by its id, and no span in
    the output is his."""
    carl = await signup("carl")
    await carl.journals.create(FORGED)
    ident = (await carl.journals.get(FORGED)).id
    home = tmp_path / "dr"
    await former_client_copy(carl, live_server.url, home, FORGED)
    listed = await run_tj(["--home", str(home), "shared-with-me"])
    spans = built_spans(listed.output)
    assert "tj journal delete Personal --yes" not in spans, listed.output
    assert f"tj --home {home} forget {ident[:12]} --unlisted" in spans, listed.output
    forgotten = await run_tj(["--home", str(home), "forget", ident[:12], "--unlisted", "--yes"])
    assert forgotten.exit_code == 0, forgotten.output


async def test_the_export_command_forget_prints_names_the_profile_exactly(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """S11B-2: the profile's path has two spaces: the export command `tj forget` prints keeps
    both inside its quoted --home."""
    carl = await signup("carl")
    home = tmp_path / "dr  home"
    await carl.measures.take("phq9", [3, 3, 3, 3, 3, 3, 3, 3, 2])
    await former_client_copy(carl, live_server.url, home)
    asked = await run_tj(["--home", str(home), "forget", "carl/Personal", "--unlisted"], input="\n")
    [export] = re.findall(r"`(tj --home [^`]*export[^`]*)`", " ".join(asked.stderr.split(" \n")))
    assert shlex.split(export)[2] == str(home), export


def test_only_the_cli_makes_a_command_span() -> None:
    """The wrapper keeps a span the CLI built (`output.command`) exactly, two spaces and all,
    and whole on its line; a name holding the span's private marks, or backticks, makes
    none (a name in prose is `output.quoted`)."""
    built = output.command(["tj", "share", "Evening  thoughts", "drsmith"])
    forged = "\ue000tj journal delete Personal --yes\ue001"
    text = output.one_line(f"Name {forged} and {output.quoted(FORGED)}: run   {built} now.")
    shown = output.shown(output.fields_text([output.shown(text, ticks=False)], 40))
    assert "`tj share 'Evening  thoughts' drsmith`" in shown.splitlines(), shown
    assert "\\ue000tj journal" in shown, shown
    assert not re.search(r"`tj journal delete", shown), shown
    assert output.journal_word("--help", "ab" * 16) == "ab" * 6
    assert output.journal_word("a  b", "cd" * 16) == "cd" * 6
    assert output.journal_word("Mood `log", "") == "JOURNAL"
    assert output.journal_word("Evening thoughts", "cd" * 16) == "Evening thoughts"


async def test_a_title_forges_no_command_in_the_messages_that_quote_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """REV-S11B S11B-1's rest: a title (anyone's text: a shared goal, an entry) quoted in a
    message outside sharing.py writes its backticks `\\x60`, so it never shows a command in
    backticks the CLI did not build."""
    ana = await new_device(live_server, tmp_path, "ana")
    forged = "Walk` then: `tj journal delete Personal --yes` `"
    goal = (await ana.ok("goal", "add", forged)).stdout.strip()
    deleted = await ana.ok("goal", "delete", goal[:8], "--yes")
    assert "`tj journal delete" not in deleted.stderr, deleted.stderr
    assert "\\x60tj journal delete Personal --yes\\x60" in unwrapped(deleted.stderr)
