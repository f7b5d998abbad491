"""NU47 #7, #8: a therapist exports one client's records (`tj export --client`, `--journal`),
not every client's, in JSON and Markdown; the notice of a share that ended names that
command. Real server on loopback, real crypto; CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, laptop, phone  # noqa: F401 (fixtures)
from tests.test_cli_insights import new_device


def said(text: str) -> str:
    return " ".join(text.split())


async def clients_of(live_server: RunningServer, tmp_path: Path) -> tuple[Device, Device]:
    """drsmith with two clients: ana (Personal, and Dreams whose share she ended) and bob."""
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    ana = await new_device(live_server, tmp_path, "ana")
    bob = await new_device(live_server, tmp_path, "bob")
    await ana.ok("write", "--mood", "4", "Ana's day.")
    await ana.ok("journal", "create", "Dreams")
    await ana.ok("write", "--journal", "Dreams", "Ana's dream.")
    await bob.ok("write", "Bob's day.")
    for client in (ana, bob):
        await client.ok("share", "Personal", "drsmith", "--full", "--trust-on-first-use")
    await ana.ok("share", "Dreams", "drsmith", "--full", "--trust-on-first-use")
    await drsmith.ok("sync")
    await ana.ok("unshare", "Dreams", "drsmith", "--yes")
    return drsmith, ana


async def test_one_clients_journals_are_exported_alone_in_json_and_markdown(
    live_server: RunningServer, tmp_path: Path
) -> None:
    drsmith, _ = await clients_of(live_server, tmp_path)
    ended = await drsmith.ok("sync")
    # the kept copy's commands, and its files, name ana's account (REV-S9B S9B-1, S9B-2)
    [dreams] = [j for j in await drsmith.json("journal", "list") if j["name"] == "ana/Dreams"]
    label = f"ana (account {dreams['owner_id'][:8]})"
    assert f"(keep what you need first: `tj export --client '{label}' --out DIR`)." in said(
        ended.stderr
    ), ended.stderr

    done = await drsmith.ok("export", "--client", "ana", "--out", str(tmp_path / "ana"))
    data = json.loads(Path(done.stdout.strip()).read_text())
    # the files name the kept copy as every view does, beside its share_ended (NU59 #6)
    # the server's word alone: "unlisted", as `tj list --json` says it (NU64 F8)
    assert sorted((j["name"], j["share_ended"], j["unlisted"]) for j in data["journals"]) == [
        ("ana/Dreams", False, True),
        ("ana/Personal", False, False),
    ]
    assert sorted(e["body"] for e in data["entries"]) == ["Ana's day.", "Ana's dream."]
    assert said(done.stderr) == (
        f"Exported 2 entries from 2 journals (ana/Personal, ana/Dreams (no longer served)) to "
        f"{done.stdout.strip()}."
    )

    one = await drsmith.ok("export", "--journal", "bob/Personal", "--out", str(tmp_path / "b"))
    data = json.loads(Path(one.stdout.strip()).read_text())
    assert [e["body"] for e in data["entries"]] == ["Bob's day."]
    assert "from 1 journal (bob/Personal) to" in said(one.stderr)

    both = await drsmith.json(
        "export", "--journal", "bob/Personal", "--client", "ana", "--out", str(tmp_path / "c")
    )
    data = json.loads(Path(both["files"][0]).read_text())
    assert len(data["journals"]) == 3

    markdown = tmp_path / "md"
    wrote = await drsmith.ok("export", "--format", "markdown", "--client", "ana", "--out",
                             str(markdown))  # fmt: skip
    assert said(wrote.stderr) == (
        "Wrote 2 Markdown files of 2 journals (ana/Personal, ana/Dreams (no longer served)) under "
        f"{markdown}."
    )
    bodies = sorted(p.read_text() for p in markdown.rglob("*.md"))
    assert len(bodies) == 2 and not any("Bob's day." in b for b in bodies)

    everything = await drsmith.ok("export", "--out", str(tmp_path / "all"))  # as before
    assert "from 4 journals to" in said(everything.stderr)  # drsmith's own Personal too

    unknown = await drsmith.tj("export", "--client", "carla", "--out", str(tmp_path / "x"))
    assert unknown.exit_code != 0 and "no journal of 'carla' on this device" in unknown.stderr
    own = await drsmith.tj("export", "--client", "drsmith", "--out", str(tmp_path / "x"))
    assert own.exit_code != 0 and "drsmith is you" in own.stderr
    assert not (tmp_path / "x").exists()


async def test_markdown_folders_keep_usernames_one_slug_would_merge_apart(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU47 #8: ana-b's Personal went to "ana-b-personal" and ana.b's to "ana-b-personal-2"
    (which one got "-2" hung on the order). A folder per client, named by the username."""
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await drsmith.ok("journal", "create", "Ana B")  # the therapist's own: no client's folder
    await drsmith.ok("write", "--journal", "Ana B", "My own notes.")
    for name in ("ana.b", "ana-b"):
        client = await new_device(live_server, tmp_path, name)
        await client.ok("write", f"Written by {name}.")
        await client.ok("share", "Personal", "drsmith", "--full", "--trust-on-first-use")
    await drsmith.ok("sync")

    markdown = tmp_path / "md"
    await drsmith.ok("export", "--format", "markdown", "--out", str(markdown))
    found = {
        p.relative_to(markdown).parent.as_posix(): p.read_text() for p in markdown.rglob("*.md")
    }
    assert set(found) == {"ana.b/personal", "ana-b/personal", "ana-b-2"}, found
    assert "Written by ana.b." in found["ana.b/personal"]
    assert 'journal: "ana.b/Personal"' in found["ana.b/personal"]
    assert "Written by ana-b." in found["ana-b/personal"]
    assert "My own notes." in found["ana-b-2"]


