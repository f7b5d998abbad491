"""Leftovers of the `tj` CLI, each through a real `tj` against a real server on loopback:
piped text kept after an option was refused, a sign-in refused over another account's
local data, the JSON and the journal column of a share this account left."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

from cli import editor
from tests.client.hostile import HostileServer, hostile  # noqa: F401 (fixture)
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

LONG = "T" * 201


def printed_save(said: str) -> list[str]:
    """The words of the command a refusal printed to save the kept draft (after its `tj`)."""
    found = re.search(r"`(tj [^`]*)` saves it", said)
    assert found is not None, said
    words = shlex.split(found.group(1))
    return words[words.index("write") :]


async def test_piped_text_is_kept_as_a_draft_when_an_option_is_refused(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`echo text | tj write --mood 11` refused the mood before the command ran, and the
    piped text was lost (stdin never read): it is kept as a draft, as a refused write keeps
    it, with a command that saves it leaving out what was refused (and a title too long)."""
    ana = await new_device(live_server, tmp_path, "ana")
    refused = await ana.tj(
        "write", "--tag", "sleep", "--mood", "11", "--title", LONG, input="Piped words\n"
    )
    said = flat(refused.stderr)
    assert refused.exit_code == 2, refused.output
    assert "Invalid value for '--mood': 11 is not a whole number from 1 to 10." in said, said
    [draft] = (ana.home / "drafts").glob("*.md")
    assert editor.read_draft(draft) == "Piped words"
    assert f"The text you piped in was not saved; it is kept in {draft}" in said, said
    assert "it leaves out --mood, which was refused" in said, said
    assert "it leaves out the title, as a title has at most 200 characters" in said, said
    words = printed_save(said)
    assert "--mood" not in words and "--title" not in words and LONG not in said, words
    assert words[-2:] == ["--draft", str(draft)] and "sleep" in words, words
    kept = shlex.split(editor.saved_with(draft) or "")  # the draft names its own command
    assert kept[kept.index("write") :] == words, kept
    await ana.ok(*words)  # the command printed saves it
    [entry] = await ana.json("list")
    assert (entry["body"], entry["tags"], entry["mood"]) == ("Piped words", ["sleep"], None)
    assert list((ana.home / "drafts").glob("*.md")) == []

    mistyped = await ana.tj("write", "--moood", "3", input="Other words\n")  # unknown option
    assert mistyped.exit_code == 2, mistyped.output
    [draft] = (ana.home / "drafts").glob("*.md")
    assert editor.read_draft(draft) == "Other words"
    assert "it leaves out --moood, which was refused" in flat(mistyped.stderr)
    draft.unlink()

    # TEXT, --draft or --edit given: stdin was never the entry's text, and is not kept
    for given in (
        ("--mood", "11", "Typed words"),
        ("--draft", str(tmp_path / "missing.md")),
        ("--edit", "--mood", "11"),
    ):
        refused = await ana.tj("write", *given, input="Not the text\n")
        assert refused.exit_code == 2, refused.output
        assert "kept in" not in refused.stderr, (given, refused.stderr)
        assert list((ana.home / "drafts").glob("*.md")) == [], given


WIDE: dict[str, str | None] = {"COLUMNS": "200"}


async def left_share(live_server: RunningServer, tmp_path: Path) -> Device:
    """drlee's device, holding the read-only copy of ana's Personal, which drlee left (and
    drlee's own entry)."""
    ana = await new_device(live_server, tmp_path, "ana")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ana.ok("write", "--title", "Night words", "Shared words about the night.")
    await ana.ok("share", "Personal", "drlee", "--role", "read", "--trust-on-first-use")
    await drlee.ok("sync")
    await drlee.ok("write", "My own words.")
    await drlee.ok("leave", "ana/Personal", "--yes")
    return drlee


