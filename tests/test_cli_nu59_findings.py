"""Findings of a new user's review of `tj` (NU59), each through a real `tj` against a real
server on loopback: the `tj forget` command of a left copy that a current share's name also
names, the caseload's words for a share the therapist left, `tj export`'s names of a left
copy, long journal names quoted in messages, a lost check-in's progress, and the reader's
account in `tj shares log --json`."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import (  # noqa: F401 (fixtures)
    Device,
    Outage,
    laptop,
    outage,
    phone,
)
from tests.test_cli_insights import new_device
from tests.test_cli_nu56_findings import flat


async def shared_then_left(ana: Device, drjones: Device, journal: str) -> None:
    """`ana` shares `journal` with `drjones`, who reads it, then leaves it."""
    await ana.ok("share", journal, "drjones", "--full", "--trust-on-first-use")
    await drjones.ok("sync")
    await drjones.ok("leave", f"ana/{journal}", "--yes")


async def test_the_forget_command_of_a_left_copy_names_it_and_a_shared_name_is_refused(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A therapist who left ana's "Dreams", which ana then deleted, made again and shared
    again: `tj shared-with-me` printed `tj forget 'ana (account ...)/Dreams'` for the left
    copy, and that name (like "ana/Dreams") reached the share still on, refused with "leave
    it first" (advice that would have left the current share). The printed command names
    the copy by its id and discards it; a name both bear is refused with both ids."""
    ana = await new_device(live_server, tmp_path, "ana")
    drjones = await new_device(live_server, tmp_path, "drjones")
    await ana.ok("journal", "create", "Dreams")
    await ana.ok("write", "--journal", "Dreams", "Flying again.")
    await shared_then_left(ana, drjones, "Dreams")
    old = [j for j in await drjones.json("shared-with-me") if j["share_ended"]]
    [old_id] = [j["journal_id"] for j in old]
    await ana.ok("journal", "delete", "Dreams", input="Dreams\n")
    await ana.ok("journal", "create", "Dreams")
    await ana.ok("write", "--journal", "Dreams", "Falling dream.")
    await ana.ok("share", "Dreams", "drjones", "--full", "--trust-on-first-use")
    await drjones.ok("sync")
    listed = flat((await drjones.ok("shared-with-me")).stdout)
    assert f"`tj forget {old_id[:12]}`" in listed, listed  # the copy's own id
    label = re.search(r"ana \(account [0-9a-f]{8}\)", listed)
    for name in ["ana/Dreams", f"{label.group(0) if label else 'ana'}/Dreams"]:
        refused = await drjones.tj("forget", name, "--yes")
        said = flat(refused.stderr)
        assert refused.exit_code != 0, said
        assert "2 journals are named" in said and old_id[:12] in said, said
        assert "(a read-only copy)" in said and "leave it first" not in said, said
    await drjones.ok("forget", old_id[:12], "--yes")
    now = await drjones.json("shared-with-me")
    assert [(j["journal"], j["share_ended"]) for j in now] == [("ana/Dreams", False)], now
    bodies = [e["body"] for e in await drjones.json("list", "--journal", "ana/Dreams")]
    assert bodies == ["Falling dream."], bodies


