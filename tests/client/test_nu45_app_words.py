"""NU45 #4: the SDK is embedded in apps (a phone app has no `tj` command), so what a sync
tells (`SyncReport.lines()`) and the errors of everyday calls name no `tj` command and no CLI
flag; the facts an app needs to act on them are fields (`SameName.journal_ids`,
`HeldBack.owner`, `RefusedShare.username`), and the CLI adds its own commands (real server on
loopback, real crypto)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from client_sdk import InvalidInput, NetworkError, SameJournalName
from client_sdk.hold_back import HeldBack
from client_sdk.replica import changed_account, name_taken_again
from client_sdk.safety import LateFlag
from client_sdk.same_names import SameName
from client_sdk.sync import RefusedShare, SyncReport
from tests.conftest import ClientFactory

CLI_WORDS = re.compile(r"\btj [a-z]|(?<![\w-])--[a-z]")
"""A `tj` command or a CLI flag (`--journal`, `--yes`) in a sentence."""


def cli_words(lines: list[str]) -> list[str]:
    return [line for line in lines if CLI_WORDS.search(line)]


def test_every_notice_of_a_sync_report_names_no_app_command() -> None:
    """A report holding one of each notice that said how to go on in `tj`'s words: a name
    two journals share, a download held back, shares not opened for a refused identity, a
    safety flag sealed late. Each line names none; the facts are fields."""
    one, two = bytes.fromhex("45cf16150615" + "00" * 10), bytes.fromhex("77380896157d" + "00" * 10)
    report = SyncReport(
        same_names=[SameName("Dreams", (one, two))],
        held_back=[HeldBack("Personal", one, "ana")],
        refused_shares=[
            RefusedShare("kim", one, changed_account("kim")),
            RefusedShare("lea", two, name_taken_again("lea")),
        ],
        late_flags=[
            LateFlag("Personal", ("drsmith",), "ab" * 16, "phq9", datetime.now(UTC), "cd" * 16)
        ],
    )
    lines = report.lines()
    assert len(lines) == 6, lines
    assert cli_words(lines) == []
    assert any("2 journals are named 'Dreams' (ids 45cf16150615, 77380896157d)" in x for x in lines)
    assert [r.username for r in report.refused_shares] == ["kim", "lea"]
    assert report.to_dict()["same_names"] == [
        {"name": "Dreams", "journal_ids": [one.hex(), two.hex()]}
    ]


async def test_a_name_clash_is_told_and_refused_in_no_app_commands(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two devices each make "Dreams" before they know of the other's: every sync says so,
    in no app's commands, with the journals' ids as fields; writing, listing or getting by
    the name refuses with a SameJournalName naming no command either. A change id that is
    not one is refused so too."""
    laptop = await signup("ana")
    phone = await login("ana")
    await laptop.journals.create("Dreams")

    async def offline() -> None:
        raise NetworkError("the connection dropped")

    with monkeypatch.context() as unseen:  # the phone does not see the laptop's journal
        unseen.setattr(phone.replica, "refresh_journals", offline)
        await phone.journals.create("Dreams")
    await laptop.sync()
    report = await phone.sync()
    ids = sorted(bytes.fromhex(j.id) for j in await phone.journals.list() if j.name == "Dreams")
    assert len(ids) == 2
    [same] = report.same_names
    assert (same.name, list(same.journal_ids)) == ("Dreams", ids)
    lines = report.lines()
    assert any(line.startswith("Notice: 2 journals are named 'Dreams'") for line in lines)
    assert cli_words(lines) == [], lines
    again = await phone.sync()  # told again while the names clash
    assert again.same_names == [same] and cli_words(again.lines()) == []

    calls = [
        phone.entries.write("Dreams", "a dream"),
        phone.entries.list("Dreams"),
        phone.journals.get("Dreams"),
    ]
    for call in calls:
        with pytest.raises(SameJournalName) as refused:
            await call
        assert refused.value.journal_ids == ids and refused.value.subject == "same name"
        assert cli_words([str(refused.value)]) == [], refused.value
        assert "give one of them another name" in str(refused.value)
    with pytest.raises(InvalidInput) as not_an_id:
        await phone.drop_set_aside("zz")
    assert cli_words([str(not_an_id.value)]) == [] and not_an_id.value.subject == "set-aside change"
