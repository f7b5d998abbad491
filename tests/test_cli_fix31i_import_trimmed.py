"""An import file whose journal name is an id start of this device's Personal with a space
before it (" 5A2768") is made trimmed, as `tj journal create` makes it, and named apart as
fix31e's id_starts does ("5A2768 (imported)"): Personal's id start still names Personal
(rev31d F4: the name was made untrimmed and escaped the check)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, laptop  # noqa: F401
from tests.test_cli_insights import new_device


async def test_an_imported_name_with_a_space_is_trimmed_and_named_apart(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    mia = await new_device(live_server, tmp_path, "mia")
    [personal] = await mia.json("journal", "list")
    start = personal["id"][:6]
    await laptop.ok("journal", "create", "Zzz")
    await laptop.ok("write", "--journal", "Zzz", "A hard week.")
    path = Path((await laptop.ok("export", "--out", str(tmp_path / "out"))).stdout.strip())
    data = json.loads(path.read_text())
    for journal in data["journals"]:
        if journal["name"] == "Zzz":
            journal["name"] = " " + start.upper()
    path.write_text(json.dumps(data))
    report = await mia.json("import", str(path))
    assert report["id_starts"] == [" " + start.upper()], report
    names = {j["name"] for j in await mia.json("journal", "list")}
    assert all(n == n.strip() for n in names), names
    assert await mia.json("list", "--journal", start) == []  # Personal's id's start: Personal
