"""NU39's findings 2, 3 and 5 (a new user's walkthrough), each with the commands that showed
it (real `tj` against a real server on loopback, real crypto).

- #2: `tj search` found a Chinese or Japanese word only at the start of a run of CJK
  characters ("今天"), never in the middle of one ("公园" in "我去了公园。").
- #3: `tj sync` said "nothing new" (and `--json` held no news) when it brought a journal
  created, renamed or archived on another device.
- #5: tables measured CJK and emoji cells in characters, not terminal cells: "睡眠, 😀" cut
  to "睡眠…" in a 68-column `tj list`, "Night dreams 🌙" and a check-in's "By the river 🌳"
  wrapped, `tj search`'s match wrapped, and its title lost the emoji that matched.
"""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len
from rich.text import Text

from cli.tables import ID, Column, cut_to, fitted
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
    await laptop.ok("sync")  # told once of the phone's sign-in after the signup (nu86 F6)
    await laptop.ok("journal", "create", "Work")
    assert (await phone.ok("sync")).stdout.strip() == "new journal Work"
    await laptop.ok("journal", "rename", "Work", "Work stuff")
    synced = await phone.json("sync")
    assert [(n["kind"], n["what"], n["journal"], n["renamed_from"]) for n in synced["news"]] == [
        ("journal", "renamed", "Work stuff", "Work")
    ]
    assert [n["from"] for n in synced["news"]] == [None]  # NU40 #5: not "" (device unknown)
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


async def test_tables_measure_cjk_and_emoji_in_terminal_cells(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    wide = {"COLUMNS": "68"}
    await ana.ok("write", "--tag", "睡眠", "--tag", "😀", "--title", "Emoji day 😀", "标签测试")
    listed = (await ana.ok("list", "--tag", "睡眠", env=wide)).stdout
    assert "睡眠, 😀" in listed, listed
    found = (await ana.ok("search", "😀", env=wide)).stdout
    assert "Emoji day 😀" in found, found
    found = (await ana.ok("search", "测试", env=wide)).stdout
    assert "标签测试" in found, found

    await ana.ok("journal", "create", "Night dreams 🌙")
    journals = (await ana.ok("journal", "list", env=wide)).stdout
    assert "Night dreams 🌙" in journals, journals
    goal = (await ana.ok("goal", "add", "Walk", "--measure", "3 sessions")).stdout.strip()
    await ana.ok("goal", "checkin", goal[:8], "--note", "By the river 🌳")
    shown = (await ana.ok("goal", "show", goal[:8], env=wide)).stdout
    assert "By the river 🌳" in shown, shown


def test_a_styled_cell_is_cut_as_a_plain_one_never_inside_a_character() -> None:
    """`tj search`'s title is styled (its match highlighted): cut as `cut_to` cuts a plain
    title, by grapheme clusters in terminal cells, its styles kept."""
    title = "Nuit à Zürich 🇯🇵 e\u0301t\u00e9 👍🏽 [bold]睡眠😀[/] and more words after it"
    for width in range(21, 60):
        table = fitted(
            [ID, Column("title", cut=True)], [("abc", Text.from_markup(title))], width=width
        )
        assert table.styled is not None
        cell = table.styled[0][1]
        assert cell is not None and table.widths[1] is not None
        assert cell.plain == cut_to(Text.from_markup(title).plain, table.widths[1]), width
        assert cell_len(cell.plain) <= table.widths[1]
