"""What `tj import` tells the user where its rule (a journal it makes, unless the user names
one) puts things: a restore beside the default journal, a journal named with its readers,
an interrupted import."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.test_cli import Device, failed_with_one_line, laptop, phone  # noqa: F401
from tests.test_cli_insights import new_device


def said(text: str) -> str:
    return " ".join(text.split())


async def test_a_restore_into_a_new_account_says_new_results_go_where_the_history_is_not(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The default path: the file's Personal (a PHQ-9 of 19, a plan) goes into "Personal
    (imported)"; new results go to the default "Personal". The summary says so and gives the
    two ways to keep them together; the first one followed, the next PHQ-9 has its previous
    score and change."""
    await laptop.ok("measure", "take", "phq9", "--answers", "3,3,3,2,2,2,2,2,0")
    await laptop.ok(
        "safety", "plan", "--emergency", "999", "--crisis-line", "Samaritans: call 116 123",
        "--text", "Ring Jo, then walk.",
    )  # fmt: skip
    path = (await laptop.ok("export", "--out", str(tmp_path / "out"))).stdout.strip()
    mia = await new_device(live_server, tmp_path, "mia")
    told = said((await mia.ok("import", path)).stdout)
    assert told.startswith(
        "Imported 1 questionnaire result and 1 safety plan into 1 journal (new: 'Personal "
        "(imported)')"
    ), told
    assert (
        "Continuity of care: your default journal, 'Personal', where new questionnaire results "
        "go (`tj measure take`) and `tj safety plan` reads, does not hold what was imported "
        "into 'Personal (imported)', so a new result there shows no previous score, change or "
        "baseline from it. To keep them together, make it your default on this device (`tj "
        "journal default 'Personal (imported)'`), or restore into 'Personal' (read by no one "
        "else) instead: delete 'Personal (imported)' (`tj journal delete 'Personal "
        f"(imported)'`), then import again with `tj import {path} --journal Personal`."
    ) in told, told
    again = await mia.json("import", path)  # --json: the same, as fields
    assert again["into"] is None  # no --journal given: null, as every unset value (NU72 F9)
    assert again["default_journal"] is None  # nothing apart: null, never "" (NU73 F5)
    assert again["care_apart"] == [] and again["held_in"] == {
        "Personal (imported)": {"results": 1, "safety_plans": 1}
    }
    await mia.ok("journal", "default", "Personal (imported)")  # the first way, followed
    taken = await mia.json("measure", "take", "phq9", "--answers", "1,1,1,1,0,1,0,0,2")
    assert taken["previous"]["score"] == 19 and taken["change"]["difference"] == -12


