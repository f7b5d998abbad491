"""NU27 C9: every item of a sync report has its plain-words sentence in the SDK (`line()`,
`SyncReport.lines()`), free of any app's commands, and `tj` prints the same sentences with its
own commands added (cli/output.py only adds them)."""

from __future__ import annotations

from datetime import UTC, datetime

from cli import output
from client_sdk.departures import Departure
from client_sdk.pushing import SetAsideChange
from client_sdk.settling import MergedText, OvertakenEdit, Settled
from client_sdk.sync import News, SetAside, SyncReport

AT = datetime(2026, 12, 1, 18, 47, tzinfo=UTC)
ENTRY = "3f2a9c8d1e0b" + "7" * 20
GOAL = "9a" * 16


def report() -> SyncReport:
    return SyncReport(
        pushed=1,
        news=[
            News(2, "entry", True, "phone"),
            News(1, "safety_flag", True, "carl"),
        ],
        settled=[
            Settled(ENTRY, "Monday", "mood", 5, 8, AT),
            Settled(ENTRY, "Monday", "created_at", 1796029200000, None, AT),
        ],
        merged_texts=[
            MergedText(ENTRY, "entry", "Monday", "Personal", AT),
            MergedText(GOAL, "goal", "Sleep", "Personal", AT),
            MergedText(GOAL, "safety_plan", "", "Therapy notes", AT),
        ],
        overtaken=[
            OvertakenEdit(ENTRY, "Monday", False, "phone", AT),
            OvertakenEdit(ENTRY, "", True, "", AT),
        ],
        set_aside=[
            SetAside("01" * 16, "june/Personal", "02" * 16, "03" * 16, "forbidden", "june "
                     "made your access to june/Personal read-only"),
        ],
        departures=[Departure("drsmith", "Personal", "ab" * 16, "left", round(AT.timestamp() * 1000))],
    )  # fmt: skip


def test_every_item_has_a_sentence_that_names_no_command() -> None:
    lines = report().lines()
    text = "\n".join(lines)
    assert "`" not in text and "tj " not in text, text
    assert lines[0] == "Safety: 1 new safety flag from carl."
    assert lines[1] == (
        "Sent 1 change, 1 new safety flag from carl, 2 new entries from phone, "
        "1 share change (below)."
    )
    assert (
        'Settled: the mood of entry 3f2a9c8d1e0b ("Monday") was changed on another device; it '
        "is '8' everywhere now. This device had '5': the entry's history keeps it."
    ) in lines
    assert (
        'Settled: the date of entry 3f2a9c8d1e0b ("Monday") was changed on another device; it '
        "is 'none' everywhere now. This device had '2026-11-30 09:00 UTC': the entry's "
        "history keeps it."
    ) in lines
    assert (
        'Merged: the text of entry 3f2a9c8d1e0b ("Monday"), changed on this device at '
        "2026-12-01 18:47 UTC, was changed on another device too; every device now has both "
        "changes in one text. Read it to check it says what you meant."
    ) in lines
    assert any(line.startswith("Merged: the why of goal 'Sleep' (9a9a9a9a9a9a)") for line in lines)
    assert any(line.startswith("Merged: the safety plan of Therapy notes,") for line in lines)
    assert (
        'Trashed: entry 3f2a9c8d1e0b ("Monday"), edited on this device at 2026-12-01 18:47 '
        "UTC, was moved to the trash on phone before it received that edit. The edit is kept "
        "in it: restoring the entry brings it back with it."
    ) in lines
    assert (
        "Deleted: entry 3f2a9c8d1e0b, edited on this device at 2026-12-01 18:47 UTC, was "
        "deleted for good on another device before it received that edit; the edit went "
        "with it."
    ) in lines
    assert (
        "Not delivered: june made your access to june/Personal read-only: a change was not "
        "delivered; it is kept on this device."
    ) in lines
    assert any(
        line.startswith("Notice: drsmith no longer reads Personal (2026-12-01 18:47 UTC)")
        for line in lines
    )


def test_a_set_aside_change_is_named_from_the_devices_list() -> None:
    change = SetAsideChange(
        (b"\2" * 16).hex(), "june/Personal", (b"\1" * 16).hex(), (b"\3" * 16).hex(), "note",
        "forbidden", "read-only", AT, "", "Stale reading of the week, which goes on and on",
    )  # fmt: skip
    lines = report().lines(set_aside=[change])
    assert (
        'Not delivered: june made your access to june/Personal read-only: your note "Stale '
        'reading of the week, which goes o…" was not delivered; it is kept on this device.'
    ) in lines
    withdrawal = SetAside("01" * 16, "P", "02" * 16, None, "forbidden", "ask drsmith", True)
    assert withdrawal.line() == "Withdrawal not delivered: ask drsmith."


