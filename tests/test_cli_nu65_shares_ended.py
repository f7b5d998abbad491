"""NU65, a therapist (tom) and a client (ana) through `tj` against a real server on
127.0.0.1: where the caseload's scores came from once the whole share ended and a copy of
mood only goes on; commands naming a client whose every share ended; `shared-with-me --json`;
the PHQ-9 item-9 message and a therapist reading a copy of some fields."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from client_sdk.caseload import (
    RESULTS_FROM_ENDED_LINE,
    RESULTS_FROM_UNLISTED_LINE,
    caseload_row,
    results_ended_lines,
)
from client_sdk.results import MeasureResult
from tests.test_cli import Device
from tests.test_cli_r22_departures import ana, tom

__all__ = ["ana", "tom"]  # the fixtures, used by name

ITEM_9_ZERO = "1,1,1,1,1,1,1,1,0"  # PHQ-9 8


def flat(text: str) -> str:
    return " ".join(text.split())


def fingerprint(tom: Device) -> tuple[str, str]:
    return ("--fingerprint", tom.signup["fingerprint"])


async def test_scores_of_a_whole_share_narrowed_to_mood_are_not_said_sent_one_at_a_time(
    ana: Device, tom: Device, tmp_path: Path
) -> None:
    """ana shared Personal whole, took a PHQ-9, then narrowed the share to mood only: tom's
    caseload said the score was among "the results sent to you one at a time" and
    `results_one_by_one` was true, though ana never sent a result one at a time. Now the row
    names the ended share the scores came from, in text, --json and --html."""
    await ana.ok("share", "Personal", "tom", *fingerprint(tom))
    await ana.ok("measure", "take", "phq9", "--answers", ITEM_9_ZERO)
    await tom.ok("sync")
    await ana.ok("share", "Personal", "tom", "--only", "mood", "--yes")
    await tom.ok("sync")
    [row] = await tom.json("caseload")
    assert [s["name"] for s in row["scores"]] == ["PHQ-9"], row["scores"]
    assert row["results_one_by_one"] is False, row
    # a removed member is not served its removal: that Personal ended is the server's word
    assert row["results_from_unlisted"] == ["ana/Personal"], row
    assert row["results_from_ended"] == [] == row["results_from_ended_ids"], row
    ids = {j["name"]: j["journal_id"] for j in await tom.json("shared-with-me")}
    assert row["results_from_unlisted_ids"] == [ids["ana/Personal"]], row  # named with its id
    shown = flat((await tom.ok("caseload")).stdout)
    assert "sent to you one at a time" not in shown, shown
    assert (
        "ana: the scores shown come from a journal the server no longer serves to you "
        "(ana/Personal; this device holds no signed end of the share: the client may have "
        "ended it, or the server may be holding it back): the journals still shared with you carry "
        "none of the client's results" in shown
    ), shown
    page = tmp_path / "caseload.html"
    await tom.ok("caseload", "--html", str(page))
    html = page.read_text()
    assert "one at a time" not in html
    assert "the server no longer serves to you (ana/Personal;" in html, html
    assert json.dumps(row)  # JSON-ready


def test_scores_from_an_ended_share_are_worded_by_who_ended_it() -> None:
    """The caseload's line under a client whose scores came from a journal no longer shared:
    "ended" only for an end their owner signed, the server's word said as such."""
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    result = MeasureResult(
        id="r1",
        measure="phq9",
        name="PHQ-9",
        score=8,
        version=1,
        band_name="mild",
        taken_at=now,
        journal="Personal",
        journal_id="00",
        answers=None,
        unscored=None,
        safety_concern=False,
    )
    ended = caseload_row(
        "ana",
        ["ana/Personal (mood) for tom"],
        [],
        [result],
        [],
        [],
        [],
        None,
        now=now,
        results_from_ended=["ana/Personal"],
    )
    served = caseload_row(
        "ben",
        ["ben/Personal (mood) for tom"],
        [],
        [result],
        [],
        [],
        [],
        None,
        now=now,
        results_from_unlisted=["ben/Personal"],
    )
    assert results_ended_lines([ended, served]) == [
        "ana: " + RESULTS_FROM_ENDED_LINE.format(journals="ana/Personal"),
        "ben: " + RESULTS_FROM_UNLISTED_LINE.format(journals="ben/Personal"),
    ]
    assert "whose share with you ended (ana/Personal)" in results_ended_lines([ended])[0]
    assert not ended.results_one_by_one and not served.results_one_by_one
    assert ended.to_dict()["results_from_ended"] == ["ana/Personal"]