async def test_long_journal_names_are_quoted_in_leave_forget_and_share_notices(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A journal name of several words ran into the sentence in `tj leave`'s and `tj
    forget`'s messages and in the owner's notice that the member left ("drjones no longer
    reads Thoughts after group (00:01)"): it is quoted as a shell would."""
    ana = await new_device(live_server, tmp_path, "ana")
    drjones = await new_device(live_server, tmp_path, "drjones")
    second = Device(tmp_path / "ana-phone", live_server.url)
    await second.ok("login", live_server.url, "ana", "--device-name", "phone")
    await ana.ok("journal", "create", "Thoughts after group")
    await ana.ok("write", "--journal", "Thoughts after group", "--mood", "4", "Long evening.")
    told = flat((await second.ok("sync")).output)
    assert "new journal 'Thoughts after group'" in told, told
    await shared_then_left(ana, drjones, "Thoughts after group")
    left = await drjones.tj("journal", "list")  # the leave itself said it: asked again below
    assert left.exit_code == 0
    synced = flat((await ana.ok("sync")).output)
    assert "drjones no longer reads 'Thoughts after group' (" in synced, synced
    forgot = flat((await drjones.ok("forget", "ana/Thoughts after group", "--yes")).output)
    assert "Discarded the copy of 'ana/Thoughts after group' from this device." in forgot
    ben = await new_device(live_server, tmp_path, "ben")
    await ben.ok("journal", "create", "Thoughts after group")
    await ben.ok("share", "Thoughts after group", "drjones", "--full", "--trust-on-first-use")
    await drjones.ok("sync")
    leaving = flat((await drjones.ok("leave", "ben/Thoughts after group", "--yes")).output)
    assert "You left 'ben/Thoughts after group'; it is no longer" in leaving, leaving
    only = ["--only", "mood,tags", "--trust-on-first-use"]
    await ana.ok("share", "Thoughts after group", "drjones", *only)
    ended = flat((await ana.ok("unshare", "Thoughts after group", "drjones", "--yes")).output)
    assert "(the mood and tags of 'Thoughts after group', for drjones)" in ended, ended
    assert "(your originals in 'Thoughts after group' stay)" in ended, ended


async def test_the_caseload_says_share_ended_for_a_share_the_therapist_left(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj caseload` called a share the therapist left himself "no longer served" (the
    server's word, "they may have ended the share, or the server may be holding it back"),
    where every other command says "share ended": it says so too. `tj shared-with-me` gave
    such a copy no date ("ended"): it says when it was left."""
    ana = await new_device(live_server, tmp_path, "ana")
    drjones = await new_device(live_server, tmp_path, "drjones")
    await ana.ok("write", "Monday.")
    await ana.ok("journal", "create", "Dreams")
    await ana.ok("write", "--journal", "Dreams", "Flying.")
    await ana.ok("share", "Dreams", "drjones", "--full", "--trust-on-first-use")
    await shared_then_left(ana, drjones, "Personal")
    [row] = await drjones.json("caseload")
    assert "ended: ana/Personal" in row["flags"], row
    # `tj shared-with-me` says when the share was left, as this device recorded it
    [left] = [j for j in await drjones.json("shared-with-me") if j["share_ended"]]
    assert left["left_at"] is not None, left
    day = datetime.fromisoformat(left["left_at"]).astimezone().strftime("%Y-%m-%d %H:%M")
    shown = flat((await drjones.ok("shared-with-me")).stdout)
    assert f"share ended (read-only copy) left {day}" in shown, shown
    assert not any("no longer served" in f for f in row["flags"]), row
    await drjones.ok("leave", "ana/Dreams", "--yes")
    shown = flat((await drjones.ok("caseload")).output)
    assert "share ended" in shown and "no longer served" not in shown, shown
    [row] = await drjones.json("caseload")
    assert row["share_ended"] is True and "share ended" in row["flags"], row


async def test_an_export_names_a_left_copy_as_every_view_does_in_one_folder_per_client(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj export --client ana` named the copy of a share the therapist left "ana (account
    71fe4cab)/Personal" in its message, its JSON and each file's front matter, where `tj
    list --json` says "ana/Personal" with share_ended; and filed it in a second folder for
    the same client. One name, one folder: the account only where two accounts bear it."""
    ana = await new_device(live_server, tmp_path, "ana")
    drjones = await new_device(live_server, tmp_path, "drjones")
    await ana.ok("write", "Monday.")
    await ana.ok("journal", "create", "Dreams")
    await ana.ok("write", "--journal", "Dreams", "Flying.")
    await ana.ok("share", "Dreams", "drjones", "--full", "--trust-on-first-use")
    await shared_then_left(ana, drjones, "Personal")
    listed = {e["journal"] for e in await drjones.json("list", "--journal", "ana/Personal")}
    assert listed == {"ana/Personal"}, listed
    out = tmp_path / "md"
    done = await drjones.ok("export", "--client", "ana", "--format", "markdown", "--out", str(out))
    said = flat(done.stderr)
    assert "(ana/Dreams, ana/Personal (share ended))" in said, said
    assert "account" not in said, said
    assert sorted(p.name for p in out.iterdir()) == ["ana"], list(out.iterdir())
    folders = sorted(p.name for p in (out / "ana").iterdir())
    assert folders == ["dreams", "personal (share ended)"], folders
    pages = [p.read_text() for p in (out / "ana" / "personal (share ended)").glob("*.md")]
    assert pages and all('journal: "ana/Personal"' in page for page in pages), pages
    exported = await drjones.ok("export", "--client", "ana", "--out", str(tmp_path / "json"))
    data = json.loads(Path(exported.stdout.strip()).read_text())
    journals = {(j["name"], j.get("share_ended", False)) for j in data["journals"]}
    assert journals == {("ana/Dreams", False), ("ana/Personal", True)}, journals
    assert {e["journal"] for e in data["entries"]} == {"ana/Dreams", "ana/Personal"}


async def test_a_lost_check_in_of_the_default_progress_is_told_with_it(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
) -> None:
    """A check-in made offline with no --progress (1 session, the default) on a goal another
    device deleted was told without its progress ("('By the river')"), where the README's
    example names it: it is told with the progress it recorded."""
    goal = (await laptop.ok("goal", "add", "Walk", "--measure", "12 sessions")).stdout.strip()
    await phone.ok("sync")
    await outage.begin()
    await phone.ok("goal", "delete", goal[:12], "--yes")
    await laptop.ok("goal", "checkin", goal[:12], "--note", "By the river")
    await outage.end()
    await phone.ok("sync")
    said = flat((await laptop.ok("sync")).output)
    assert "(progress 1: 'By the river'), made on this device, went with it." in said, said
