"""NU63: a client's field-level copy (`tj share J NAME --only ...`) as a new user and their
therapist met it: what the therapist writes in the copy is news to the client's sync, an
assignment's status when the copy carries what it needs, archiving a copy, and a PHQ-9 whose
answers the copy does not carry. The client's and the therapist's homes, on a real server on
127.0.0.1, through the CLI."""

from __future__ import annotations

import json

from tests.test_cli import Device
from tests.test_cli_r22_departures import ana, tom

__all__ = ["ana", "tom"]  # the fixtures, used by name

SCORES = "Personal (mood, scores) for tom"


async def share_scores(ana: Device, tom: Device) -> None:
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok(
        "share", "Personal", "tom", "--only", "mood,scores", "--role", "annotate", *fingerprint
    )
    await tom.ok("sync")


async def test_a_note_and_an_assignment_in_a_copy_are_news_to_the_clients_sync(
    ana: Device, tom: Device
) -> None:
    await share_scores(ana, tom)
    await tom.ok("note", "ana", "Second note for ana.")
    await tom.ok("assign", "ana", "homework", "behavioural-activation", "--note", "plan 1 thing")
    synced = await ana.ok("sync", "--json")
    report = json.loads(synced.stdout)
    told = {(n["kind"], n["from"], n["count"]) for n in report["news"]}
    assert told == {("note", "tom", 1), ("assignment", "tom", 1)}, report["news"]
    assert "nothing new" not in synced.stderr


async def test_an_assignment_in_a_copy_carrying_scores_is_dated_once_a_result_arrives(
    ana: Device, tom: Device
) -> None:
    await share_scores(ana, tom)
    made = await tom.ok("assign", "ana", "measure", "gad7", "--every", "7")
    said = " ".join(made.stderr.split())
    assert "their results reach you only if it carries scores" in said, said  # not known yet
    [before] = await tom.json("assignments")
    assert before["status"] == "not seen"
    table = " ".join((await tom.ok("assignments", env={"COLUMNS": "200"})).stdout.split())
    assert "no result has reached you in this copy yet" in table, table
    assert "results reach you only if the client shares scores with you" in table

    await ana.ok("sync")
    await ana.ok("measure", "take", "gad7", "--answers", "1,1,1,1,1,1,1")
    await tom.ok("sync")
    [after] = await tom.json("assignments")
    assert (after["status"], after["last_done"] is not None) == ("upcoming", True), after
    table = " ".join((await tom.ok("assignments", env={"COLUMNS": "200"})).stdout.split())
    assert "not seen" not in table and "next " in table, table

    homework = await tom.ok("assign", "ana", "homework", "behavioural-activation")
    said = " ".join(homework.stderr.split())
    assert "their homework reaches you only if it carries homework" in said, said
