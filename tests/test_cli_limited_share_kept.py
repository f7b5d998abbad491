"""`tj share J member --role/--until` after a field-level share ended never shares the whole
journal by default (R22 F1/F2 follow-up): the CLI says to choose --full or --only (real
server on loopback, CliRunner)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.test_cli import Device, failed_with_one_line


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


async def test_sharing_again_after_unsharing_a_mood_only_share_asks_for_full_or_only(
    ana: Device, tom: Device
) -> None:
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok("share", "Personal", "tom", "--only", "mood", *fingerprint)
    await ana.ok("write", "--mood", "4", "Private: nobody knows about the drinking.")
    await ana.ok("unshare", "Personal", "tom")

    refused = await ana.tj("share", "Personal", "tom", "--role", "annotate", *fingerprint)
    line = failed_with_one_line(refused)
    assert "tom read only the mood of 'Personal'" in line
    assert "nothing was changed" in line and "tj share --full" in line
    assert "tj share --only" in line
    assert [s for s in await ana.json("shares") if not s["expired"]] == []

    await ana.ok("share", "Personal", "tom", "--only", "mood", *fingerprint)
    [again] = await ana.json("shares")
    assert (again["fields"], again["source"]) == (["mood"], "Personal")
    await tom.ok("sync")
    assert "drinking" not in (await tom.ok("list")).stdout
