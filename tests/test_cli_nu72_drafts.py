"""Findings of a new user's review of `tj` (NU72), each through a real `tj` against a real
server on loopback: a draft of text written for a private journal, refused there, kept with
the journal it was written for (never saved into the default journal a therapist reads
without the user naming it); `tj logout`'s words for drafts and gone journals' copies."""

from __future__ import annotations

import json
import re
from pathlib import Path

from cli import editor
from cli.terminal import command_text
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device
from tests.test_cli_nu56_findings import flat


async def bodies_read_by(therapist: Device) -> list[str]:
    """What `therapist` reads of the journals shared with them, after a sync."""
    await therapist.ok("sync")
    return [e["body"] for e in await therapist.json("list", "--journal", "ana/Personal")]


async def journal_id(device: Device, name: str) -> str:
    """The shortened id (12 hex digits) of `device`'s journal `name`, as a draft's command
    names it."""
    [found] = [j["id"] for j in await device.json("journal", "list") if j["name"] == name]
    return str(found)[:12]


def kept_draft(said: str) -> Path:
    found = re.search(r"it is kept in (\S+?\.md) \(", said)
    assert found is not None, said
    return Path(found.group(1))


async def test_a_draft_for_an_archived_private_journal_never_goes_to_the_shared_default(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """Text piped into an archived private journal was kept as a draft that forgot its
    journal; `tj logout --yes` said to save it with `tj write --draft FILE`, which put it in
    the default journal, read by the therapist, saying only "saved; synced". The draft keeps
    the journal it was written for: the refusal names unarchiving it and the draft's own
    command; logout names the draft's path and that command; `tj write --draft FILE` with no
    --journal refuses, naming the default journal and who reads it; with --journal naming
    the default, the user chose it, and is told who reads it."""
    ana = await new_device(live_server, tmp_path, "ana")
    drw = await new_device(live_server, tmp_path, "drw")
    await ana.ok("share", "Personal", "drw", "--role", "annotate", "--trust-on-first-use")
    await ana.ok("journal", "create", "Work")
    await ana.ok("journal", "archive", "Work")

    work = await journal_id(ana, "Work")  # a draft names its journal by id (NU73 F1)

    refused = await ana.tj("write", "--journal", "Work", "--mood", "3", input="draft on phone\n")
    said = flat(refused.stderr)
    assert refused.exit_code != 0 and "is archived" in said, said
    draft = kept_draft(said)
    assert "saves it in your default journal" not in said, said
    assert (
        f"(`tj write --journal {work} --mood 3 --draft {draft}` saves it in Work once you run "
        "`tj journal unarchive Work` first;" in said
    ), said
    assert editor.read_draft(draft) == "draft on phone"
    assert editor.written_for(draft) is not None

    logout = await ana.tj("logout", "--yes")
    said = flat(logout.stderr)
    assert logout.exit_code == 1, said
    assert f"1 draft never saved ({draft}) is on this device only" in said, said
    assert f"Save it first (`tj write --journal {work} --mood 3 --draft {draft}`)" in said, said
    assert "FILE" not in said and "lose it for good" in said and "loses it" in said, said

    plain = await ana.tj("write", "--draft", str(draft))
    said = flat(plain.stderr)
    assert plain.exit_code == 1, said
    assert said.startswith(
        f"Error: {draft} was written for 'Work' (archived: `tj journal unarchive Work` "
        "first): without --journal it would go into your default journal 'Personal', read "
        "by drw, so nothing was saved."
    ), said
    assert f"`tj write --journal {work} --mood 3 --draft {draft}` saves it there" in said, said
    assert f"`tj write --journal Personal --mood 3 --draft {draft}`" in said, said
    as_json = await ana.tj("write", "--draft", str(draft), "--json")
    assert '"subject": "draft journal"' in as_json.stdout, as_json.output
    assert draft.exists()
    assert "draft on phone" not in await bodies_read_by(drw)

    await ana.ok("journal", "unarchive", "Work")
    await ana.ok("write", "--journal", "Work", "--mood", "3", "--draft", str(draft))
    assert not draft.exists()
    [entry] = await ana.json("list", "--journal", "Work")
    assert (entry["body"], entry["mood"]) == ("draft on phone", 3)
    assert "draft on phone" not in await bodies_read_by(drw)

    # Chosen by name: saved where the user said, and told who reads it there.
    await ana.ok("journal", "archive", "Work")
    refused = await ana.tj("write", "--journal", "Work", input="second thoughts\n")
    second = kept_draft(flat(refused.stderr))
    chosen = await ana.tj("write", "--journal", "Personal", "--draft", str(second))
    said = flat(chosen.stderr)
    assert chosen.exit_code == 0, said
    assert (
        "The draft was written for 'Work' (archived: `tj journal unarchive Work` first); it "
        "went into 'Personal' as you chose (read by drw)." in said
    ), said
    assert "second thoughts" in await bodies_read_by(drw)


async def test_a_draft_refused_for_a_journal_not_there_names_no_journal_for_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A --journal that names no journal: the text is kept, and the command said has
    --journal NAME for the user to choose, as the draft's own has (nu80 F1: it kept the
    refused --journal, which its reminder repeated); saved with no --journal, it is refused,
    naming the words refused; saved with the journal named, it is saved."""
    ana = await new_device(live_server, tmp_path, "ana")
    refused = await ana.tj("write", "--journal", "Nope", "--tag", "t", input="Words for Nope")
    said = flat(refused.stderr)
    assert refused.exit_code != 0 and "no journal named 'Nope'" in said, said
    draft = kept_draft(said)
    assert (
        f"(`tj write --journal NAME --tag t --draft {draft}` saves it in the journal NAME you "
        "choose; --journal Nope was refused)" in said
    ), said
    plain = await ana.tj("write", "--draft", str(draft))
    said = flat(plain.stderr)
    assert plain.exit_code == 1, said
    assert (
        "was kept when its --journal Nope was refused, as it named no journal this account may "
        "write in, so without --journal nothing was saved: "
        f"`tj write --journal NAME --tag t --draft {draft}` saves it in the journal NAME you "
        "choose" in said
    ), said
    assert await ana.json("list") == []
    await ana.ok("journal", "create", "Side")
    await ana.ok("write", "--journal", "Side", "--tag", "t", "--draft", str(draft))
    assert [e["body"] for e in await ana.json("list", "--journal", "Side")] == ["Words for Nope"]

    # the default journal archived: kept for it (named by its id), saved there once unarchived
    [default] = [j["id"][:12] for j in await ana.json("journal", "list") if j["name"] == "Personal"]
    await ana.ok("journal", "archive", "Personal")
    refused = await ana.tj("write", input="Words for the default")
    said = flat(refused.stderr)
    assert refused.exit_code != 0 and "is archived" in said, said
    draft = kept_draft(said)
    assert (
        f"(`tj write --journal {default} --draft {draft}` saves it once you run "
        "`tj journal unarchive Personal` "
        "first; give another --journal to save it elsewhere)" in said
    ), said
    await ana.ok("journal", "unarchive", "Personal")
    await ana.ok("write", "--draft", str(draft))
    assert "Words for the default" in [e["body"] for e in await ana.json("list")]


async def test_logout_with_no_answer_names_the_flags_that_would_log_out(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj logout </dev/null` with a draft never saved said "pass --yes to skip the
    question", and `--yes` then refused: it names --yes --discard-unsynced and what it
    loses."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.tj("write", "--journal", "Nope", input="kept words\n")
    [draft] = editor.drafts_kept(ana.home)
    unanswered = await ana.tj("logout", input="")
    said = flat(unanswered.stderr)
    assert unanswered.exit_code == 1, said
    assert (
        "pass --yes --discard-unsynced (which loses it) to skip the question. The question: "
        "Log out anyway?" in said
    ), said
    assert draft.exists() and (ana.home / "profile").exists()


async def test_logout_names_a_gone_journals_copy_by_id_and_counts_what_only_it_holds(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj logout --yes` over the copy of a journal deleted on another device said
    `tj export --journal NAME --out DIR`, "them" for one journal, and "the only copy" of a
    journal whose items had just been restored into another journal here. The copy is named
    by its id, in the singular; what another journal here holds is not counted as lost, and
    a copy holding nothing else stops no logout."""
    laptop = await new_device(live_server, tmp_path, "ana")
    await laptop.ok("journal", "create", "Dreams")
    await laptop.ok("write", "--journal", "Dreams", "--date", "2026-11-13 12:00", "Flying again")
    exported = await laptop.ok("export", "--out", str(tmp_path / "exp"), "--json")
    [file] = [Path(f) for f in json.loads(exported.stdout)["files"]]
    await laptop.ok("write", "--journal", "Dreams", "--date", "2026-11-14 12:00", "Falling")
    await laptop.ok("sync")
    [dreams] = [j for j in await laptop.json("journal", "list") if j["name"] == "Dreams"]
    phone = Device(tmp_path / "phone", live_server.url)
    await phone.ok("login", live_server.url, "ana")
    await phone.ok("journal", "delete", "Dreams", input="Dreams\n")
    await laptop.ok("sync")
    copy = f"`tj export --journal {dreams['id'][:12]} --out DIR`"

    refused = await laptop.tj("logout", "--yes")
    said = flat(refused.stderr)
    assert refused.exit_code == 1, said
    assert (
        "the journal 'Dreams' is no longer on the server (deleted on another device, or "
        f"withheld by it): this device holds the only copy it knows of, and {copy} keeps it: "
        "logging out would lose it for good" in said
    ), said

    await laptop.ok("import", str(file))  # 'Dreams (imported)' gets the first entry
    refused = await laptop.tj("logout", "--yes")
    said = flat(refused.stderr)
    assert refused.exit_code == 1, said
    assert "the only copy" not in said, said
    assert (
        "1 entry of this device's read-only copy is in no other journal here (the rest is), "
        f"and {copy} keeps it: logging out would lose it for good" in said
    ), said

    await laptop.ok(
        "write", "--journal", "Dreams (imported)", "--date", "2026-11-14 12:00", "Falling"
    )
    done = await laptop.tj("logout", "--yes")  # all of it is held in 'Dreams (imported)'
    assert done.exit_code == 0, done.output
    assert not (laptop.home / "profile").exists()