async def test_an_import_into_a_shared_journal_names_it_and_its_readers(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    drjones = await new_device(live_server, tmp_path, "drjones")
    await laptop.ok("journal", "create", "Work")
    await laptop.ok("write", "--journal", "Work", "A hard week.")
    taken = await laptop.json(
        "measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,2", "--journal", "Work"
    )
    path = (await laptop.ok("export", "--out", str(tmp_path / "out"))).stdout.strip()
    await laptop.ok("measure", "delete", taken["id"], "--yes")
    await laptop.ok(
        "share", "Work", "drjones", "--full", "--role", "read",
        "--fingerprint", drjones.signup["fingerprint"],
    )  # fmt: skip
    named = said((await laptop.ok("import", path, "--journal", "Work")).stdout)
    assert named.startswith(  # one journal, named, with who reads what went there
        "Imported 1 questionnaire result into 'Work' (read by drjones); 1 entry already here"
    ), named
    report = await laptop.json("import", path, "--journal", "Work")
    assert (report["into"], report["into_readers"]) == ("Work", ["drjones"])


async def test_an_interrupted_import_names_the_journal_it_made_and_how_to_finish_there(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await laptop.ok("journal", "create", "Work")
    for n in range(3):
        await laptop.ok("write", "--journal", "Work", f"Entry {n}.")
    path = (await laptop.ok("export", "--journal", "Work", "--out", str(tmp_path))).stdout.strip()
    mia = await new_device(live_server, tmp_path, "mia")  # her journal "Work" bears the name
    await mia.ok("journal", "create", "Work")

    def cut(_: object, done: int, total: int) -> None:
        if done >= 1:
            raise KeyboardInterrupt

    monkeypatch.setattr("client_sdk.portability.IMPORT_BATCH", 1)
    monkeypatch.setattr("cli.export.ImportBar.__call__", cut)
    line = failed_with_one_line(await mia.tj("import", path))
    assert line == (
        "Error: interrupted: what was imported so far is kept on this device, in 'Work "
        "(imported)', the journal it made. Run the same command again and the rest goes into "
        "another new journal of its own; to finish into the one this run made, name it: "
        f"`tj import {path} --journal 'Work (imported)'` (nothing is imported twice)"
    ), line
    monkeypatch.undo()
    finished = said((await mia.ok("import", path, "--journal", "Work (imported)")).stdout)
    assert finished.startswith("Imported 2 entries into 'Work (imported)' (read by no one else)")
    listed = await mia.json("list", "--journal", "Work (imported)")
    assert sorted(e["body"] for e in listed) == ["Entry 0.", "Entry 1.", "Entry 2."]


async def test_a_handed_plan_in_a_journal_of_its_own_is_said_for_that_journal_alone(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The file's plan goes into "Personal (imported)"; mia wrote none, and the safety
    message of her default "Personal" borrows no other journal's plan (rev29a F1): the
    summary names "Personal (imported)" alone with the numbers its message now shows
    (`SafetyPath.shown_plans`), and how to check them; and that the plan is shown for that
    journal alone, with the commands that show it and write it into Personal."""
    await laptop.ok(
        "safety", "plan", "--emergency", "+1 555 0100", "--crisis-line", "Call Eve: 555 0199",
        "--text", "Call Eve first.",
    )  # fmt: skip
    path = (await laptop.ok("export", "--out", str(tmp_path / "out"))).stdout.strip()
    mia = await new_device(live_server, tmp_path, "mia")
    told = said((await mia.ok("import", path)).stdout)
    assert (
        "the emergency number the safety message shows for Personal (imported) is now the "
        "file's, '+1 555 0100' (check it with `tj safety plan --journal 'Personal (imported)'`); "
        "the crisis line the safety message shows for Personal (imported) is now the file's, "
        "'Call Eve: 555 0199' (check it with `tj safety plan --journal 'Personal (imported)'`)"
    ) in told, told
    assert (
        "the safety plan imported into 'Personal (imported)' is shown for that journal alone: "
        "the safety message of your default journal, 'Personal', where new questionnaire "
        "results go, and of every journal with no plan of its own, shows only the plan "
        "of 'Personal', never this one; `tj safety plan --journal Personal --copy-from 'Personal "
        "(imported)'` copies it into 'Personal' (`tj safety plan --journal 'Personal "
        "(imported)'` shows it)"
    ) in told, told
    taken = await mia.json("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,1")
    assert taken["journal"] == "Personal"
    assert not any("+1 555 0100" in line for line in taken["safety_message"]["lines"])
    shown = await mia.ok("safety", "plan")  # the default's view names her plan elsewhere
    assert "(no plan written yet)" in shown.stdout
    assert (
        "Note: the safety message for 'Personal' shows no plan of yours (only the built-in "
        "numbers), while you wrote one in 'Personal (imported)'; `tj safety plan --journal "
        "Personal --copy-from 'Personal (imported)'` copies it here."
    ) in said(shown.stderr), shown.stderr
    assert (await mia.json("safety", "plan"))["plans_elsewhere"] == ["Personal (imported)"]
    copy = ["safety", "plan", "--journal", "Personal", "--copy-from", "Personal (imported)"]
    copied = await mia.ok(*copy)  # the command the summary gave, followed
    assert "Copied the safety plan of 'Personal (imported)' into 'Personal'" in said(
        copied.stderr
    ), copied.stderr
    assert "imported:     yes" in copied.stdout and "+1 555 0100" in copied.stdout
    taken = await mia.json("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,1")
    message = " ".join(taken["safety_message"]["lines"])
    assert "+1 555 0100" in message and "Call Eve: 555 0199" in message, message
    assert "Call Eve first." in message, message
    again = await mia.tj(*copy, "--json", input="")  # a plan is written there now: asked
    assert again.exit_code != 0 and '"subject": "plan written"' in again.stdout, again.stdout


async def test_a_day_one_file_into_an_existing_shared_journal_named_names_it_and_its_readers(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    from tests.test_cli_import_foreign import DAYONE

    drjones = await new_device(live_server, tmp_path, "drjones")
    await laptop.ok("journal", "create", "Day One")
    await laptop.ok(
        "share", "Day One", "drjones", "--full", "--role", "read",
        "--fingerprint", drjones.signup["fingerprint"],
    )  # fmt: skip
    named = said((await laptop.ok("import", DAYONE, "--journal", "Day One")).stdout)
    assert named == "Imported 2 entries into 'Day One' (read by drjones).", named


async def test_a_restore_into_personal_names_the_files_other_journals_and_asks_when_read(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    """NU72 F4: `tj import FILE --journal Personal` (README's restore into a new account) of
    a file with Personal and a private Dreams folded Dreams into Personal and said only
    "Imported 3 entries ... into 'Personal'". Now the summary names each of the file's
    journals with what came of it; into a Personal a therapist reads, it says so and asks
    first (no answer: nothing imported; --yes: imported)."""
    await laptop.ok("write", "A day at work.")
    await laptop.ok("journal", "create", "Dreams")
    await laptop.ok("write", "--journal", "Dreams", "Flying again")
    await laptop.ok(
        "measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,1", "--journal", "Dreams"
    )
    path = (await laptop.ok("export", "--out", str(tmp_path / "out"))).stdout.strip()
    mia = await new_device(live_server, tmp_path, "mia")
    told = said((await mia.ok("import", path, "--journal", "Personal")).stdout)
    assert told == (
        "Imported 2 entries and 1 questionnaire result into 'Personal' (read by no one else); "
        "from the file's 'Dreams' (1 entry and 1 questionnaire result) and 'Personal' (1 "
        "entry), all in 'Personal' now."
    ), told
    kim = await new_device(live_server, tmp_path, "kim")
    drjones = await new_device(live_server, tmp_path, "drjones")
    await kim.ok(
        "share", "Personal", "drjones", "--full", "--role", "annotate",
        "--fingerprint", drjones.signup["fingerprint"],
    )  # fmt: skip
    refused = await kim.tj("import", path, "--journal", "Personal", input="")
    assert refused.exit_code == 1, refused.output
    words = said(refused.stderr)
    assert (
        "Note: the file's 'Dreams' (1 entry and 1 questionnaire result) would go into "
        "'Personal' with the rest of the file, where drjones reads it."
    ) in words, words
    assert "--yes" in words and await kim.json("list") == [], words
    report = await kim.json("import", path, "--journal", "Personal", "--yes")
    assert report["into"] == "Personal" and report["into_readers"] == ["drjones"]
    assert report["folded_in"] == {
        "Personal": {"entries": 1},
        "Dreams": {"entries": 1, "results": 1},
    }


async def test_a_restore_names_the_old_copy_of_the_journal_and_how_to_remove_it(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    """NU72 F6: Dreams exported on the laptop, deleted on the phone, restored on the laptop:
    the summary called the laptop's read-only copy only "a journal named 'Dreams'", and every
    list showed each entry twice with no next step. Now it names the copy, by its id, as the
    journal just restored, and the command that removes it; once removed, one of each."""
    await laptop.ok("journal", "create", "Dreams")
    await laptop.ok("write", "--journal", "Dreams", "Flying again")
    path = (await laptop.ok("export", "--out", str(tmp_path / "out"))).stdout.strip()
    await phone.ok("sync")
    await phone.ok("journal", "delete", "Dreams", "--yes")
    await laptop.ok("sync")
    [copy] = [j for j in await laptop.json("journal", "list") if j["read_only_copy"]]
    ident = copy["id"][:12]
    told = said((await laptop.ok("import", path)).stdout)
    assert (
        f"'Dreams' ({ident}) here is the read-only copy of the file's 'Dreams' itself, left by "
        "its deletion on another device, restored now into 'Dreams (imported)': all it holds "
        "is there too, so lists show it twice until you delete the copy: "
        f"`tj journal delete {ident}`"
    ) in told, told
    assert "you have a journal named 'Dreams' already" not in told, told
    again = await laptop.ok("import", path)  # adds nothing: still names the copy (fix30e 6)
    told = said(again.stdout)
    assert told.startswith("Nothing new to import: 1 entry already here"), told
    assert (
        f"'Dreams' ({ident}) here is the read-only copy of the file's 'Dreams' itself, left by "
        "its deletion on another device, restored earlier into 'Dreams (imported)': all it "
        "holds is there too, so lists show it twice until you delete the copy: "
        f"`tj journal delete {ident}`"
    ) in told, told
    report = await laptop.json("import", path)
    assert report["old_copies"] == [
        {
            "journal": "Dreams",
            "journal_id": copy["id"],
            "restored_into": "Dreams (imported)",
            "restored_now": False,
            "not_restored": 0,
        }
    ], report["old_copies"]
    await laptop.ok("journal", "delete", ident, "--yes")
    listed = await laptop.json("list")
    assert [e["body"] for e in listed] == ["Flying again"], listed
