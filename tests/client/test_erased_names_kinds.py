"""`SyncReport` names the journal and the account of records gone with an erased account
from two maps, never one: journal ids and account ids are both 16 bytes their creator
chooses, so an account may carry the id of a journal it reads (a hostile member who signs up
again under it), and one map of both told "records by drsmith in drsmith". Real server on
127.0.0.1, real crypto."""

from __future__ import annotations

import pytest

from client_sdk import INSECURE_TEST_COST, crypto, wire
from client_sdk.sync import SyncReport
from client_sdk.withholding import Gap
from tests.client.sharing_support import journal_id, share_with
from tests.conftest import PASSWORD, ClientFactory


async def test_an_account_under_a_journals_id_is_told_by_its_name_in_that_journal(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    personal = await journal_id(ana, "Personal")
    real = crypto.random_bytes
    calls: list[int] = []

    def chosen(size: int) -> bytes:  # new_account: the salt, then the account id
        calls.append(size)
        if size == wire.ID_BYTES and calls.count(wire.ID_BYTES) == 2:
            return personal
        return real(size)

    monkeypatch.setattr(crypto, "random_bytes", chosen)
    drsmith = await signup("drsmith")
    monkeypatch.setattr(crypto, "random_bytes", real)
    assert drsmith.profile.account_id == personal
    await share_with(ana, drsmith, role="annotate")
    await drsmith.sync()
    await drsmith.notes.add("ana/Personal", "From the desk.")
    await drsmith.sync()
    await ana.sync()
    await ana.entries.write("Personal", "After the note.")  # its seen vector names the note
    await ana.sync()
    await drsmith.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    report = await phone.sync()
    assert [g.author for g in report.erased] == [personal]
    notices = [line for line in report.lines() if line.startswith("Notice:")]
    shared = "Notice: Personal was shared with drsmith from one of your devices ("  # NU30 #4
    # drsmith, still a member by the chain, is taken off it before the records are excused
    # (rev-complete F5): that departure is told too, in the same words as a member who left
    dropped = [line for line in notices[1:] if not line.startswith(shared)]
    assert len(dropped) == 1, notices
    assert dropped[0].startswith("Notice: drsmith no longer reads Personal (")
    assert "the server says their account was deleted; this device removed them" in dropped[0]
    assert notices[:1] == [
        "Notice: 1 record(s) by drsmith in Personal are gone: the server says that account "
        "was deleted"
    ], notices


def test_a_journal_and_an_account_of_one_id_are_each_told_by_their_own_name() -> None:
    same = bytes(range(16))
    report = SyncReport(
        erased=[Gap(same, same, bytes(16), ((1, 2),), b"")],
        erased_journals={same: "Personal"},
        erased_authors={same: "drsmith"},
    )
    assert [line for line in report.lines() if line.startswith("Notice:")] == [
        "Notice: 2 record(s) by drsmith in Personal are gone: the server says that account "
        "was deleted"
    ]
