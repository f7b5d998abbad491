"""REV-S9B: hostile review of s9's late changes (nu47b #3 `client_label`, sdkwords2/3 error
names, NU48 unshare's brief notice). Each test fails on the weakness it names (real server
on loopback; the hostile proxy of tests/client/hostile.py where the server lies)."""

from __future__ import annotations

import dataclasses
import json
import shlex
from pathlib import Path

import pytest

from client_sdk import Client, wire
from tests.client.hostile import HostileServer, hostile  # noqa: F401 (fixture)
from tests.conftest import RunningServer
from tests.notice_times import unwrapped
from tests.test_cli import Device
from tests.test_cli_insights import new_device
from tests.test_rev_names import choose_next_account_id

NARROW = {"COLUMNS": "80"}


def flat(text: str) -> str:
    return " ".join(text.split())


async def held_kims(
    server_url: str, direct: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch | None
) -> tuple[Device, str, Device]:
    """drlee (whose profile talks to `server_url`: the hostile proxy, or the server) verified
    kim and read her entry; kim erased her account; a new "kim" (with an account id starting
    as the erased kim's when `monkeypatch` is given) shares Personal with drlee, not verified
    yet. Returns (drlee, the erased kim's id hex, the new kim)."""
    kim = await new_device(direct, tmp_path, "kim")
    drlee = Device(tmp_path / "drlee", server_url)
    drlee.signup = await drlee.json("signup", server_url, "drlee")
    await kim.ok("share", "Personal", "drlee", "--full", "--trust-on-first-use")
    await kim.ok("write", "--mood", "2", "The first kim's words.")
    await drlee.ok("verify", "kim", (await kim.ok("fingerprint")).stdout.strip())
    await drlee.ok("sync")
    [journal] = [j for j in await drlee.json("journal", "list") if j["name"] == "kim/Personal"]
    old = str(journal["owner_id"])
    await kim.ok("account", "delete", "--yes")
    if monkeypatch is not None:
        choose_next_account_id(monkeypatch, bytes.fromhex(old[:8] + "f" * 24))
    new_kim = Device(tmp_path / "kim2", direct.url)
    new_kim.signup = await new_kim.json("signup", direct.url, "kim")
    if monkeypatch is not None:
        monkeypatch.undo()
    await new_kim.ok("share", "Personal", "drlee", "--full", "--trust-on-first-use")
    await new_kim.ok("write", "--mood", "9", "I'm the new kim.")
    return drlee, old, new_kim


def without_owner(owner: bytes):  # type: ignore[no-untyped-def]
    """A /v1/journals/list rewrite: the journals of `owner` left out (a server that does not
    list one share in one answer)."""

    def rewrite(_request: bytes, reply: bytes) -> bytes:
        listed = wire.decode(wire.JournalList, reply)
        kept = [j for j in listed.journals if j.owner_id != owner]
        return wire.encode(dataclasses.replace(listed, journals=kept))

    return rewrite


# --- S9B-1: the labelled hint rests on the server's word in this process --------------------