async def test_safety_plan_json_gives_what_the_safety_message_shows_as_one_field(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj safety plan --json` of a journal borrowing another's plan said `crisis_line_in_use`
    null beside `shown_crisis_line`, and with a therapist's line the reverse: an app had to
    know which wins. `safety_message` gives the values the message shows."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("safety", "plan", "--emergency", "999", "--crisis-line", "Lifeline 0800 111")
    await ana.ok("journal", "create", "Dreams")
    borrowed = await ana.json("safety", "plan", "--journal", "Dreams")
    lines = " ".join(borrowed["safety_message"].pop("lines"))  # the same shape everywhere
    assert "call 999" in lines and "Lifeline 0800 111" in lines, lines
    assert borrowed["safety_message"] == {
        "emergency_number": "999",
        "crisis_line": "Lifeline 0800 111",
        "crisis_line_set_by": None,
        "plan": None,
        "plan_from": "Personal",
        "seen_from": None,
    }, borrowed

    await ana.ok("safety", "plan", "--journal", "Dreams", "--text", "Walk first.")
    await ana.ok("share", "Dreams", "drsmith", "--role", "annotate", "--trust-on-first-use")
    await drsmith.ok("sync")
    await drsmith.ok("safety", "crisis-line", "ana/Dreams", "Samaritans 116 123")
    await ana.ok("sync")
    own = await ana.json("safety", "plan", "--journal", "Dreams")
    lines = " ".join(own["safety_message"].pop("lines"))
    assert "Samaritans 116 123 (set by drsmith)" in lines and "Walk first." in lines, lines
    assert own["safety_message"] == {
        "emergency_number": None,
        "crisis_line": "Samaritans 116 123",
        "crisis_line_set_by": "drsmith",
        "plan": "Walk first.",
        "plan_from": None,
        "seen_from": None,
    }, own


def test_the_words_for_several_gone_copies_agree_and_name_each_by_id() -> None:
    from cli.main import GoneCopy, copies_text

    said = copies_text(
        [
            GoneCopy("Dreams", "a95faa7d78c2" + "0" * 20, 0, 0, 0, held_elsewhere=False),
            GoneCopy("Work", "b06fab8e89d3" + "0" * 20, 2, 1, 0, held_elsewhere=True),
        ]
    )
    assert said == (
        "the journals 'Dreams' and 'Work' are no longer on the server (deleted on another "
        "device, or withheld by it): this device holds the only copy it knows of 'Dreams', "
        f"and {command_text('tj export --journal a95faa7d78c2 --out DIR')} keeps it; 2 entries "
        "and 1 questionnaire result of this device's read-only copy of 'Work' are in no other "
        f"journal here (the rest is), and {command_text('tj export --journal b06fab8e89d3 --out DIR')} "
        "keeps them"
    ), said


async def test_a_draft_follows_its_journal_through_a_rename_not_its_old_name(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A draft kept for an archived private journal named it by name: renamed ("Night
    dreams") and its old name given to a new journal shared with the therapist, the draft's
    own command put the private text into the therapist's journal, saying nothing of who
    reads it there. The draft names its journal by id: `tj write --draft FILE` names the
    renamed journal it was written for, its own command saves it there, and `--journal Dreams`
    (the new shared one) is the user's choice, said with who reads it."""
    ana = await new_device(live_server, tmp_path, "ana")
    drw = await new_device(live_server, tmp_path, "drw")
    await ana.ok("journal", "create", "Dreams")
    await ana.ok("journal", "archive", "Dreams")
    dreams = await journal_id(ana, "Dreams")
    refused = await ana.tj("write", "--journal", "Dreams", input="My father again. Private.\n")
    draft = kept_draft(flat(refused.stderr))
    await ana.ok("journal", "rename", "Dreams", "Night dreams")
    await ana.ok("journal", "create", "Dreams")
    await ana.ok("share", "Dreams", "drw", "--role", "read", "--trust-on-first-use")

    plain = await ana.tj("write", "--draft", str(draft))
    said = flat(plain.stderr)
    assert plain.exit_code == 1, said
    assert said.startswith(f"Error: {draft} was written for 'Night dreams' (archived: "), said
    assert f"`tj write --journal {dreams} --draft {draft}` saves it there" in said, said
    assert draft.exists()

    chosen = await ana.tj("write", "--journal", "Dreams", "--draft", str(draft))
    said = flat(chosen.stderr)
    assert chosen.exit_code == 0, said
    assert "it went into 'Dreams' as you chose (read by drw)." in said, said
    await drw.ok("sync")
    bodies = [e["body"] for e in await drw.json("list", "--journal", "ana/Dreams")]
    assert bodies == ["My father again. Private."]  # the user named it: told who reads it

    await ana.ok("journal", "archive", "Night dreams")
    refused = await ana.tj("write", "--journal", "Night dreams", input="Kept private.\n")
    second = kept_draft(flat(refused.stderr))
    await ana.ok("journal", "unarchive", "Night dreams")
    await ana.ok("write", "--journal", dreams, "--draft", str(second))
    [entry] = await ana.json("list", "--journal", "Night dreams")
    assert entry["body"] == "Kept private."
    await drw.ok("sync")
    assert "Kept private." not in [
        e["body"] for e in await drw.json("list", "--journal", "ana/Dreams")
    ]
