"""A questionnaire's result is stored once, whatever fails around its save (`tj measure
take`): the result's id is chosen before the save and kept with a draft of the answers, so
a draft saved again returns the result stored before instead of a second one; a failure
after the result was stored says it was saved (the store is asked), keeps no draft, and the
safety flag the stored result owes is sealed; a draft saves into the journal its answers
were given for (by id), or is refused when that journal is gone. Click's CliRunner (in
process, so that a step can be made to fail); a real server on loopback, real crypto.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device
from tests.test_cli_safety_item import flat, opted_in

PIPED_PHQ9 = "1\n1\n1\n1\n1\n1\n1\n1\n2\n1\n"  # item 9 answered 2, then the difficulty


async def test_a_draft_whose_save_is_interrupted_after_storing_it_is_not_saved_twice(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C during the save's sync, after the result was stored: the draft stayed, the
    interrupted run said nothing of the save, and running the command again stored a second,
    identical result. Now the draft is deleted once its result is stored, and said."""
    import cli.measures
    from cli.measures import KeptAnswers, keep_answers

    ana = await new_device(live_server, tmp_path, "ana")
    at = datetime.now().astimezone()
    draft = keep_answers(ana.home, KeptAnswers("phq9", [1] * 8 + [0], None, at, None))

    async def interrupted(*args: object, **kwargs: object) -> str:
        raise KeyboardInterrupt  # Ctrl-C while the save's sync runs

    with monkeypatch.context() as patch:
        patch.setattr(cli.measures, "sync_note", interrupted)
        first = await ana.tj("measure", "take", "phq9", "--draft", str(draft))
    said = flat(first.stderr)
    assert first.exit_code == 130, said
    [result] = await ana.json("measure", "list")
    assert f"Your answers were saved (result {result['id'][:8]}" in said, said
    assert f"the draft {draft} is deleted" in said
    assert "Nothing was saved" not in said
    assert not draft.exists()
    assert len(await ana.json("measure", "list")) == 1


