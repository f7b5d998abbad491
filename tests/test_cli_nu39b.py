"""NU39's findings 2, 3 and 5 (a new user's walkthrough), each with the commands that showed
it (real `tj` against a real server on loopback, real crypto).

- #2: `tj search` found a Chinese or Japanese word only at the start of a run of CJK
  characters ("今天"), never in the middle of one ("公园" in "我去了公园。").
- #3: `tj sync` said "nothing new" (and `--json` held no news) when it brought a journal
  created, renamed or archived on another device.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, Outage, laptop, outage, phone  # noqa: F401 (fixtures)
from tests.test_cli_insights import new_device


async def test_search_finds_a_cjk_word_in_the_middle_of_a_sentence(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    written = await ana.ok("write", "今天天气很好。我去了公园。東京に行きたい。明天再来。")
    tagged = await ana.ok("write", "--title", "标签测试", "Latin text.")
    for term, entry in (
        ("公园", written), ("天气", written), ("行きたい", written), ("今天", written),
        ("東京", written), ("测试", tagged),
    ):  # fmt: skip
        hits = await ana.json("search", term)
        assert [hit["entry"]["id"] for hit in hits] == [entry.stdout.strip()], term
    [hit] = await ana.json("search", "公园")
    assert [hit["snippet"][a:b] for a, b in hit["highlights"]] == ["公园"]
    shown = await ana.ok("search", "公园", env={"COLUMNS": "100"})
    assert "我去了公园" in shown.stdout.replace("\n", "").replace(" ", "")
    missed = await ana.tj("search", "公園x")
    assert "No entries match" in missed.stderr


async def test_sync_tells_journals_another_device_created_renamed_or_archived(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
) -> None:
    await laptop.ok("journal", "create", "Work")
    assert (await phone.ok("sync")).stdout.strip() == "new journal Work"
    await laptop.ok("journal", "rename", "Work", "Work stuff")
    synced = await phone.json("sync")
    assert [(n["kind"], n["change"], n["journal"], n["renamed_from"]) for n in synced["news"]] == [
        ("journal", "renamed", "Work stuff", "Work")
    ]
    assert (await phone.ok("sync")).stdout.strip() == "nothing new"  # told once
    await laptop.ok("journal", "archive", "Work stuff")
    await laptop.ok("write", "--journal", "Personal", "From the laptop.")
    said = (await phone.ok("sync")).stdout.strip()
    assert said == "journal Work stuff archived, 1 new entry from laptop", said
    await laptop.ok("journal", "unarchive", "Work stuff")
    assert (await phone.ok("sync")).stdout.strip() == "journal Work stuff unarchived"

    # this device's own changes are not news to it, online or made offline
    await phone.ok("journal", "rename", "Work stuff", "Work")
    assert (await phone.ok("sync")).stdout.strip() == "nothing new"
    await outage.begin()
    await phone.ok("journal", "create", "Dreams")
    await outage.end()
    assert (await phone.json("sync"))["news"] == []
    said = (await laptop.ok("sync")).stdout.strip()
    assert said == "new journal Dreams, journal Work renamed (from Work stuff)", said
