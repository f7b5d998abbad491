"""`tj measure take --result-id ID`, and answers whose save failed: an id already holding a
result is never taken for these answers unless it holds these very answers; answers not saved
are kept (a draft, or the printed command) and their safety flag is sealed, once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.e2e.test_questionnaire_saved_once import PIPED_PHQ9
from tests.test_cli_safety_item import flat, opted_in

WORRYING = "2,2,2,2,2,2,2,2,3"  # item 9 answered 3


async def busy(*args: object, **kwargs: object) -> None:
    from client_sdk.errors import StoreBusy

    raise StoreBusy()


def printed_id(said: str) -> str:
    """The result id of the command printed that saves the answers."""
    [chosen] = re.findall(r"--result-id ([0-9a-f]{32})[^.]* saves them", said)
    return chosen


async def test_a_result_id_holding_other_answers_is_refused_and_the_answers_kept_and_flagged(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ben, drsmith = await opted_in(live_server, tmp_path)
    await ben.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,0")
    [old] = await ben.json("measure", "list")
    run = await ben.tj("measure", "take", "phq9", "--answers", WORRYING, "--result-id", old["id"])
    said = flat(run.stderr)
    assert run.exit_code == 1
    assert "999" in said  # the safety message
    assert "saved before with other answers" in said
    assert "Your answers were saved" not in said and "nothing was written" not in said
    assert [r["score"] for r in await ben.json("measure", "list")] == [0]
    await ben.ok("sync")
    await drsmith.ok("sync")
    assert [f["result_id"] for f in (await drsmith.json("safety", "flags"))["flags"]] == [None]
    # the command printed saves them under a new id, with no second flag
    new = printed_id(said)
    assert new != old["id"]
    await ben.ok("measure", "take", "phq9", "--answers", WORRYING, "--result-id", new)
    assert sorted(r["score"] for r in await ben.json("measure", "list")) == [0, 19]
    await ben.ok("sync")
    await drsmith.ok("sync")
    assert len((await drsmith.json("safety", "flags"))["flags"]) == 1


async def test_the_same_answers_under_their_result_id_are_said_saved_before(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ben, drsmith = await opted_in(live_server, tmp_path)
    await ben.ok("measure", "take", "phq9", "--answers", WORRYING)
    [old] = await ben.json("measure", "list")
    run = await ben.ok("measure", "take", "phq9", "--answers", WORRYING, "--result-id", old["id"])
    said = flat(run.stderr)
    assert "999" in said  # the safety message, every time
    assert f"These answers were saved before (result {old['id'][:8]}" in said
    assert len(await ben.json("measure", "list")) == 1
    await ben.ok("sync")
    await drsmith.ok("sync")
    assert len((await drsmith.json("safety", "flags"))["flags"]) == 1


async def test_a_result_id_of_another_measure_is_refused_and_the_answers_flagged(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ben, drsmith = await opted_in(live_server, tmp_path)
    await ben.ok("measure", "take", "gad7", "--answers", "0,0,0,0,0,0,0")
    [old] = await ben.json("measure", "list")
    run = await ben.tj("measure", "take", "phq9", "--answers", WORRYING, "--result-id", old["id"])
    said = flat(run.stderr)
    assert run.exit_code == 1
    assert "Your answers were saved" not in said and "answers were saved," not in said
    assert "is of another measure" in said and "999" in said
    assert [r["measure"] for r in await ben.json("measure", "list")] == ["gad7"]
    await ben.ok("sync")
    await drsmith.ok("sync")
    assert len((await drsmith.json("safety", "flags"))["flags"]) == 1
    await ben.ok("measure", "take", "phq9", "--answers", WORRYING, "--result-id", printed_id(said))
    assert len(await ben.json("measure", "list")) == 2


@pytest.mark.parametrize("given", ["asked", "--answers"])
async def test_a_flag_sealed_without_a_score_is_not_sealed_again_by_the_printed_command(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    import client_sdk.measures

    ben, drsmith = await opted_in(live_server, tmp_path)
    (ben.home / "drafts").write_text("not a folder")  # no draft can be kept
    answers = "1,1,1,1,1,1,1,1,2"
    with monkeypatch.context() as patch:
        patch.setattr(client_sdk.measures.Measures, "take", busy)
        if given == "asked":
            first = await ben.tj("measure", "take", "phq9", input=PIPED_PHQ9)
        else:
            first = await ben.tj("measure", "take", "phq9", "--answers", answers)
    said = flat(first.stderr)
    assert first.exit_code == 1
    assert "a safety flag was made for drsmith without a score" in said
    assert "nothing was written" not in said  # a flag was
    assert said.endswith("the safety flag without a score was sealed")
    await ben.ok(
        "measure", "take", "phq9", "--answers", answers, "--difficulty", "1",
        "--result-id", printed_id(said),
    )  # fmt: skip
    await ben.ok("sync")
    await drsmith.ok("sync")
    flags = (await drsmith.json("safety", "flags"))["flags"]
    assert [(f["result_id"], f["answer"]) for f in flags] == [(None, 2)]  # one flag, not two


async def test_a_kept_draft_answering_item_9_above_0_is_never_offered_for_discarding(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import client_sdk.measures

    ben, drsmith = await opted_in(live_server, tmp_path)
    with monkeypatch.context() as patch:
        patch.setattr(client_sdk.measures.Measures, "take", busy)
        await ben.tj("measure", "take", "phq9", input=PIPED_PHQ9)
    [draft] = (ben.home / "drafts").glob("*.answers.json")
    synced = flat((await ben.ok("sync")).stderr)  # no sync seals its flag: it says so
    assert f"Safety: answers a failed save kept in {draft}" in synced
    assert "discarding them sends none" in synced
    nxt = await ben.tj("measure", "take", "gad7", input="0\n0\n0\n0\n0\n0\n0\n\n")
    said = flat(nxt.stderr)
    assert str(draft.name) in said
    assert "rm " not in said
    assert "They answer item 9 above 0: saving them sends the safety flag they owe" in said
    assert "discarding them sends none" in said