async def test_list_search_and_show_json_say_a_left_share_ended_as_journal_list_does(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """After drlee left ana's journal, `tj journal list --json` said `share_ended` while
    `tj list --json`, `tj search --json` and `tj show --json` said `"unlisted": true` (the
    server's word only) for its entries: each says `share_ended`, never `unlisted`."""
    drlee = await left_share(live_server, tmp_path)
    [copy] = [j for j in await drlee.json("journal", "list") if not j["own"]]
    assert (copy["share_ended"], copy["unlisted"]) == (True, False), copy
    listed = {e["journal"]: e for e in await drlee.json("list")}
    found = {h["entry"]["journal"]: h["entry"] for h in await drlee.json("search", "words")}
    shown = await drlee.json("show", listed["ana/Personal"]["id"][:12])
    for entries in (listed, found, {"ana/Personal": shown}):
        theirs = entries["ana/Personal"]
        assert (theirs["share_ended"], theirs["unlisted"]) == (True, False), theirs
    for entries in (listed, found):
        mine = entries["Personal"]
        assert (mine["share_ended"], mine["unlisted"]) == (False, False), mine


async def orphan_of(device: Device, home: Path) -> Device:
    """A copy of `device`'s home at `home` without its profile: its account's local data left
    there (a profile removed by hand, a deletion stopped halfway)."""
    shutil.copytree(device.home, home)
    (home / "profile").unlink()
    return Device(home, device.url)


async def test_a_login_as_another_name_over_an_orphan_store_sends_nothing(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """`tj login` as ben over ana's local data left without its profile signed ben in on the
    server before refusing: the store's own journals name ana, whose username never
    changes, so it is refused before anything is sent."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("write", "Never shown to another account.")
    await new_device(live_server, tmp_path, "ben")
    other = await orphan_of(ana, tmp_path / "other")
    refused = await other.tj("login", hostile.url, "ben")
    said = flat(refused.stderr)
    assert refused.exit_code == 1, refused.output
    assert "holds local data left without its profile" in said, said
    assert "another account's" in said and "nothing in it was changed" in said, said
    assert hostile.paths == [], hostile.paths  # not even the password's salt asked
    assert not (other.home / "profile").exists()


async def test_a_login_refused_over_an_orphan_store_of_the_same_name_ends_its_session(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """ana's local data left without its profile, ana's account erased since and the name
    taken by a new account: only the server's reply tells the account apart, so the device
    signs in, refuses, and ends the session it opened: no device of it stays signed in."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("write", "Never shown to another account.")
    other = await orphan_of(ana, tmp_path / "other")
    await ana.ok("account", "delete", "--yes")
    again = Device(tmp_path / "again", live_server.url)
    await again.json("signup", live_server.url, "ana", "--device-name", "new")
    refused = await other.tj("login", hostile.url, "ana", "--device-name", "orphan")
    said = flat(refused.stderr)
    assert refused.exit_code == 1, refused.output
    assert "holds local data left without its profile" in said, said
    assert hostile.paths.count("/v1/auth/login") == 1, hostile.paths
    assert hostile.paths[-1] == "/v1/auth/logout", hostile.paths  # ended right after
    assert [d["name"] for d in await again.json("devices")] == ["new"]


async def test_search_and_list_break_a_left_shares_journal_before_its_mark_alike(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """At 80 columns `tj search` broke the journal of a share drlee left as "ana/" above
    "Personal (share ended)", while `tj list` showed "ana/Personal" above "(share ended)":
    both keep the journal's name whole on its line, its mark below."""
    drlee = await left_share(live_server, tmp_path)
    for command in (("list",), ("search", "words")):
        table = (await drlee.ok(*command, env={"COLUMNS": "80"})).stdout
        lines = table.splitlines()
        assert "Personal (share ended)" not in table, (command, table)
        [row] = [i for i, line in enumerate(lines) if "ana/Personal" in line]
        start = lines[row].index("ana/Personal")
        assert lines[row + 1][start:].startswith("(share ended)"), (command, table)


async def test_fingerprint_names_the_account_as_the_server_reads_the_name(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj fingerprint " DrSmith"` printed the name as typed in its JSON, where the other
    commands name the account as the server reads it: "drsmith"."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    typed = await ana.json("fingerprint", " DrSmith\u2028")
    plain = await ana.json("fingerprint", "drsmith")
    assert typed == plain and typed["username"] == "drsmith", typed


async def test_a_goal_deleted_elsewhere_while_this_device_changed_it_is_told(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
) -> None:
    """The phone deleted a goal offline while the laptop, offline too, changed its measure:
    the laptop's sync said only "1 goal deleted on phone", nothing of its own change that
    went with it. It says so, as for an entry deleted for good."""
    goals = []
    for title in ("Walk every day", "Sleep by eleven"):
        made = await laptop.ok("goal", "add", title, "--measure", "4 sessions")
        goals.append(made.stdout.strip()[:12])
    await phone.ok("sync")
    await outage.begin()
    for goal in goals:
        await phone.ok("goal", "delete", goal, "--yes")
    await laptop.ok("goal", "edit", goals[0], "--measure", "8 sessions")
    await laptop.ok("goal", "edit", goals[1], "--title", "Sleep by ten")
    await outage.end()
    await phone.ok("sync")
    synced = await laptop.ok("sync")
    said = flat(synced.output)
    assert f"Deleted: goal {goals[0]}, changed on this device at" in said, said
    assert f'Deleted: goal {goals[1]} ("Sleep by ten"), changed on this device at' in said, said
    assert said.count("was deleted on phone; this device's change went with it.") == 2, said
    report = await laptop.json("sync")
    assert report["overtaken"] == [], report  # told once
