"""nu78's safety findings: a therapist's `tj safety flags --json` carries the item 9 answers
above 0 its text lists as having no flag for them (F4); a client who sends flags for one
journal is told no one is alerted of an answer in another (F12); `tj journal default --yes`
still says whom the new default stops reaching (F16); an offline answer says each fact once,
in plain words (F7)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, Outage, laptop, outage  # noqa: F401 (fixtures)
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_safety_flags_json_carries_the_answers_without_a_flag_the_text_lists(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F4: ben shares Personal with drsmith (no flags chosen) and answers item 9 with 3, then
    with 1: the text lists both "with no safety flag for you here", and `--json` was `[]`.
    Now `--json` is {"flags": [], "answers_without_flag": [...]}, the same two results."""
    ben = await new_device(live_server, tmp_path, "ben")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ben.ok("share", "Personal", "drsmith", "--full", "--role", "annotate", TOFU)
    await ben.ok("measure", "take", "phq9", "--answers", "0,1,0,1,0,0,0,0,3", "--difficulty", "2")
    await ben.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,1")
    await ben.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,0")
    taken = {r["safety_answer"]: r for r in await ben.json("measure", "list")}
    await drsmith.ok("sync")

    text = await drsmith.ok("safety", "flags", "--journal", "ben/Personal")
    assert "No safety flags." in text.stderr
    shown = await drsmith.json("safety", "flags", "--journal", "ben/Personal")
    assert set(shown) == {"flags", "answers_without_flag"}
    assert shown["flags"] == []
    rows = shown["answers_without_flag"]
    assert [r["safety_answer"] for r in rows] == [1, 3]  # newest first, as the text
    [ben_id] = [j["owner_id"] for j in await drsmith.json("journal", "list") if j["owner"] == "ben"]
    for row in rows:
        result = taken[row["safety_answer"]]
        assert row == {
            "result_id": result["id"],
            "owner": "ben",
            "owner_id": ben_id,
            "journal": "ben/Personal",
            "journal_id": result["journal_id"],
            "measure": "phq9",
            "name": "PHQ-9",
            "taken_at": result["taken_at"],
            "safety_answer": result["safety_answer"],
            "safety_answer_label": {1: "Several days", 3: "Nearly every day"}[
                result["safety_answer"]
            ],
        }
        when = datetime.fromisoformat(row["taken_at"]).astimezone().strftime("%Y-%m-%d %H:%M")
        line = (
            f"ben/Personal: PHQ-9 of {when}, item 9 answered {row['safety_answer']} "
            f"({row['safety_answer_label']}): `tj measure show {row['result_id'][:12]}`"
        )
        assert line in flat(text.stdout), text.stdout  # the text names the same result
    assert flat(text.stdout).count("`tj measure show ") == len(rows)
    everything = await drsmith.json("safety", "flags")  # no --journal: the same
    assert everything["answers_without_flag"] == rows
    # the client's own results are never listed to them as lacking a flag
    assert await ben.json("safety", "flags") == {"flags": [], "answers_without_flag": []}


ELSEWHERE = (
    "No safety flag was sent to drsmith: you chose to send them safety flags for answers in "
    "'Personal' only, and this answer is in 'Therapy', which nobody else reads. If you want "
    "them "
    "to know, tell them yourself. Do not wait for anyone: act on the message above now."
)


async def test_an_answer_in_a_journal_no_one_with_flags_reads_says_no_flag_was_sent(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F12: ana sends drsmith safety flags for Personal and answers item 9 in Therapy, read by
    no one: the message said nothing of a flag (`--json`: "flag": null alone), and she had
    every reason to think drsmith was alerted. Now it says no flag was sent, and why."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags", TOFU
    )
    await ana.ok("journal", "create", "Therapy")
    taken = await ana.ok(
        "measure", "take", "phq9", "--journal", "Therapy", "--answers", "0,0,0,0,0,0,0,0,1"
    )
    assert ELSEWHERE in flat(taken.stderr), taken.stderr
    shown = await ana.json(
        "measure", "take", "phq9", "--journal", "Therapy", "--answers", "0,0,0,0,0,0,0,0,2"
    )
    assert shown["flag"] is None
    assert ELSEWHERE in [flat(line) for line in shown["safety_message"]["lines"]]
    # an answer in Personal reaches drsmith: no such line
    sent = await ana.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,1")
    assert "No safety flag was sent" not in flat(sent.stderr)
    assert "a safety flag was made for drsmith" in flat(sent.stderr)


async def test_journal_default_yes_still_says_whom_the_new_default_stops_reaching(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F16: ana's default, Personal, is read by drsmith and sends him safety flags; without
    --yes `tj journal default Therapy` says so and asks; with --yes it said nothing of it.
    Now --yes says the same note (not asked), and `--json` names drsmith in "readers_left"
    and "flags_stop"."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags", TOFU
    )
    await ana.ok("journal", "create", "Therapy")
    asked = await ana.tj("journal", "default", "Therapy")  # no answer: nothing done
    assert asked.exit_code != 0
    note = flat(asked.stderr)
    start = note.index("Note: ")
    note = note[start : note.index(".", note.index("safety flag to drsmith")) + 1]
    assert "drsmith" in note and "safety flag" in note, asked.stderr

    done = await ana.ok("journal", "default", "Therapy", "--yes")
    said = flat(done.stderr)
    assert note in said, done.stderr  # the same facts, said
    assert "?" not in said  # not asked
    assert "Your default journal on this device is now Therapy." in said

    await ana.ok("journal", "default", "Personal", "--yes")
    shown = await ana.json("journal", "default", "Therapy", "--yes")
    assert shown["name"] == "Therapy"
    assert [r["username"] for r in shown["readers_left"]] == ["drsmith"]
    assert [r["username"] for r in shown["flags_stop"]] == ["drsmith"]


ANSWERED = "2\n2\n1\n2\n1\n2\n1\n1\n2\n1\n"
"""A PHQ-9 answered on the terminal, item 9 answered 2, then the difficulty 1."""


async def test_an_offline_answer_says_each_fact_once_in_plain_words(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
    tmp_path: Path,
) -> None:
    """F7: offline, item 9 answered 2 with flags on for drsmith, no plan written: the plan
    line was said in the box, then again after the answers (its hint now naming the
    journal), and two paragraphs both said the flag had not left; "sealed" is no word for
    a client. Now: the plan line once, the flag's one paragraph, in plain words."""
    await new_device(live_server, tmp_path, "drsmith")
    await laptop.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags", TOFU
    )
    await outage.begin()
    taken = await laptop.ok("measure", "take", "phq9", input=ANSWERED)
    said = flat(taken.stderr)
    assert said.count("could not sync just now, so the safety plan on it may be out of date") == 1
    assert said.count("NOT left this device") == 1, said
    assert "Because you chose to, a safety flag was made for drsmith, but it has NOT left" in said
    assert "seal" not in said, said
    assert [f["status"] for f in (await laptop.json("safety", "flags"))["flags"]] == ["not sent"]
