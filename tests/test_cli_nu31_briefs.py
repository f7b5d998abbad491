"""NU31: a client's brief never stands for one of their journals (real server on loopback,
real crypto, CliRunner)."""

from __future__ import annotations

from pathlib import Path

from client_sdk import Client
from client_sdk.errors import InvalidInput
from tests.conftest import RunningServer
from tests.test_cli_insights import new_device


def said(text: str) -> str:
    return " ".join(text.split())


async def test_a_brief_is_no_journal_when_a_client_is_named_alone(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU31 #2: once ana shared a brief, `tj private-notes add ana`, `tj note ana` and `tj
    list --journal ana` refused ("ana shares several journals") and offered the brief as a
    journal to choose; naming the brief gave "shows after `tj sync`". A brief is never a
    candidate for the client's name (known from the owner-signed chain, SDK-level), and a
    brief named as a journal is said to be a brief, read with `tj briefs`."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("write", "Slept badly again.")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await ana.ok("brief", "drsmith", "--yes")
    await drsmith.ok("sync")
    [brief] = await drsmith.json("briefs")
    name = brief["journal"]
    assert name.startswith("ana/Brief ")

    await drsmith.ok("private-notes", "add", "ana", "Sleep worse since the move.")
    [kept] = await drsmith.json("private-notes", "--client", "ana")
    assert kept["journal"] == "ana/Personal"
    await drsmith.ok("note", "ana", "See you Thursday.")
    assert [e["journal"] for e in await drsmith.json("list", "--journal", "ana")] == [
        "ana/Personal"
    ]
    await ana.ok("sync")
    assert "See you Thursday." in (await ana.ok("notes")).stdout

    named = await drsmith.tj("list", "--journal", name)
    assert named.exit_code != 0
    assert said(named.stderr) == (
        f"Error: '{name}' is a pre-session brief ana shared with you, not a journal: "
        f"read it with `{drsmith.command} briefs` (`{drsmith.command} show ID` shows one)"
    )
    noted = await drsmith.tj("note", name, "hi")
    assert noted.exit_code != 0 and "is a pre-session brief ana shared with you" in noted.stderr

    # the client naming her own brief's journal: said what it is, nothing written in it
    own = name.removeprefix("ana/")
    listed = await ana.tj("list", "--journal", own)
    assert listed.exit_code != 0
    assert said(listed.stderr) == (
        f"Error: '{own}' is a pre-session brief you shared with drsmith, not a journal: "
        f"read it with `{ana.command} briefs` (`{ana.command} show ID` shows one)"
    )
    written = await ana.tj("write", "--journal", own, "into the brief")
    assert written.exit_code != 0 and "is a pre-session brief you shared" in written.stderr
    assert [b["journal"] for b in await ana.json("briefs")] == [own]

    # the SDK resolves the same way, so an app gets it too
    async with await Client.open(drsmith.home) as client:
        assert (await client.entries.list(journal="ana"))[0].journal == "ana/Personal"
        try:
            await client.entries.list(journal=name)
        except InvalidInput as error:
            assert "pre-session brief" in str(error)
        else:
            raise AssertionError("a brief named as a journal was listed")

    # a client who shares nothing but a brief: said so, not "no journal named"
    ben = await new_device(live_server, tmp_path, "ben")
    await ben.ok("brief", "drsmith", "--journal", "Personal", "--trust-on-first-use", "--yes")
    await drsmith.ok("sync")
    only = await drsmith.tj("list", "--journal", "ben")
    assert only.exit_code != 0
    assert said(only.stderr) == (
        "Error: ben shares no journal with you, only a pre-session brief: read it with "
        f"`{drsmith.command} briefs` (`{drsmith.command} show ID` shows one)"
    )


async def test_unsharing_the_journal_says_the_brief_stays_and_how_to_end_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU48 #1: `tj unshare Personal drsmith` left the pre-session brief shared without a
    word; unsharing the brief said "what you write from now on stays private", which does
    not fit a brief."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("write", "Slept badly again.")
    await ana.ok("share", "Personal", "drsmith", "--full", "--trust-on-first-use")
    await ana.ok("brief", "drsmith", "--yes")
    [brief] = [s for s in await ana.json("shares") if s["kind"] == "brief"]
    ended = said((await ana.ok("unshare", "Personal", "drsmith", "--yes")).stderr)
    name = brief["journal"]
    assert f"Your pre-session brief {name!r} stays readable by drsmith until " in ended, ended
    assert f"this ends it now: `tj unshare '{name}' drsmith`" in ended, ended
    gone = said((await ana.ok("unshare", name, "drsmith", "--yes")).stderr)
    assert f"Stopped sharing your pre-session brief {name!r} with drsmith" in gone, gone
    assert "write from now on" not in gone
    assert not [s for s in await ana.json("shares") if s["kind"] == "brief" and not s["expired"]]
