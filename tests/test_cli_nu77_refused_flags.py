"""nu77 F1, F2, F3 (safety flags), each through a real `tj` (and the SDK) against a real server
on loopback, real crypto:

- F1: `tj measure take` refused by an archived default journal said no safety flag could be
  sealed and to tell the therapist, yet every refused attempt noted its answer and a flag was
  sealed for each at the sync after unarchiving (two refusals, two flags), and its `--json`
  error said nothing of a flag. Now a refused attempt notes nothing: no flag later, the words
  say so, `flag_sealed` says it, and the printed save seals the one flag.
- F2: a flag without a score sealed for answers later saved under its id (`event`) was not
  matched with that result (the therapist read "no safety flag for you here" for it); the
  printed `save_command` cut `--date` to the minute.
- F3: `tj logout --json` with its question unanswered gave no `unsent_flags` and no counts,
  only its `--yes` refusal did."""

from __future__ import annotations

import json
import re
import shlex
from datetime import UTC, datetime
from pathlib import Path

from client_sdk import Client
from tests.conftest import RunningServer
from tests.test_cli import Device, Outage, laptop, outage  # noqa: F401 (fixtures)
from tests.test_cli_insights import new_device
from tests.test_cli_nu52_findings import flat
from tests.test_cli_nu74_logout import flag_offline

ANSWERS = "1,1,1,1,1,1,1,1,3"
NOT_FOR_YOU = "with no safety flag for you here"


async def opted_in(live_server: RunningServer, tmp_path: Path) -> tuple[Device, Device]:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    return ana, drsmith


async def test_a_refused_take_in_an_archived_journal_seals_no_flag_later(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana, drsmith = await opted_in(live_server, tmp_path)
    await ana.ok("journal", "archive", "Personal")
    text = await ana.tj("measure", "take", "phq9", "--answers", ANSWERS)
    assert text.exit_code == 1, text.stderr
    said = flat(text.stderr)
    assert (
        "No safety flag was sent for these answers: none could be made without a score either "
        "(journal 'Personal' is archived: unarchive it first), and none will be for these "
        "answers unless they are saved (`tj measure take phq9 --answers " in said
    ), said
    assert "If you chose to send safety flags, tell your therapist yourself." in said, said
    assert "and makes their safety flag if you chose to send safety flags" in said, said
    assert "seals no second safety flag" not in said, said
    refused = await ana.tj("measure", "take", "phq9", "--answers", ANSWERS, "--json")
    assert refused.exit_code == 1, refused.stderr
    error = json.loads(refused.raw_stdout)["error"]
    assert error["subject"] == "archived" and error["flag_sealed"] is False, error
    # to the millisecond (F2): a minute's or a second's cut may fall before the opt-in
    when = re.search(r"--date '([0-9-]+ [0-9:.]+)'", error["save_command"])
    shape = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}"
    assert when is not None and re.fullmatch(shape, when[1]), error

    await ana.ok("journal", "unarchive", "Personal")
    await ana.ok("sync")
    await drsmith.ok("sync")
    assert (await drsmith.json("safety", "flags"))["flags"] == [], "a refused attempt flags nothing"

    saved = await ana.tj(*shlex.split(error["save_command"])[1:], "--json")
    assert saved.exit_code == 0, saved.stderr
    taken = json.loads(saved.raw_stdout)
    assert taken["id"] == error["result_id"] and taken["flag"] is not None, taken
    local = datetime.strptime(when[1], "%Y-%m-%d %H:%M:%S.%f").astimezone()
    assert datetime.fromisoformat(taken["taken_at"]) == local.astimezone(UTC), taken
    await drsmith.ok("sync")
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    assert flag["result_id"] == error["result_id"], flag
    assert NOT_FOR_YOU not in flat((await drsmith.ok("safety", "flags")).stderr)


async def test_a_flag_without_a_score_covers_the_result_saved_under_its_id(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana, drsmith = await opted_in(live_server, tmp_path)
    app = await Client.open(ana.home)
    try:
        result_id = app.measures.new_result_id()
        response = await app.safety.respond_to_answer("phq9", 9, 3, result_id=result_id)
        assert response.flag_id is not None and response.flagged_to == ["drsmith"]
        answers = [int(a) for a in ANSWERS.split(",")]
        await app.measures.take("phq9", answers, result_id=result_id)
        await app.sync()
    finally:
        await app.close()
    await drsmith.ok("sync")
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    assert flag["result_id"] is None and flag["event"] == result_id, flag
    listed = await drsmith.ok("safety", "flags")
    assert NOT_FOR_YOU not in flat(listed.stdout + listed.stderr), listed.stderr


async def test_logout_question_unanswered_gives_the_refusals_keys(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
    tmp_path: Path,
) -> None:
    await flag_offline(live_server, laptop, outage, tmp_path)
    asked = await laptop.tj("logout", "--json", input="")
    assert asked.exit_code == 1, asked.stderr
    question = json.loads(asked.stdout)["error"]
    refused = await laptop.tj("logout", "--yes", "--json")
    assert refused.exit_code == 1, refused.stderr
    refusal = json.loads(refused.stdout)["error"]
    assert question["subject"] == refusal["subject"] == "unsynced changes", question
    for key in ("unsent_flags", "unsynced", "unsynced_kinds", "drafts"):
        assert question[key] == refusal[key], (key, question, refusal)
    [row] = question["unsent_flags"]
    assert row["measure"] == "phq9" and row["answer"] == 2, row
    assert question["unsynced_kinds"]["safety_flag"] == 1, question
    assert question["unsynced_kinds"]["measure"] == 1, question
    assert question["unsynced"] == sum(question["unsynced_kinds"].values()), question
    assert (laptop.home / "profile").exists()
