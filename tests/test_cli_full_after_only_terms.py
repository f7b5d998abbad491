"""A whole-journal share that replaces a field-level one (`tj share J M --full` after `--only
mood,tags --until tomorrow`, given no --until) keeps that share's end date, as changing what is
shared never silently lifts one: the command now says so plainly, with the command for no end
date, where the kept date was only in the long confirmation (real server on loopback,
CliRunner)."""

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


async def test_a_whole_share_after_a_field_level_one_says_it_kept_the_end_date(
    ana: Device, tom: Device
) -> None:
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok("share", "Personal", "tom", "--full", *fingerprint)
    await ana.ok("unshare", "Personal", "tom", "--yes")
    await ana.ok(
        "share", "Personal", "tom", "--only", "mood,tags", "--until", "tomorrow", *fingerprint
    )
    shared = await ana.ok("share", "Personal", "tom", "--full", "--role", "annotate", "--yes")
    said = " ".join((shared.stdout + shared.stderr).split())
    assert "The end date, " in said, said
    assert (
        "is the one tom's share of 'Personal (mood, tags) for tom' had (no --until was given)"
        in said
    )
    assert f"for no end date, run `{ana.command} share Personal tom --until never`" in said
    assert "The role" not in said  # given: nothing kept
    [whole] = [s for s in await ana.json("shares") if s["fields"] is None and not s["expired"]]
    assert whole["expires_at"] is not None
    await ana.ok("share", "Personal", "tom", "--until", "never", "--yes")
    [whole] = [s for s in await ana.json("shares") if s["fields"] is None and not s["expired"]]
    assert whole["expires_at"] is None


async def test_the_json_of_such_a_share_names_what_it_kept(ana: Device, tom: Device) -> None:
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok("share", "Personal", "tom", "--only", "mood", "--until", "tomorrow", *fingerprint)
    shared = await ana.json("share", "Personal", "tom", "--full", "--yes")
    assert (shared["kept_terms"], shared["kept_from"]) == (
        ["role", "end date"],
        "Personal (mood) for tom",
    )
    again = await ana.json("share", "Personal", "tom", "--role", "annotate", "--yes")
    assert again["kept_terms"] == []