async def test_the_kept_copys_export_hint_names_the_erased_kims_account_whatever_one_list_says(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """nu47b #3 labels the erased kim's commands only while `Replica._unpinned` (memory of
    this process, filled by this process's journal list) holds the new kim's refusal. A
    server that leaves the new kim's share out of one answer (or no answer: offline) makes
    `tj shared-with-me` print `tj export --client kim` again; once drlee verifies the new
    kim (as the sync's warning told her to), that printed command exports the new kim's
    records, told as "kim/Personal"."""
    drlee, old, new_kim = await held_kims(hostile.url, live_server, tmp_path, None)
    label = f"kim (account {old[:8]})"
    said = unwrapped((await drlee.tj("sync")).stderr)
    assert f"--client {shlex.quote(label)}" in said, said  # the fix, with the server's word

    async with await Client.open(new_kim.home) as client:
        new_id = client.profile.account_id
    hostile.replies["/v1/journals/list"] = without_owner(new_id)
    listed = flat((await drlee.ok("shared-with-me")).stdout)
    del hostile.replies["/v1/journals/list"]
    assert "--client kim " not in listed, listed  # FAILS: the plain name is back
    assert f"--client {shlex.quote(label)}" in listed, listed

    # what the plain command does once the warning's advice (verify the new kim) is followed
    await drlee.ok("verify", "kim", (await new_kim.ok("fingerprint")).stdout.strip(), "--yes")
    await drlee.ok("sync")
    done = await drlee.ok("export", "--client", "kim", "--out", str(tmp_path / "out"))
    data = json.loads(Path(done.stdout.strip()).read_text())
    assert [e["body"] for e in data["entries"]] == ["I'm the new kim."]


# --- S9B-2: the export files name the erased kim "kim" while the summary names her account --


async def test_a_markdown_export_of_the_erased_kim_files_her_under_her_account_not_kim(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj export --client 'kim (account …)' --format markdown`, as the hint says, while the
    server gives "kim" to another account: the summary says "not the account the server now
    names kim", but the folder is `kim/` and each entry's front matter says `journal:
    "kim/Personal"`. After the verify of the new kim, her export is `kim/` too: two people's
    records under one name, nothing in the files telling them apart."""
    drlee, old, new_kim = await held_kims(live_server.url, live_server, tmp_path, None)
    label = f"kim (account {old[:8]})"
    await drlee.tj("sync")
    out = tmp_path / "md"
    done = await drlee.ok("export", "--client", label, "--format", "markdown", "--out", str(out))
    assert "not the account the server now names kim" in flat(done.stderr), done.stderr
    folders = sorted(p.name for p in out.iterdir())
    assert folders == [label], folders  # FAILS: ['kim']


# --- S9B-3: a label printed for the erased kim names a same-prefix new kim once her copy is
# forgotten ---------------------------------------------------------------------------------


async def test_the_erased_kims_printed_label_never_names_the_new_kim_after_her_copy_is_forgotten(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new kim picks an account id starting as the erased kim's. drlee follows the printed
    advice: exports by `--client 'kim (account 1a2b3c4d)'`, forgets the copy, later verifies
    the new kim. The same label (shell history, the printed hint, a note to self) then names
    the new kim: `_owners`/`names` accept `_labelled_owner` for the plain-name holder, whose
    digits count only accounts still on the device."""
    drlee, old, new_kim = await held_kims(live_server.url, live_server, tmp_path, monkeypatch)
    label = f"kim (account {old[:8]})"
    said = unwrapped((await drlee.tj("sync")).stderr)
    forget = f"tj forget {shlex.quote(label + '/Personal')} --unlisted"
    assert forget in said, said
    first = await drlee.ok("export", "--client", label, "--out", str(tmp_path / "one"))
    assert "The first kim's words." in Path(first.stdout.strip()).read_text()
    await drlee.ok(*shlex.split(forget)[1:], "--yes")
    await drlee.ok("verify", "kim", (await new_kim.ok("fingerprint")).stdout.strip(), "--yes")
    await drlee.ok("sync")
    again = await drlee.tj("export", "--client", label, "--out", str(tmp_path / "two"))
    exported = Path(again.stdout.strip()).read_text() if again.exit_code == 0 else ""
    assert "I'm the new kim." not in exported, again.stderr  # FAILS: the new kim's records
    listed = await drlee.tj("list", "--journal", f"{label}/Personal")
    assert "I'm the new kim." not in listed.stdout, listed.stdout  # FAILS too


# --- S9B-4: unshare's brief notice wraps its command inside the quoted name ---------------


async def test_unshares_brief_command_is_printed_whole_on_one_line(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU48 #1's notice prints `tj unshare 'Brief … for drsmith' drsmith` with wrap=True: at
    80 columns the quoted name is broken across lines, so a copied command names no journal
    (tell_departures keeps its command lines whole "to copy")."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--full", "--trust-on-first-use")
    await ana.ok("brief", "drsmith", "--yes")
    [brief] = [s for s in await ana.json("shares") if s["kind"] == "brief"]
    ended = (await ana.ok("unshare", "Personal", "drsmith", "--yes", env=NARROW)).stderr
    command = f"tj unshare {shlex.quote(brief['journal'])} drsmith"
    assert command in flat(ended), ended
    assert any(command in line for line in ended.splitlines()), ended  # FAILS: split


# --- S9B-5: a tab in an erased account's journal name injects a `tj forget` command --------


async def test_a_tab_in_a_kept_copys_name_never_becomes_a_command_naming_another_client(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """sdkwords2 moved SHARE_ACTIVE's commands to the CLI: `names["copies"]` and
    `names["unlisted copies"]` are the kept copies' names joined by a tab, which
    `cli/advice.forget_active` splits again. A journal name is the owner's text, signed by
    them: a tab in it is never refused on receipt (the stock SDK's `check_name` makes it a
    space since journal names are squeezed; another SDK need not). The
    first kim names her journal "Notes<TAB>ana" and erases her account; the printed advice then
    holds `tj forget ana --unlisted`, a well-formed command of its own, which names ana's
    journal (a bare username names the one journal that client shares). With the server
    not listing ana's share (its copy kept, "no longer served"), that command discards ana's
    records from drlee's device."""
    kim = await new_device(live_server, tmp_path, "kim")
    ana = await new_device(live_server, tmp_path, "ana")
    drlee = Device(tmp_path / "drlee", hostile.url)
    drlee.signup = await drlee.json("signup", hostile.url, "drlee")
    async with await Client.open(kim.home) as client:  # a modified SDK: the stock one
        await client.replica.create_journal("Notes\tana")  # squeezes the tab to a space
    await kim.ok("share", "Notes\tana", "drlee", "--full", "--trust-on-first-use")
    await ana.ok("write", "Ana's own words.")
    await ana.ok("share", "Personal", "drlee", "--full", "--trust-on-first-use")
    await drlee.ok("verify", "kim", (await kim.ok("fingerprint")).stdout.strip())
    await drlee.ok("verify", "ana", (await ana.ok("fingerprint")).stdout.strip())
    await drlee.ok("sync")
    await kim.ok("account", "delete", "--yes")
    new_kim = Device(tmp_path / "kim2", live_server.url)
    new_kim.signup = await new_kim.json("signup", live_server.url, "kim")
    await new_kim.ok("share", "Personal", "drlee", "--full", "--trust-on-first-use")
    await drlee.tj("sync")
    await drlee.ok("verify", "kim", (await new_kim.ok("fingerprint")).stdout.strip(), "--yes")
    await drlee.ok("sync")
    async with await Client.open(ana.home) as client:
        ana_id = client.profile.account_id
    hostile.replies["/v1/journals/list"] = without_owner(ana_id)  # ana's share not listed
    await drlee.tj("sync")

    refused = await drlee.tj("forget", "kim/Personal", "--yes")  # a command from before
    assert refused.exit_code != 0
    said = flat(refused.stderr)
    assert "forget ana --unlisted`" not in said, said  # was printed: an injected command
    # the copy named in one quoted word (a JSON list since the fix; an error's line shows
    # its tab as a space, so this command names no journal at all, never another's)
    # since REV-S11B: a name with a control character is pasted back by no command: the
    # command holds JOURNAL for the user to fill in
    assert f"`{drlee.command} forget JOURNAL --unlisted`" in said, said
