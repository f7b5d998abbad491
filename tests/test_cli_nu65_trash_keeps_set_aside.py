"""Emptying the trash keeps an entry with a change the server refused for good (its words are
on no other device), and says so with the steps that keep and drop it: a set-aside change is
never listed without its words. Real server on loopback with a small storage quota, real
crypto, CliRunner."""

from __future__ import annotations

import dataclasses
import secrets

import pytest

from server.service import Settings
from tests.conftest import TEST_SETTINGS
from tests.test_cli import Device, laptop

__all__ = ["laptop"]  # fixtures

WORDS = secrets.token_urlsafe(60_000)  # 80,000 characters, about 60 KB compressed: over quota


@pytest.fixture
def server_settings() -> Settings:
    return dataclasses.replace(TEST_SETTINGS, max_stored_bytes=48 * 1024)


async def test_emptying_the_trash_keeps_an_entry_set_aside_and_says_why(laptop: Device) -> None:
    wrote = await laptop.tj("write", input=WORDS)  # refused by the quota: set aside
    assert wrote.exit_code == 4 and "storage quota" in wrote.stderr, wrote.output
    [change] = await laptop.json("set-aside", "list")
    assert change["code"] == "storage_quota_exceeded" and change["text"] == WORDS
    trashed = await laptop.tj("delete", change["doc_id"], "--yes")  # set aside behind it
    assert trashed.exit_code == 4, trashed.output
    emptied = await laptop.ok("trash", "empty", "--yes")
    said = " ".join(emptied.stderr.split())
    assert "Deleted 0 entries for good" in said, emptied.stderr
    assert (
        "1 entry stayed in the trash: it has a change the server refused for good (set aside), "
        "whose words are on no other device. Keep them (`tj set-aside list --json > "
        "refused.json`), drop them (`tj set-aside drop ID`), then empty the trash again."
    ) in said
    assert {c["text"] for c in await laptop.json("set-aside", "list")} == {WORDS}
