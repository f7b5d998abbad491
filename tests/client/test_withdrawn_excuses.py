"""An excuse given on the server's word that an account was erased is withdrawn as soon as
something shows the account exists (rev33d F2, protocol.md 4.18 "A current member cannot
be erased on the server's word"): the withholding check reports the record again."""

from __future__ import annotations

from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client
from tests.client.hostile import HostileServer
from tests.client.sharing_support import share_with
from tests.client.test_rev_complete_findings import (  # noqa: F401 (fixture)
    GONE,
    erasing,
    tom_writes_three_notes_and_the_server_drops_the_second,
)
from tests.conftest import PASSWORD, ClientFactory, RunningServer


@pytest.mark.parametrize("seen_alive", ["shared again", "looked up"])
async def test_an_erasure_excuse_is_withdrawn_once_the_account_is_seen_alive(
    seen_alive: str,
    erasing: HostileServer,  # noqa: F811
    signup: ClientFactory,
    live_server: RunningServer,
    tmp_path: Path,
) -> None:
    """One forged `not_found` for tom (a former member) excuses his missing note 2 and is
    told once; then the server answers truly and ana's laptop sees tom's account alive (it
    shares Personal with him again and his new signed note arrives; or it only looks his
    identity up): note 2 is reported withheld again, at every sync."""
    await signup("ana", "phone")
    tom = await signup("tom")
    laptop = await Client.login(
        erasing.url,
        "ana",
        PASSWORD,
        home=tmp_path / "laptop",
        device_name="laptop",
        minimum_cost=INSECURE_TEST_COST,
    )
    try:
        await tom_writes_three_notes_and_the_server_drops_the_second(laptop, tom, live_server)
        await laptop.shares.revoke("Personal", "tom")
        GONE.add(tom.profile.account_id)  # one lie, for one sync
        lied = await laptop.sync()
        missing = (tom.profile.account_id, ((2, 2),))
        assert [(g.author, g.missing) for g in lied.erased] == [missing]
        assert lied.withheld == []
        GONE.clear()  # the server tells the truth from now on
        if seen_alive == "shared again":
            await share_with(laptop, tom, role="annotate")
            await tom.sync(strict=True)
            await tom.notes.add("ana/Personal", "note 4 after the lie")
            await tom.sync(strict=True)
        else:
            await laptop.shares.fingerprint("tom")  # the server answers: the account exists
        reports = [await laptop.sync() for _ in range(2)]
        for report in reports:
            assert [(g.author, g.missing) for g in report.withheld] == [missing], report.lines()
            assert report.erased == []
    finally:
        await laptop.close()
