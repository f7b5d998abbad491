"""`tj journal delete` and `tj account delete` with the server down fail before anything
is asked, and the error says nothing was deleted (real server on loopback, CliRunner,
the server stopped with the `outage` fixture)."""

from __future__ import annotations

from tests.test_cli import Device, Outage, laptop, outage  # noqa: F401


def said(text: str) -> str:
    return " ".join(text.split())


async def test_deleting_with_the_server_down_says_nothing_was_deleted(
    laptop: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
) -> None:
    await laptop.ok("journal", "create", "Dreams")
    await laptop.ok("sync")
    await outage.begin()
    journal = await laptop.tj("journal", "delete", "Dreams", input="Dreams\n")
    assert journal.exit_code != 0
    assert "Error: nothing was deleted: cannot reach the server" in said(journal.stderr)
    account = await laptop.tj("account", "delete", "--yes")
    assert account.exit_code != 0
    assert "Error: nothing was deleted: cannot reach the server" in said(account.stderr)
    await outage.end()
    assert "Dreams" in [j["name"] for j in await laptop.json("journal", "list")]
