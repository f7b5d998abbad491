"""NU49 F6: a former client who erases her account after her share ended is said "appears
erased" by the caseload and `tj shared-with-me` (one /v1/account/known question for every
such owner; the server's word, for words only); the copy of an ended share is named by its
owner's account label in `tj shared-with-me`'s table and `tj forget`'s refusal, and `tj
measure list --journal` marks it (NU49FIX leftovers); F8: one ended copy no longer moves the
journal column out of `tj list`, and the caseload's flags keep their column whatever the
flags and scores say (real server on loopback, CliRunner; the tables pure)."""

from __future__ import annotations

import re
import shlex
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from cli.output import entries_table
from cli.practice import caseload_columns
from cli.tables import fitted, table_text
from client_sdk import departures, wire
from client_sdk.caseload import ERASED_UNLISTED, UNLISTED_ENDED
from client_sdk.errors import NotFound
from client_sdk.models import Entry, now_ms
from client_sdk.transport import Transport
from tests.conftest import RunningServer
from tests.test_cli import Device, failed_with_one_line
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"


def unwrapped(text: str) -> str:
    return " ".join(text.split())


async def test_an_account_erased_after_its_share_ended_is_said_in_one_question(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    clients: dict[str, Device] = {}
    for name in ("ana", "ben", "carla"):
        clients[name] = client = await new_device(live_server, tmp_path, name)
        await client.ok("write", "--mood", "4", "A week.")
        await client.ok("measure", "take", "gad7", "--answers", "1,1,1,1,1,1,1")
        await client.ok("share", "Personal", "drsmith", TOFU)
        await drsmith.ok("verify", name, (await client.ok("fingerprint")).stdout.strip())
    await drsmith.ok("sync")
    owners = {j["owner"]: j["owner_id"] for j in await drsmith.json("journal", "list")}
    label = {name: f"{name} (account {owners[name][:8]})" for name in clients}
    for client in clients.values():
        await client.ok("unshare", "Personal", "drsmith", "--yes")
    await drsmith.ok("sync")
    before = (await drsmith.ok("caseload", env={"COLUMNS": "80"})).stdout
    # no end is signed on drsmith's device (a removed member is not served its removal)
    assert "erased" not in before, before
    rows = [line for line in before.splitlines() if line.startswith(("ana ", "ben ", "carla "))]
    assert len(rows) == 3 and all("no longer served" in row for row in rows), before
    # one line below the table for the three, not the same words three times
    said = re.sub(r" as of the last sync \(\d{4}-\d\d-\d\d \d\d:\d\d\)", "", unwrapped(before))
    assert f"carla, ben and ana: {UNLISTED_ENDED}" in said, before
    assert "carla, ben and ana: share no longer served as of the last sync (" in unwrapped(before)

    await clients["ana"].ok("account", "delete", "--yes")
    assert "nothing new" in (await drsmith.ok("sync")).stdout  # no sync tells it
    # a former client is asked about again once a week (REV-S11 S11-3): a week on
    later = now_ms() + departures.ASK_AGAIN_MS
    monkeypatch.setattr("client_sdk.sharing.now_ms", lambda: later)

    asked: list[list[bytes]] = []
    call = Transport.call

    async def counted(self: Transport, path: str, message: Any, *args: Any, **kw: Any) -> Any:
        if path == "/v1/account/known":
            asked.append(list(message.account_ids))
        return await call(self, path, message, *args, **kw)

    monkeypatch.setattr(Transport, "call", counted)
    shown = (await drsmith.ok("caseload", env={"COLUMNS": "80"})).stdout
    assert len(asked) == 1 and sorted(asked[0]) == sorted(
        bytes.fromhex(owners[n]) for n in clients
    )  # one question for the three former clients, not one each
    [ana_row] = [line for line in shown.splitlines() if line.startswith("ana ")]
    assert "share no longer served (erased?)" in ana_row
    said = re.sub(r" as of the last sync \(\d{4}-\d\d-\d\d \d\d:\d\d\)", "", unwrapped(shown))
    assert f"ana: {ERASED_UNLISTED}" in said, shown
    assert shown.count("erased") == 2, shown  # ben and carla: "no longer served" alone

    listed = await drsmith.ok("shared-with-me", env={"COLUMNS": "80"})
    said = unwrapped(listed.stdout)
    assert (
        "ana's account appears to have been erased (the server no longer knows it), or the "
        "server is withholding it: discard its copy from this device with "
        f"`tj forget {shlex.quote(label['ana'] + '/Personal')} --unlisted` when you no longer "
        f"need it (keep what you need first: `tj export --client {shlex.quote(label['ana'])} "
        "--out DIR`)."
    ) in said, said
    assert said.count("appears to have been erased") == 1  # ben's and carla's as before
    assert (
        "Once you know the share ended, discard its copy from this device with "
        f"`tj forget {shlex.quote(label['ben'] + '/Personal')} --unlisted`"
    ) in said
    rows = {r["owner"]: r for r in await drsmith.json("shared-with-me")}
    assert rows["ana"]["owner_erased"] and not rows["ben"]["owner_erased"]
    assert rows["ana"]["owner_verified"]  # the server's word changes no trust
    # the table names each ended copy as every list does, its commands by account
    for name in clients:
        table = unwrapped(listed.stdout.split("`")[0])  # its rows, before the commands
        assert f"{name}/Personal" in table and label[name] not in table, name
    # and the copy is kept: its entry is still read
    kept = await drsmith.json("list", "--journal", f"{label['ana']}/Personal")
    assert [e["body"] for e in kept] == ["A week."]

    # tj forget's refusal names the command with the label too (NU49FIX leftover of F5)
    refused = failed_with_one_line(await drsmith.tj("forget", "ben/Personal"))
    assert refused.endswith(
        f"Once you know the share ended, run `{drsmith.command} forget "
        f"{shlex.quote(label['ben'] + '/Personal')}"
        " --unlisted`"
    ), refused
    # tj measure list --journal marks the ended copy as without --journal (leftover of F7)
    for args in ([], ["--journal", "ben/Personal"]):
        table = (await drsmith.ok("measure", "list", *args, env={"COLUMNS": "120"})).stdout
        [row] = [line for line in table.splitlines() if "ben/Personal" in line]
        assert "ben/Personal (no longer served)" in row, table


async def test_an_older_server_without_the_question_changes_nothing(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that does not know /v1/account/known (404): the caseload shows as before."""
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("write", "A week.")
    await ana.ok("share", "Personal", "drsmith", TOFU)
    await drsmith.ok("sync")
    await ana.ok("unshare", "Personal", "drsmith", "--yes")
    await drsmith.ok("sync")
    await ana.ok("account", "delete", "--yes")

    async def older(self: Transport, path: str, *args: Any, **kw: Any) -> Any:
        raise NotFound("no such endpoint")

    original = Transport.call

    async def routed(self: Transport, path: str, *args: Any, **kw: Any) -> Any:
        if path == "/v1/account/known":
            return await older(self, path)
        return await original(self, path, *args, **kw)

    monkeypatch.setattr(Transport, "call", routed)
    shown = (await drsmith.ok("caseload")).stdout
    assert "no longer served" in shown and "erased" not in shown


# --- F8: the layouts -------------------------------------------------------------------------


def entry(journal: str, title: str, *, unlisted: bool = False) -> Entry:
    return Entry(
        id="ab" * 16,
        journal=journal,
        journal_id=journal,
        title=title,
        body="",
        mood=3,
        tags=("family",),
        created_at=datetime(2026, 12, 5, 4, 17, tzinfo=UTC),
        updated_at=datetime(2026, 12, 5, 4, 17, tzinfo=UTC),
        deleted=False,
        share_ended=unlisted,
        unlisted=unlisted,
    )


@pytest.mark.parametrize("width", [80, 100, 120])
def test_one_ended_copy_keeps_the_journal_column_of_tj_list(
    width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    entries = [
        entry("ana.new/Personal", "What made you laugh this week?"),
        entry("ana/Personal", "What made you laugh this week?", unlisted=True),
        entry("carla/Personal (mood, tags) for drsmith", "mood check-in", unlisted=True),
        entry("emma/Personal", "Emma entry 1 about the day, sleep and work"),
    ]
    shown = table_text(entries_table(entries), Console(width=width))
    assert shown.splitlines()[0].split()[:3] == ["id", "date", "journal"], shown
    assert "journal:" not in shown, shown  # no row's journal below it
    assert "ana.new/Personal" in shown.splitlines()[2], shown  # one line for a live copy
    for line in shown.splitlines():
        assert len(line) <= width, shown
        assert not re.search(r"\(no$", line.rstrip()), shown  # "(no longer" starts its line
    assert shown.count("served)") == 2, shown


def test_the_caseload_keeps_its_flags_column_whatever_the_flags_and_scores_say() -> None:
    def laid(rows: list[tuple[str, ...]]) -> str:
        return table_text(fitted(caseload_columns(), rows, width=80), Console(width=80))

    scores = "PHQ-9 14 (+2, retake), GAD-7 10"
    for flag in ("no shared entry for 12 days", "mood 2/10", "share ended (erased?)", ""):
        shown = laid(
            [
                ("ana", flag, "2026-12-05", "7", "4.4·······▅", "GAD-7 10", "0"),
                ("ben", "", "2026-12-05", "1", "4.4·······▅", scores, "0"),
            ]
        )
        assert shown.splitlines()[0].split()[:2] == ["client", "flags"], shown
        assert "flags:" not in shown, shown
        if flag:
            assert flag in shown.splitlines()[2], shown


def test_the_server_answers_which_accounts_it_still_has() -> None:
    """The wire messages of /v1/account/known round-trip, at most 100 ids a question."""
    ids = [bytes([n]) * wire.ID_BYTES for n in range(3)]
    asked = wire.AccountsRequest(ids)
    assert wire.decode(wire.AccountsRequest, wire.encode(asked)) == asked
    assert wire.MAX_ACCOUNTS_ASKED == 100