async def test_export_json_carries_the_counts_and_the_journals_it_covered(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    """NU72 F8: `tj export --json` gave only the file names, while the text said "Exported 3
    entries, ... from 2 journals". Now it carries those counts and which journals it covered,
    a gone journal's read-only copy said as one."""
    await laptop.ok("write", "Kept.")
    trashed = (await laptop.ok("write", "Thrown away.")).stdout.split()[0]
    await laptop.ok("delete", trashed, "--yes")
    await laptop.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,0")
    await laptop.ok("journal", "create", "Dreams")
    await laptop.ok("write", "--journal", "Dreams", "Flying again")
    await laptop.ok("sync")
    await phone.ok("sync")
    await phone.ok("journal", "delete", "Dreams", "--yes")
    await laptop.ok("sync")
    text = await laptop.ok("export", "--out", str(tmp_path / "text"))
    assert "Exported 3 entries (1 in the trash) and 1 questionnaire result from 2 journals" in (
        " ".join(text.stderr.split())
    ), text.stderr
    done = await laptop.json("export", "--out", str(tmp_path / "out"))
    assert done["counts"] == {
        "journals": 2,
        "entries": 3,
        "entries_in_trash": 1,
        "goals": 0,
        "notes": 0,
        "results": 1,
        "homework": 0,
        "assignments": 0,
        "safety_plans": 0,
        "safety_flags": 0,
        "private_notes": 0,
    }
    journals = {j["name"]: j for j in done["journals"]}
    assert set(journals) == {"Personal", "Dreams"}
    assert journals["Dreams"]["read_only_copy"] and journals["Dreams"]["own"]
    assert not journals["Personal"]["read_only_copy"] and journals["Personal"]["own"]
    data = json.loads(Path(done["files"][0]).read_text())
    assert [j["id"] for j in done["journals"]] == [j["id"] for j in data["journals"]]
    # fix30e item 5: the Markdown export's --json carries the same counts and journals
    markdown = await laptop.json("export", "--format", "markdown", "--out", str(tmp_path / "md"))
    assert markdown["format"] == "markdown"
    assert markdown["counts"] == done["counts"], markdown
    assert markdown["journals"] == done["journals"], markdown
    assert len(markdown["files"]) >= 3, markdown["files"]  # an entry's file each, and more
