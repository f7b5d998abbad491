"""rev31b F1: `tj share J tom --role annotate --safety-flags` asks "Share all of J with tom?"
whenever the share signed would give tom what he does not read now, judged on the chain the
share is signed on (`NotReadingNow`, after the grant's sync), not on the chain the last sync
left: a phone that has not synced since the laptop ended tom's share by its end date, or one
whose server withheld that end date at its last sync, asks and renews nothing unasked; asked
before on this device's chains, it is asked once (real server on 127.0.0.1)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from client_sdk import wire
from tests.client.hostile import HostileServer, hostile  # noqa: F401
from tests.client.test_fix31f_flags_renewal import move_clocks
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device

OPT_IN = ("--role", "annotate", "--safety-flags")
DAY_MS = 86_400_000
QUESTION = "Share all of Personal with tom?"
PRIVATE = "Written after tom's share ended: private."


async def ended_on_the_laptop(
    live_server: RunningServer, monkeypatch: pytest.MonkeyPatch, ana: Device
) -> None:
    """The laptop gives tom an end date in 2 days; 5 days on, it writes and syncs."""
    until = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    await ana.ok("share", "Personal", "tom", "--until", until, "--yes")
    move_clocks(live_server, monkeypatch, 5 * DAY_MS)
    await ana.ok("write", PRIVATE)
    await ana.ok("sync")


async def tom_reads(tom: Device) -> str:
    await tom.ok("sync")
    return (await tom.tj("list", "--journal", "ana/Personal", "--json")).stdout


async def test_a_phone_behind_asks_before_renewing_an_ended_share_with_safety_flags(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    tom = await new_device(live_server, tmp_path, "tom")
    fp = tom.signup["fingerprint"]
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    await ana.ok("write", "Shared once.")
    await ana.ok("share", "Personal", "tom", "--role", "annotate", "--fingerprint", fp)
    await tom.ok("sync")
    await phone.ok("sync")  # the phone's chain: tom reads Personal, no end date
    await ended_on_the_laptop(live_server, monkeypatch, ana)

    refused = await phone.tj("share", "Personal", "tom", *OPT_IN, "--fingerprint", fp, input="")
    said = " ".join(refused.stderr.split())
    assert refused.exit_code != 0, said
    assert "does not read Personal now (their share of it ended)" in said, said
    assert QUESTION in said, said
    assert PRIVATE not in await tom_reads(tom)
    [theirs] = [s for s in await ana.json("shares") if s["member"] == "tom"]
    assert theirs["expired"] and not theirs["safety_flags"], theirs

    agreed = await phone.tj("share", "Personal", "tom", *OPT_IN, "--fingerprint", fp, input="y\n")
    said = " ".join(agreed.stderr.split())
    assert agreed.exit_code == 0, said
    assert said.count(QUESTION) == 1, said
    assert PRIVATE in await tom_reads(tom)


async def test_asked_on_this_devices_chain_it_is_asked_once(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The laptop's chain is current: asked before the share (`not_reading_now`), and the
    SDK's NotReadingNow after its sync is that same question, not asked again."""
    ana = await new_device(live_server, tmp_path, "ana")
    tom = await new_device(live_server, tmp_path, "tom")
    fp = tom.signup["fingerprint"]
    await ana.ok("share", "Personal", "tom", "--role", "annotate", "--fingerprint", fp)
    await tom.ok("sync")
    await ended_on_the_laptop(live_server, monkeypatch, ana)
    agreed = await ana.tj("share", "Personal", "tom", *OPT_IN, input="y\n")
    said = " ".join(agreed.stderr.split())
    assert agreed.exit_code == 0, said
    assert said.count(QUESTION) == 1, said
    [theirs] = [s for s in await ana.json("shares") if s["member"] == "tom"]
    assert not theirs["expired"] and theirs["safety_flags"], theirs


async def test_hostile_server_withholding_the_end_date_at_the_phones_sync_gets_no_renewal(
    live_server: RunningServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    hostile: HostileServer,  # noqa: F811
) -> None:
    """The server serves the phone the chain it had verified (without the laptop's end date)
    at the sync it runs right before the share, then honestly at the grant's own sync: the
    share is refused on the chain it would be signed on, with the question."""
    ana = await new_device(live_server, tmp_path, "ana")
    tom = await new_device(live_server, tmp_path, "tom")
    fp = tom.signup["fingerprint"]
    phone = Device(tmp_path / "ana-phone", hostile.url)
    await phone.ok("login", hostile.url, "ana", "--device-name", "phone")
    await ana.ok("share", "Personal", "tom", "--role", "annotate", "--fingerprint", fp)
    await phone.ok("sync")
    listed = hostile.replies_to("/v1/journals/list")[-1]
    old = {j.journal_id: j for j in wire.decode(wire.JournalList, listed).journals}
    access = hostile.replies_to("/v1/journals/access")[-1]
    lengths = {c.journal_id: len(c.entries) for c in wire.decode(wire.AccessReply, access).chains}

    def cut_access(_: bytes, reply: bytes) -> bytes:
        chains = [
            dataclasses.replace(c, length=lengths[c.journal_id], entries=c.entries[: lengths[c.journal_id]])
            if c.journal_id in lengths
            else c
            for c in wire.decode(wire.AccessReply, reply).chains
        ]  # fmt: skip
        return wire.encode(wire.AccessReply(chains))

    def cut_list(_: bytes, reply: bytes) -> bytes:
        got = wire.decode(wire.JournalList, reply)
        journals = [old.get(j.journal_id, j) for j in got.journals]
        return wire.encode(dataclasses.replace(got, journals=journals))

    await ended_on_the_laptop(live_server, monkeypatch, ana)
    hostile.replies["/v1/journals/access"] = cut_access
    hostile.replies["/v1/journals/list"] = cut_list
    await phone.ok("sync")  # the server withholds the end date
    hostile.replies.pop("/v1/journals/access")
    hostile.replies.pop("/v1/journals/list")
    refused = await phone.tj("share", "Personal", "tom", *OPT_IN, "--fingerprint", fp, input="")
    said = " ".join(refused.stderr.split())
    assert refused.exit_code != 0, said
    assert QUESTION in said, said
    [theirs] = [s for s in await ana.json("shares") if s["member"] == "tom"]
    assert theirs["expired"] and not theirs["safety_flags"], theirs
