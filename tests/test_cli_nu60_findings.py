"""Findings of a new user's review of `tj` (NU60), each through a real `tj` against a real
server on loopback: `tj export` of a name a share still on and the copy of an ended one
both bear, the Markdown export's folder and front matter of such a copy, and the words of
`tj forget` and `tj shared-with-me` for it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, laptop, phone  # noqa: F401 (fixtures)
from tests.test_cli_insights import new_device
from tests.test_cli_nu56_findings import flat
from tests.test_cli_nu59_findings import shared_then_left


async def dreams_twice(server: RunningServer, tmp_path: Path) -> tuple[Device, Device, str, str]:
    """ana shares "Dreams" with drjones, who leaves it; ana deletes it, makes another
    "Dreams" and shares that: drjones holds the left copy and the share still on, both
    "ana/Dreams". Returns ana, drjones, the copy's id and the current one's."""
    ana = await new_device(server, tmp_path, "ana")
    drjones = await new_device(server, tmp_path, "drjones")
    await ana.ok("journal", "create", "Dreams")
    await ana.ok("write", "--journal", "Dreams", "Flying again.")
    await shared_then_left(ana, drjones, "Dreams")
    await ana.ok("journal", "delete", "Dreams", input="Dreams\n")
    await ana.ok("journal", "create", "Dreams")
    await ana.ok("write", "--journal", "Dreams", "Falling dream.")
    await ana.ok("share", "Dreams", "drjones", "--full", "--trust-on-first-use")
    await drjones.ok("sync")
    listed = await drjones.json("shared-with-me")
    [old_id] = [j["journal_id"] for j in listed if j["share_ended"]]
    [new_id] = [j["journal_id"] for j in listed if not j["share_ended"]]
    return ana, drjones, old_id, new_id


async def test_export_of_a_name_two_journals_bear_is_refused_and_an_id_exports_that_one(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj export --journal ana/Dreams` exported the share still on without a word where
    the left copy bears the name too: refused, listing both ids, as `tj forget` does; by
    id, each is exported alone."""
    _, drjones, old_id, new_id = await dreams_twice(live_server, tmp_path)
    refused = await drjones.tj("export", "--journal", "ana/Dreams", "--out", str(tmp_path / "x"))
    said = flat(refused.stderr)
    assert refused.exit_code != 0, said
    assert "2 journals are named" in said, said
    assert old_id[:12] in said and new_id[:12] in said and "(a read-only copy)" in said, said
    assert not (tmp_path / "x").exists() or not any((tmp_path / "x").iterdir())
    for journal_id, body in ((old_id, "Flying again."), (new_id, "Falling dream.")):
        out = tmp_path / journal_id
        done = await drjones.ok("export", "--journal", journal_id[:12], "--out", str(out))
        data = json.loads(Path(done.stdout.strip()).read_text())
        assert [j["id"] for j in data["journals"]] == [journal_id], data["journals"]
        assert [e["body"] for e in data["entries"]] == [body], data["entries"]


async def test_export_journal_and_client_add_up_and_the_help_says_so(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`--client ana --journal NAME` exports ana's journals and NAME, while both options'
    help said "Only ...": the help says they add up."""
    ana = await new_device(live_server, tmp_path, "ana")
    drjones = await new_device(live_server, tmp_path, "drjones")
    await ana.ok("write", "Monday.")
    await ana.ok("share", "Personal", "drjones", "--full", "--trust-on-first-use")
    await drjones.ok("journal", "create", "Notes")
    await drjones.ok("write", "--journal", "Notes", "Own notes.")
    done = await drjones.ok(
        "export", "--client", "ana", "--journal", "Notes", "--out", str(tmp_path / "j")
    )
    data = json.loads(Path(done.stdout.strip()).read_text())
    assert sorted(j["name"] for j in data["journals"]) == ["Notes", "ana/Personal"]
    helped = flat((await drjones.ok("export", "--help")).stdout)
    assert "Only" not in helped, helped
    assert "with --client, this one too" in helped, helped
    assert "with --journal, those too" in helped, helped


async def test_the_markdown_export_tells_the_ended_copy_apart_by_folder_and_front_matter(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """Two folders "dreams" and "dreams-2", both files saying `journal: "ana/Dreams"`: the
    copy's folder is "dreams (share ended)", its files say `share_ended: true`, and every
    file gives its journal's id."""
    _, drjones, old_id, new_id = await dreams_twice(live_server, tmp_path)
    out = tmp_path / "md"
    await drjones.ok("export", "--format", "markdown", "--out", str(out))
    folders = sorted(p.name for p in (out / "ana").iterdir())
    assert folders == ["dreams", "dreams (share ended)"], folders
    [ended] = [p.read_text() for p in (out / "ana" / "dreams (share ended)").glob("*.md")]
    [current] = [p.read_text() for p in (out / "ana" / "dreams").glob("*.md")]
    assert f'journal_id: "{old_id}"' in ended and "share_ended: true" in ended, ended
    assert f'journal_id: "{new_id}"' in current and "share_ended" not in current, current


async def test_forget_by_id_says_which_copy_it_discarded_when_another_bears_its_name(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj forget ID --yes` said "Discarded the copy of ana/Dreams" while another ana/Dreams
    stays: it says which, "(share ended, id ...)"."""
    _, drjones, old_id, _ = await dreams_twice(live_server, tmp_path)
    said = flat((await drjones.ok("forget", old_id[:8], "--yes")).output)
    assert f"Discarded the copy of ana/Dreams (share ended, id {old_id[:12]}) from" in said, said


async def test_the_earlier_line_says_a_share_told_by_another_command_was_left_since(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj sync` after `tj leave ana/Personal` still said "ana shared 'Personal' with you"
    in its "Earlier ..." line (another command's sync had fetched the share): it adds
    "(you left it since)"."""
    ana = await new_device(live_server, tmp_path, "ana")
    drjones = await new_device(live_server, tmp_path, "drjones")
    await ana.ok("write", "Monday.")
    await ana.ok("share", "Personal", "drjones", "--full", "--trust-on-first-use")
    await drjones.ok("list")  # its quick sync fetches the share, not told by `tj sync` yet
    await drjones.ok("leave", "ana/Personal", "--yes")
    said = flat((await drjones.ok("sync")).output)
    assert "ana shared 'Personal' with you (" in said, said
    assert ") (you left it since)" in said, said


async def test_an_edit_names_the_title_its_own_sync_left(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    """`tj edit ID --mood 2` said "('Session 1') saved; synced." although its own sync had
    just brought the laptop's new title "Session one": it names the title as it now is."""
    entry = (await phone.ok("write", "--title", "Session 1", "Talked about sleep.")).stdout.strip()
    await laptop.ok("sync")
    await laptop.ok("edit", entry[:12], "--title", "Session one")
    said = flat((await phone.ok("edit", entry[:12], "--mood", "2")).output)
    assert "('Session one') saved; synced." in said, said
    [shown] = [e for e in await phone.json("list") if e["id"] == entry]
    assert (shown["title"], shown["mood"]) == ("Session one", 2), shown
