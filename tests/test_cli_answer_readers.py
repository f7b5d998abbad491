"""`tj measure share ID NAME --without-answers` of a PHQ-9 says that NAME does not see item
9 only when NAME reads that result's answers no other way: not when NAME reads the journal
whole, reads a copy of it that carries answers, or was shared the result with its answers
before (their device may hold them): it says that instead (`Measures.answer_readers`). And
`tj measure take phq9 --json` puts the score-only readers in its JSON without counting the
once-per-journal note as said. Real server on 127.0.0.1, through the CLI."""

from __future__ import annotations

import json

from client_sdk import Client
from tests.test_cli import Device
from tests.test_cli_r22_departures import ana, tom

__all__ = ["ana", "tom"]  # the fixtures, used by name

SCORE_ONLY = "tom sees only the score of this PHQ-9, not your answers (so not item 9)"
ITEM_9_UNKNOWN = "this PHQ-9 has item 9 answered above 0, and tom will not know it"
"""What `tj measure share --without-answers` says of a PHQ-9 whose item 9 was above 0."""
ITEM_9 = "0,1,0,1,0,1,0,1,2"
NO_ITEM_9 = "0,1,0,1,0,1,0,1,0"


def flat(text: str) -> str:
    return " ".join(text.split())


async def tom_reads(tom: Device) -> list[list[int] | None]:
    """The answers of each row of tom's `tj measure list --json` (ana's one PHQ-9, as read
    in each journal he reads it in: a copy has an id of its own)."""
    await tom.ok("sync")
    return [r.get("answers") for r in await tom.json("measure", "list")]


async def answer_readers(ana: Device, result_id: str) -> dict[str, str]:
    client = await Client.open(ana.home)
    try:
        return await client.measures.answer_readers(result_id)
    finally:
        await client.close()


async def test_a_whole_journal_reader_is_not_told_they_do_not_see_item_9(
    ana: Device, tom: Device
) -> None:
    fp = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok("share", "Personal", "tom", *fp)  # tom reads Personal whole
    taken = await ana.json("measure", "take", "phq9", "--answers", ITEM_9)
    shared = await ana.ok("measure", "share", taken["id"][:8], "tom", "--without-answers", *fp)
    said = flat(shared.stderr)
    assert [0, 1, 0, 1, 0, 1, 0, 1, 2] in await tom_reads(tom)  # tom reads item 9
    assert SCORE_ONLY not in said and ITEM_9_UNKNOWN not in said, said
    assert (
        "tom still reads your answers to this PHQ-9 (so item 9) through 'Personal': sharing it "
        "without its answers does not hide them there." in said
    ), said
    assert await answer_readers(ana, taken["id"]) == {"tom": "Personal"}


async def test_an_answers_copy_reader_is_not_told_they_do_not_see_item_9(
    ana: Device, tom: Device
) -> None:
    fp = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok("share", "Personal", "tom", "--only", "scores,answers", "--role", "annotate", *fp)
    taken = await ana.json("measure", "take", "phq9", "--answers", ITEM_9)
    shared = await ana.ok("measure", "share", taken["id"][:8], "tom", "--without-answers", *fp)
    said = flat(shared.stderr)
    assert [0, 1, 0, 1, 0, 1, 0, 1, 2] in await tom_reads(tom)
    assert SCORE_ONLY not in said and ITEM_9_UNKNOWN not in said, said
    readers = await answer_readers(ana, taken["id"])
    assert list(readers) == ["tom"] and readers["tom"] not in ("Personal", "Shared with tom")
    assert f"tom still reads your answers to this PHQ-9 (so item 9) through '{readers['tom']}'" in (
        said
    ), said


async def test_a_result_shared_with_its_answers_before_says_tom_keeps_them(
    ana: Device, tom: Device
) -> None:
    fp = ("--fingerprint", tom.signup["fingerprint"])
    taken = await ana.json("measure", "take", "phq9", "--answers", ITEM_9)
    await ana.ok("measure", "share", taken["id"][:8], "tom", *fp)  # with its answers
    assert [0, 1, 0, 1, 0, 1, 0, 1, 2] in await tom_reads(tom)  # tom holds them
    assert await answer_readers(ana, taken["id"]) == {"tom": "Shared with tom"}
    shared = await ana.ok("measure", "share", taken["id"][:8], "tom", "--without-answers", *fp)
    said = flat(shared.stderr)
    assert SCORE_ONLY not in said and ITEM_9_UNKNOWN not in said, said
    assert (
        "you shared this PHQ-9 with tom before with your answers (so item 9): tom keeps what "
        "they already downloaded of it; from now on their copy carries only the score." in said
    ), said
    assert await answer_readers(ana, taken["id"]) == {}  # the copy carries them no more


async def test_score_only_readers_are_still_told_they_do_not_see_item_9(
    ana: Device, tom: Device
) -> None:
    """The note stays where it is true: a copy of scores only, and the result alone."""
    fp = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok("share", "Personal", "tom", "--only", "mood,scores", "--role", "annotate", *fp)
    taken = await ana.json("measure", "take", "phq9", "--answers", ITEM_9)
    assert await answer_readers(ana, taken["id"]) == {}
    shared = await ana.ok("measure", "share", taken["id"][:8], "tom", "--without-answers", *fp)
    said = flat(shared.stderr)
    assert ITEM_9_UNKNOWN in said and "still reads" not in said, said
    assert await tom_reads(tom) == [None, None]  # both copies: no answers in either


async def test_a_json_run_puts_the_readers_in_its_json_and_leaves_the_note_unsaid(
    ana: Device, tom: Device
) -> None:
    """An app reading `tj measure take phq9 --json` gets the score-only readers in the JSON,
    each time; the device does not count that as having said it: the next PHQ-9 taken
    without --json says it, once."""
    fp = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok("share", "Personal", "tom", "--only", "mood,scores", "--role", "annotate", *fp)
    for _ in range(2):
        first = await ana.ok("measure", "take", "phq9", "--answers", NO_ITEM_9, "--json")
        assert json.loads(first.stdout)["score_only_readers"] == ["tom"]
        assert "sees only the score" not in first.stdout
    gad = await ana.json("measure", "take", "gad7", "--answers", "0,1,0,1,0,1,0")
    assert gad["score_only_readers"] == []  # no item 9 to speak of: the same keys (NU65 F1)
    later = await ana.ok("measure", "take", "phq9", "--answers", NO_ITEM_9)
    assert SCORE_ONLY in flat(later.stderr), later.stderr
    quiet = await ana.ok("measure", "take", "phq9", "--answers", NO_ITEM_9)
    assert "sees only the score" not in flat(quiet.stderr), quiet.stderr