def test_the_cli_prints_the_sdks_sentences_with_its_commands_added() -> None:
    r = report()
    cli = [output.shown(line) for line in output.settled_lines(r)]  # as printed
    sdk = [
        *(s.line(output.local_time) for s in r.settled),
        *(m.line(output.local_time) for m in r.merged_texts),
        *(o.line(output.local_time) for o in r.overtaken),
    ]
    assert len(cli) == len(sdk) == 7
    assert cli[0] == sdk[0].replace("the entry's history", "`tj history 3f2a9c8d1e0b`")
    assert cli[2] == sdk[2][:-1] + ": `tj show 3f2a9c8d1e0b`."
    assert cli[3] == sdk[3][:-1] + ": `tj goal show 9a9a9a9a9a9a`."
    assert cli[4] == sdk[4][:-1] + ": `tj safety plan --journal 'Therapy notes'`."
    assert cli[5] == sdk[5].replace(
        "restoring the entry brings it back with it.",
        "`tj restore 3f2a9c8d1e0b` brings the entry back with it (`tj show` reads it in the "
        "trash).",
    )
    assert cli[6] == sdk[6]
    assert output.sync_text(r) == r.summary()
    assert output.shown(output.safety_line(r) or "") == (  # as printed
        "Safety: 1 new safety flag from carl: see `tj safety flags` and `tj caseload`."
    )
    assert SyncReport().summary() == "nothing new"


def test_nu27_c11_ids_are_hex_and_a_departure_has_its_datetime() -> None:
    """C11: `SetAside` carries hex ids as `SetAsideChange` does (its `to_dict` unchanged), and
    `Departure.when` is `at` (ms, kept for `describe` and `tj sync --json`) as a datetime."""
    [aside] = report().set_aside
    assert (aside.journal_id, aside.record_id, aside.doc_id) == ("01" * 16, "02" * 16, "03" * 16)
    assert aside.to_dict()["record_id"] == "02" * 16
    [departure] = report().departures
    assert departure.when == AT
    assert Departure("drsmith", "Personal", "ab" * 16, "left").when is None


def test_a_member_who_left_but_reads_a_copy_is_told_without_a_command() -> None:
    """NU26 C2's sentence (a member left, a field-level copy still reaches them) named
    `tj unshare` in the SDK; an app's words go in `ends_copy`, as the CLI's do."""
    left = Departure("drsmith", "Personal", "ab" * 16, "left", copy="Personal (mood) for drsmith")
    plain = left.describe()
    assert "`" not in plain and "tj " not in plain, plain
    assert plain.endswith("still reaches them (ending your share with them ends it)")
    assert left.describe(ends_copy="`tj unshare Personal drsmith`").endswith(
        "still reaches them (`tj unshare Personal drsmith` ends it)"
    )
    cli, again = map(output.shown, output.departure_lines(SyncReport(departures=[left])))
    assert cli.endswith("(`tj unshare Personal drsmith` ends it).")
    assert again.startswith("  If they did not mean to leave, share again:")


def test_a_settled_list_names_what_this_device_had_that_is_not_kept() -> None:
    """NU34 #1: tags (and emotions) settle as a whole; the line says "were" and names the
    ones this device had that the kept list lacks (ignoring case, as tags do)."""
    tags = Settled(ENTRY, "Monday", "tags", ["Sleep", "from laptop"], ["sleep"], AT)
    assert tags.lost() == ["from laptop"]
    assert tags.line() == (
        'Settled: the tags of entry 3f2a9c8d1e0b ("Monday") were changed on another device; '
        "it is 'sleep' everywhere now. This device had 'Sleep, from laptop' ('from laptop' not "
        "kept): the entry's history keeps it."
    )
    assert "('from laptop' not kept: add it again): " in tags.line(add_back="add it again")
    assert Settled(ENTRY, "Monday", "mood", 5, 8, AT).lost() == []
    kept_all = Settled(ENTRY, "", "emotions", ["calm"], ["calm", "tired"], AT)
    assert kept_all.lost() == [] and "not kept" not in kept_all.line()
