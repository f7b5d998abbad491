"""A client is told when the account they shared with was erased (NEWUSER2 finding 50). CLI
against a real server on loopback."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device


async def test_tj_shares_says_the_therapists_account_was_erased_and_the_share_ended(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ana.ok("journal", "create", "Lee")
    await ana.ok("share", "Lee", "drlee", "--trust-on-first-use")
    await ana.ok("share", "Personal", "drlee", "--trust-on-first-use")
    await drlee.ok("account", "delete", "--yes")

    [lee, personal] = sorted(await ana.json("shares"), key=lambda s: s["journal"])
    for row, journal in ((lee, "Lee"), (personal, "Personal")):
        assert (row["journal"], row["member"], row["expired"]) == (journal, "drlee", True)
        assert row["account_erased"] is not None
    table = " ".join((await ana.ok("shares")).stdout.split())
    assert "account was erased" in table
    # told every time, not only once: the rows are kept on this device
    assert len(await ana.json("shares")) == 2


async def test_tj_shares_names_an_erased_member_by_account_once_another_holds_the_name(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The erased drlee's row names the account, as `tj shares log` does, never the bare name
    a new drlee holds now (nor "drlee's account was erased")."""
    ana = await new_device(live_server, tmp_path, "ana")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ana.ok("share", "Personal", "drlee", "--trust-on-first-use")
    await drlee.ok("account", "delete", "--yes")
    await new_device(live_server, tmp_path / "new", "drlee")  # the name is taken again

    [row] = await ana.json("shares")
    assert row["account_erased"] is not None
    assert row["member"] == "drlee" and len(row["member_id"]) == 32
    table = " ".join((await ana.ok("shares")).stdout.split())
    assert f"(account {row['member_id'][:8]})" in table  # below "drlee", in its cell
    assert "drlee's" not in table
    assert "their account was erased" in table
