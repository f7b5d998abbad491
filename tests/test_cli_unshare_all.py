"""`tj unshare` ends every way a journal reaches a member, and the single-item journal kept for a
therapist is one journal, found by the name the client sees (real server on loopback, CliRunner).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.test_cli import Device


@pytest.fixture
async def ana(live_server: RunningServer, tmp_path: Path) -> Device:
    device = Device(tmp_path / "ana", live_server.url)
    device.signup = await device.json("signup", live_server.url, "ana")
    return device


@pytest.fixture
async def tom(live_server: RunningServer, tmp_path: Path) -> Device:
    device = Device(tmp_path / "tom", live_server.url)
    device.signup = await device.json("signup", live_server.url, "tom")
    return device


async def test_unshare_a_journal_also_ends_its_field_level_copies_for_that_member(
    ana: Device, tom: Device
) -> None:
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok("share", "Personal", "tom", "--only", "mood,tags", *fingerprint)
    await ana.ok("share", "Personal", "tom", "--full", *fingerprint)  # the whole journal as well
    await ana.ok("write", "--mood", "4", "--tag", "work", "Before the end.")
    await ana.ok("sync")
    await tom.ok("sync")
    assert {e["mood"] for e in await tom.json("list")} == {4}

    ended = await ana.ok("unshare", "Personal", "tom")
    said = " ".join(ended.stderr.split())
    assert "Personal (mood, tags) for tom" in said
    assert "stays private" in said
    assert await ana.json("shares") == []

    await ana.ok("write", "--mood", "9", "--tag", "secret", "After the end.")
    await ana.ok("sync")
    await tom.ok("sync")
    seen = await tom.json("list")
    assert 9 not in {e["mood"] for e in seen}
    assert "After the end." not in str(seen) and "secret" not in str(seen)


async def test_unshare_ends_a_field_level_share_by_the_source_journals_name(
    ana: Device, tom: Device
) -> None:
    await ana.ok("share", "Personal", "tom", "--only", "mood", "--trust-on-first-use")
    ended = await ana.ok("unshare", "Personal", "tom")
    assert "Personal (mood) for tom" in " ".join(ended.stderr.split())
    assert await ana.json("shares") == []
    await ana.ok("write", "--mood", "8", "Private again.")
    await ana.ok("sync")
    await tom.ok("sync")
    assert await tom.json("list") == []


async def test_one_entry_and_one_result_share_one_journal_that_unshare_finds_by_name(
    ana: Device, tom: Device
) -> None:
    entry_id = (await ana.ok("write", "--mood", "2", "A hard day.")).stdout.strip()
    taken = await ana.json("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0")
    await ana.ok("share-entry", entry_id[:8], "tom", "--trust-on-first-use")
    shared = await ana.json("measure", "share", taken["id"][:8], "tom")
    assert shared["journal"] == "Shared with tom"
    listed = await ana.json("shares")
    assert [s["journal"] for s in listed] == ["Shared with tom"]

    await ana.ok("unshare", "Shared with tom", "tom")
    assert await ana.json("shares") == []
    await tom.ok("sync")
    assert await tom.json("shared-with-me") == []
