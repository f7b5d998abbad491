"""A journal named by the start of its id: four hex digits will do to read it, but a command
that ends or discards something (`tj journal delete`, `tj unshare`, `tj leave`, `tj forget`)
needs eight or more. A mistyped name made of hex digits ("cafe", "2024") that no journal
bears would otherwise have deleted a journal or ended a share because its id starts so.
Real server on loopback, real crypto (see tests/test_cli.py for the set-up)."""

from __future__ import annotations

from pathlib import Path

import pytest

from client_sdk import Client, InvalidInput
from client_sdk.context import ID_TOO_SHORT, MIN_ID_PREFIX_TO_END
from tests.conftest import RunningServer
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_ending_commands_need_eight_hex_digits_of_an_id_where_reading_takes_four(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ana.ok("journal", "create", "Work")
    await ana.ok("share", "Work", "drlee", TOFU)
    await ana.ok("write", "--journal", "Work", "A line")
    [work] = [j for j in await ana.json("journal", "list") if j["name"] == "Work"]
    short, enough = work["id"][:4], work["id"][:MIN_ID_PREFIX_TO_END]

    listed = await ana.ok("list", "--journal", short)  # reading: four digits name it
    assert "A line" in listed.stdout, listed.stdout

    for command in (["journal", "delete", short, "--yes"], ["unshare", short, "drlee", "--yes"]):
        refused = await ana.tj(*command)
        assert refused.exit_code == 1, (command, refused.output)
        said = flat(refused.stderr)
        assert f"give at least {MIN_ID_PREFIX_TO_END} of its hex digits" in said, said
        assert "'Work'" in said, said
    shares = await ana.json("shares")
    assert any(s["member"] == "drlee" and s["journal"] == "Work" for s in shares), shares
    async with await Client.open(ana.home) as client:
        with pytest.raises(InvalidInput) as caught:
            await client.shares.revoke(short, "drlee")
        assert caught.value.subject == ID_TOO_SHORT
        assert (await client.journals.get(short)).name == "Work"  # reading: as before

    await drlee.ok("sync")
    theirs = flat((await drlee.tj("leave", short, "--yes")).stderr)
    assert f"give at least {MIN_ID_PREFIX_TO_END} of its hex digits" in theirs, theirs
    assert "A line" in (await drlee.ok("list", "--journal", short)).stdout

    await ana.ok("unshare", enough, "drlee", "--yes")  # eight digits: done
    await drlee.ok("sync")
    kept = flat((await drlee.tj("forget", short, "--unlisted", "--yes")).stderr)
    assert f"give at least {MIN_ID_PREFIX_TO_END} of its hex digits" in kept, kept
    assert "A line" in (await drlee.ok("list", "--journal", short)).stdout
    await drlee.ok("forget", enough, "--unlisted", "--yes")