async def test_commands_naming_a_client_whose_every_share_ended_never_say_they_share(
    ana: Device, tom: Device
) -> None:
    """After ana ended every share with tom, `tj note ana ...`, `tj assign ana ...` and `tj
    list --journal ana` answered "ana shares several journals with you: name one of ...",
    present tense, though ana shares none. Now they say no journal is shared now, and that
    the server no longer serves them: tom's device is not served its removal, so that is
    the server's word, said as such, never as ana's decision."""
    await ana.ok("share", "Personal", "tom", *fingerprint(tom))
    await tom.ok("sync")
    await ana.ok("share", "Personal", "tom", "--only", "mood", "--yes")
    await tom.ok("sync")
    await ana.ok("unshare", "Personal", "tom", "--yes")
    await tom.ok("sync")
    for command in (
        ("note", "ana", "Are you OK?"),
        ("assign", "ana", "measure", "phq9"),
        ("list", "--journal", "ana"),
    ):
        said = flat((await tom.tj(*command)).stderr)
        assert "shares several journals" not in said, said
        assert "ana shares no journal with you now: the server no longer serves you " in said
        assert "(its word alone: nothing ana signed says the share ended; " in said, said
        assert "'ana/Personal', 'ana/Personal (mood) for tom'" in said, said
    said = flat((await tom.tj("private-notes", "add", "ana", "Call her")).stderr)
    assert "ana shares no journal with you now (this device keeps read-only copies" in said
    assert "shares several journals" not in said, said


async def test_a_share_this_account_left_is_said_ended_beside_one_no_longer_served(
    ana: Device, tom: Device
) -> None:
    """The words name how each share is over: one tom left on this device ended (his own
    word), the whole journal the narrowing took is no longer served (the server's word)."""
    await ana.ok("share", "Personal", "tom", *fingerprint(tom))
    await tom.ok("sync")
    await ana.ok("share", "Personal", "tom", "--only", "mood", "--yes")
    await tom.ok("sync")
    await tom.ok("leave", "ana/Personal (mood) for tom", input="y\n")
    said = flat((await tom.tj("note", "ana", "Are you OK?")).stderr)
    assert (
        "ana shares no journal with you now: the share of 'ana/Personal (mood) for tom' with "
        "you ended; the server no longer serves you 'ana/Personal' (its word alone" in said
    ), said


async def test_shared_with_me_json_says_in_words_what_role_revoked_means(
    ana: Device, tom: Device
) -> None:
    """`tj shared-with-me --json` said "role": "revoked" where the table says "no longer
    served (read-only copy)": an app showing "Revoked" asserts ana ended it, the claim the CLI
    avoids (tom's device holds only the server's word). "role" stays for apps; "access"
    carries the CLI's words, beside "unlisted" / "share_ended" / "read_only_copy", and
    README says what "revoked" means."""
    await ana.ok("share", "Personal", "tom", *fingerprint(tom))
    await tom.ok("sync")
    await ana.ok("unshare", "Personal", "tom", "--yes")
    [row] = await tom.json("shared-with-me")
    assert row["role"] == "revoked" and row["read_only_copy"] is True, row
    assert row["unlisted"] is True and row["share_ended"] is False, row
    assert row["access"] == "no longer served (read-only copy)", row
    [journal] = [j for j in await tom.json("journal", "list") if not j["own"]]
    assert journal["access"] == "no longer served (read-only copy)", journal
    readme = flat(Path("README.md").read_text())
    assert (
        'keep "role": "revoked" for apps that read it, whoever ended the share, and give '
        'these words as "access"' in readme
    )


async def test_item_9_message_names_a_therapist_who_reads_only_a_copy_of_some_fields(
    ana: Device, tom: Device
) -> None:
    """ana shares mood and tags of Personal with tom, then answers PHQ-9 item 9 with 1: the
    safety message said nothing of tom, who gets no flag through such a copy, and ana may
    believe he is alerted. It now names him, with the fields he reads."""
    await ana.ok("share", "Personal", "tom", "--only", "mood,tags", *fingerprint(tom))
    taken = await ana.json("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,1")
    said = flat(" ".join(taken["safety_message"]["lines"]))
    assert (
        "No safety flag was sent to tom (mood, tags), who reads only a copy of some fields "
        "of Personal: such a copy carries no safety flag, whatever you chose. If you want "
        "them to know, tell them yourself." in said
    ), said
    shown = flat((await ana.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,1")).output)
    assert "No safety flag was sent to tom (mood, tags), who reads only a copy" in shown, shown
    calm = await ana.json("measure", "take", "phq9", "--answers", "1,0,0,0,0,0,0,0,0")
    assert "tom" not in flat(" ".join((calm.get("safety_message") or {}).get("lines") or [])), calm
