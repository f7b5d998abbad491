"""fix31e item 2: a restore made the file's journal under its own name even where that name,
hex digits, starts the id of a journal on this device (`tj journal create` refuses such a
name since fix31d: it names neither journal wherever typed). Now the import names it as it
names a journal whose name is taken, "NAME (imported)", and says why, in text and --json.
Real server on loopback, real crypto; CliRunner."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, laptop  # noqa: F401
from tests.test_cli_insights import new_device


def said(text: str) -> str:
    return " ".join(text.split())


async def test_a_restored_journal_named_as_an_id_starts_is_named_apart(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    mia = await new_device(live_server, tmp_path, "mia")
    [personal] = await mia.json("journal", "list")
    start = personal["id"][:6]  # what mia's Personal's id starts with
    await laptop.ok("journal", "create", start)  # laptop holds no journal whose id starts so
    await laptop.ok("write", "--journal", start, "A hard week.")
    path = (await laptop.ok("export", "--out", str(tmp_path / "out"))).stdout.strip()

    report = await mia.json("import", path)
    renamed = f"{start} (imported)"
    assert report["imported_as"] == {start: renamed}, report
    assert report["id_starts"] == [start], report
    assert renamed in report["created_journals"] and start not in report["created_journals"]
    names = {j["name"] for j in await mia.json("journal", "list")}
    assert renamed in names and start not in names, names
    [entry] = await mia.json("list", "--journal", renamed)
    assert entry["body"] == "A hard week.", entry
    assert await mia.json("list", "--journal", start) == []  # Personal's id's start: Personal

    other = await new_device(live_server, tmp_path, "ola")
    [theirs] = await other.json("journal", "list")
    await laptop.ok("journal", "create", theirs["id"][:6])
    path = (await laptop.ok("export", "--out", str(tmp_path / "out2"))).stdout.strip()
    told = said((await other.ok("import", path)).stdout)
    assert (
        f"the file's '{theirs['id'][:6]}' went into a new journal, '{theirs['id'][:6]} "
        f"(imported)': '{theirs['id'][:6]}' starts the id of a journal on this device, so as "
        "a name it would name neither journal wherever you typed it"
    ) in told, told
