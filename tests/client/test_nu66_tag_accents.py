"""`tj list --tag cafe` found nothing for the tag "Café" while `tj search cafe` found the
entry: a tag filter folded case but not accents (NU66 F13). Now every tag filter matches as
search does (`search.tag_key`): by the store's index (a `limit`), without it, and in search."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ClientFactory, RunningServer
from tests.test_cli_insights import new_device


async def test_a_tag_filter_ignores_accents_as_search_does(signup: ClientFactory) -> None:
    ana = await signup("ana")
    cafe = await ana.entries.write("Personal", "Réunion au café avec Zoë.", tags=["Café"])
    await ana.entries.write("Personal", "Tea.", tags=["tea"])
    for asked in ("cafe", "CAFE", "café", " Café ", ["nope", "cafe"]):
        assert [e.id for e in await ana.entries.list(tag=asked)] == [cafe.id], asked
        paged = await ana.entries.list_results(tag=asked, limit=5)  # the index's query
        assert ([e.id for e in paged.entries], paged.total) == ([cafe.id], 1), asked
        assert [h.entry.id for h in await ana.entries.search("avec", tag=asked)] == [cafe.id]
    assert await ana.entries.list(tag="caff") == []
    assert (await ana.entries.list_results(tag="caf", limit=5)).total == 0  # whole tags only


async def test_tj_list_tag_cafe_lists_the_cafe_entry(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("write", "--tag", "Café", "Réunion au café avec Zoë.")
    listed = await ana.json("list", "--tag", "cafe")
    assert [e["tags"] for e in listed] == [["Café"]]
    shown = (await ana.ok("list", "--tag", "cafe")).stdout
    assert "Café" in shown and "No entries match" not in shown