async def test_a_copy_of_a_draft_saved_again_returns_the_result_stored_before(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A draft kept outside the drafts folder (the user's own copy) is not deleted: the id
    its save stored the result under is written into it before the save, so saving it again
    after an interrupted save stores nothing more, and says the answers were saved before."""
    import cli.measures
    from cli.measures import KeptAnswers, keep_answers

    ana = await new_device(live_server, tmp_path, "ana")
    at = datetime.now().astimezone()
    kept = keep_answers(ana.home, KeptAnswers("gad7", [2] * 7, None, at, None))
    copy = tmp_path / "my-answers.json"
    shutil.copy(kept, copy)

    async def interrupted(*args: object, **kwargs: object) -> str:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(cli.measures, "sync_note", interrupted)
        first = await ana.tj("measure", "take", "gad7", "--draft", str(copy))
    assert first.exit_code == 130
    [result] = await ana.json("measure", "list")
    assert json.loads(copy.read_text())["result_id"] == result["id"]
    again = await ana.ok("measure", "take", "gad7", "--draft", str(copy))
    assert f"The answers of {copy} were saved before." in flat(again.stderr)
    assert [r["id"] for r in await ana.json("measure", "list")] == [result["id"]]


async def test_a_failure_after_the_result_was_stored_says_saved_and_seals_its_flag(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`client.measures.take` stores the result, then keeps its field-level copies current:
    a failure there (a busy store here) came before the CLI knew of the result. It said
    "not saved ... no safety flag was sent", kept a draft whose save stored a second result,
    and the therapist never got the flag of the first. Now the store is asked: saved, no
    draft, the flag sealed."""
    import client_sdk.sharing
    from client_sdk.errors import StoreBusy

    ben, drsmith = await opted_in(live_server, tmp_path)

    async def busy(*args: object, **kwargs: object) -> None:
        raise StoreBusy()

    with monkeypatch.context() as patch:
        patch.setattr(client_sdk.sharing.Sharing, "mirror", busy)
        first = await ben.tj("measure", "take", "phq9", input=PIPED_PHQ9)
    said = flat(first.stderr)
    assert first.exit_code == 1, said
    [result] = await ben.json("measure", "list")
    assert f"Your answers were saved (result {result['id'][:8]}" in said, said
    assert "not saved" not in said and "No safety flag was sent" not in said
    assert "a safety flag was made for drsmith" in said
    assert "nothing was written" not in said  # the busy store's own words: not after a save
    assert "your answers were saved, but what follows the save did not finish" in said
    assert not list((ben.home / "drafts").glob("*.answers.json"))
    await ben.ok("sync")
    await drsmith.ok("sync")
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    assert flag["result_id"] == result["id"]


async def test_a_draft_kept_when_the_store_cannot_say_is_saved_once(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The save failed after storing the result and the store cannot be asked either: the
    answers are kept in a draft naming the result's id, said as not known to be saved (never
    "not saved"); saving the draft then returns the stored result, and seals its flag."""
    import client_sdk.measures
    import client_sdk.sharing
    from client_sdk.errors import StoreBusy

    ben, drsmith = await opted_in(live_server, tmp_path)

    async def busy(*args: object, **kwargs: object) -> None:
        raise StoreBusy()

    with monkeypatch.context() as patch:
        patch.setattr(client_sdk.sharing.Sharing, "mirror", busy)
        patch.setattr(client_sdk.measures.Measures, "get", busy)
        first = await ben.tj("measure", "take", "phq9", input=PIPED_PHQ9)
    said = flat(first.stderr)
    assert first.exit_code == 1, said
    [draft] = sorted((ben.home / "drafts").glob("*.answers.json"))
    [result] = await ben.json("measure", "list")
    assert json.loads(draft.read_text())["result_id"] == result["id"]
    assert (
        f"It could not be checked whether your answers were saved: they are kept in {draft}" in said
    )
    assert "not saved" not in said.replace("If they were not saved", "")
    saving = await ben.ok("measure", "take", "phq9", "--draft", str(draft))
    assert f"The answers of {draft} were saved before, and deleted it." in flat(saving.stderr)
    assert [r["id"] for r in await ben.json("measure", "list")] == [result["id"]]
    await ben.ok("sync")
    await drsmith.ok("sync")
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    assert flag["result_id"] == result["id"]


async def test_a_draft_saves_into_the_journal_its_answers_were_given_for(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """Answers given for Work, which is then renamed "Work 2025" while a new "Work" is made:
    the draft named its journal by name and saved into the new one. Now by id; a journal gone
    since is refused, naming it, and --journal saves into another."""
    from cli.measures import KeptAnswers, keep_answers

    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("journal", "create", "Work")
    [work] = [j for j in await ana.json("journal", "list") if j["name"] == "Work"]
    at = datetime.now().astimezone()
    draft = keep_answers(ana.home, KeptAnswers("gad7", [1] * 7, None, at, "Work", work["id"]))
    await ana.ok("journal", "rename", "Work", "Work 2025")
    await ana.ok("journal", "create", "Work")
    await ana.ok("measure", "take", "gad7", "--draft", str(draft))
    [result] = await ana.json("measure", "list")
    assert result["journal"] == "Work 2025"

    gone = keep_answers(ana.home, KeptAnswers("gad7", [2] * 7, None, at, "Work 2025", work["id"]))
    await ana.ok("journal", "delete", "Work 2025", input="'Work 2025'\n")
    refused = await ana.tj("measure", "take", "gad7", "--draft", str(gone))
    told = flat(refused.stderr)
    assert refused.exit_code == 1
    assert "the journal these answers were given for (Work 2025, id" in told, told
    assert "is no longer on this device" in told and "--journal NAME" in told
    assert gone.exists()
    await ana.ok("measure", "take", "gad7", "--draft", str(gone), "--journal", "Work")
    [saved] = await ana.json("measure", "list")
    assert (saved["journal"], saved["score"]) == ("Work", 14)


async def test_a_stored_result_whose_flag_cannot_be_sealed_now_says_the_sync_seals_it(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The result was stored, and the safety response that seals its flag fails too: never
    "no safety flag was sent", but that `tj sync` seals it (the answer is watched with the
    result, with the members this device knew the flag was due to). It did not: the sync
    said "No safety flag was sent to drsmith", as for an opt-in made on another device
    within 15 minutes of the answer, though the opt-in was made on this one, before."""
    import client_sdk.safety_path
    import client_sdk.sharing
    from client_sdk.errors import StoreBusy

    ben, drsmith = await opted_in(live_server, tmp_path)

    async def busy(*args: object, **kwargs: object) -> None:
        raise StoreBusy()

    with monkeypatch.context() as patch:
        patch.setattr(client_sdk.sharing.Sharing, "mirror", busy)
        patch.setattr(client_sdk.safety_path.SafetyPath, "respond", busy)
        first = await ben.tj("measure", "take", "phq9", input=PIPED_PHQ9)
    said = flat(first.stderr)
    assert (
        "A safety flag these answers owe (if you chose to send safety flags) is not made yet:"
        in said
    )
    assert "not saved" not in said and "No safety flag was sent" not in said
    syncing = await ben.ok("sync")
    synced = flat(syncing.stdout + syncing.stderr)
    assert "No safety flag was sent" not in synced
    assert "made for drsmith for your PHQ-9 answer of" in synced, synced
    [result] = await ben.json("measure", "list")
    assert f"Your answers were saved (result {result['id'][:8]}" in said, said
    assert "nothing was written" not in said  # the busy store's words: not after a save
    await drsmith.ok("sync")
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    assert flag["result_id"] == result["id"]


async def test_a_draft_naming_another_accounts_result_id_is_saved_under_a_new_one(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A draft naming a result id this account did not make (a copy of another account's
    draft, a hand-edited file) could never be saved: each run said "Nothing was saved ...
    (`tj measure take gad7 --draft FILE` saves it)" and failed the same way, with an SDK
    error. Now its answers are saved under a new id, written into the draft first, and said;
    the other account's result is untouched, and saving the draft again stores nothing."""
    import cli.measures

    ana = await new_device(live_server, tmp_path, "ana")
    ben = await new_device(live_server, tmp_path, "ben")
    copy = tmp_path / "my-answers.json"
    from cli.measures import KeptAnswers, keep_answers

    at = datetime.now().astimezone()
    shutil.copy(keep_answers(ana.home, KeptAnswers("gad7", [2] * 7, None, at, None)), copy)

    async def interrupted(*args: object, **kwargs: object) -> str:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(cli.measures, "sync_note", interrupted)
        await ana.tj("measure", "take", "gad7", "--draft", str(copy))
    [anas] = await ana.json("measure", "list")
    assert json.loads(copy.read_text())["result_id"] == anas["id"]

    saved = await ben.ok("measure", "take", "gad7", "--draft", str(copy))
    said = flat(saved.stderr)
    assert f"names a result id this account did not make ({anas['id'][:8]}" in said, said
    assert f"Saved the answers of {copy}." in said
    [bens] = await ben.json("measure", "list")
    assert bens["id"] != anas["id"] and bens["score"] == 14
    assert json.loads(copy.read_text())["result_id"] == bens["id"]
    again = await ben.ok("measure", "take", "gad7", "--draft", str(copy))
    assert f"The answers of {copy} were saved before." in flat(again.stderr)
    assert [r["id"] for r in await ben.json("measure", "list")] == [bens["id"]]
    assert [r["id"] for r in await ana.json("measure", "list")] == [anas["id"]]


@pytest.mark.parametrize("given", ["asked", "--answers"])
async def test_a_safety_answer_no_draft_will_save_is_flagged_without_a_score(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    """Item 9 answered above 0 and a save that stored nothing: a flag waited for the draft's
    save, but with --answers (no draft is kept) or a draft that cannot be written there was
    none to wait for: no flag, ever. Now a flag without a score is sealed at once (a safety
    event, as for a questionnaire stopped), and the command printed to save the answers
    names their result id (--result-id), so that it never stores them twice."""
    import client_sdk.measures
    from client_sdk.errors import StoreBusy

    ben, drsmith = await opted_in(live_server, tmp_path)
    (ben.home / "drafts").write_text("not a folder")  # no draft can be kept

    async def busy(*args: object, **kwargs: object) -> None:
        raise StoreBusy()

    with monkeypatch.context() as patch:
        patch.setattr(client_sdk.measures.Measures, "take", busy)
        if given == "asked":
            first = await ben.tj("measure", "take", "phq9", input=PIPED_PHQ9)
        else:
            answers = "1,1,1,1,1,1,1,1,2"
            first = await ben.tj("measure", "take", "phq9", "--answers", answers)
    said = flat(first.stderr)
    assert first.exit_code == 1, said
    assert await ben.json("measure", "list") == []
    assert "a safety flag was made for drsmith without a score" in said, said
    if given == "asked":  # the command printed saves them once, run once or twice
        assert "could not be kept in a draft" in said
        [chosen] = re.findall(r"--result-id ([0-9a-f]{32})", said)
        again = ["--answers", "1,1,1,1,1,1,1,1,2", "--difficulty", "1", "--result-id", chosen]
        for _ in range(2):
            await ben.ok("measure", "take", "phq9", *again)
        assert [r["id"] for r in await ben.json("measure", "list")] == [chosen]
    await drsmith.ok("sync")
    flags = (await drsmith.json("safety", "flags"))["flags"]
    assert ("ben", 9, 2, None) in [
        (f["owner"], f["item"], f["answer"], f["result_id"]) for f in flags
    ]
