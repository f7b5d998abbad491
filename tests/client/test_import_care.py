"""Moving to a new account with export then import keeps the person's own questionnaire
results (their PHQ-9/GAD-7 history, with its answers and times) and their safety plan (NU45
#13, NU48 #3); scores are computed again, a hand-edited file is refused naming the field, and
a second import adds nothing. Real server on loopback, real crypto."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from client_sdk import Client, InvalidInput, keys
from client_sdk.scoring import IMPROVEMENT
from tests.conftest import ClientFactory

SEVERE = [3, 3, 3, 2, 2, 2, 2, 2, 0]  # PHQ-9 19
MILD = [1, 1, 1, 1, 0, 1, 0, 0, 0]  # PHQ-9 5
ITEM_9 = [0, 0, 0, 0, 0, 0, 0, 0, 2]  # PHQ-9 2, item 9 above 0


async def exported_with_care(ana: Client) -> dict[str, Any]:
    """Ana's export: a PHQ-9 taken 30 days ago, a GAD-7, and a safety plan she opted in to
    safety flags with; as it reads back from a file."""
    month_ago = datetime.now(UTC) - timedelta(days=30)
    await ana.measures.take("phq9", SEVERE, unscored=2, taken_at=month_ago)
    await ana.measures.take("gad7", [1, 1, 1, 1, 1, 1, 1])
    await ana.entries.write("Personal", "A day.")
    await ana.safety.set_plan(
        emergency_number="999", crisis_line="116 123", plan="Ring Jo, then walk.", share_flags=True
    )
    return json.loads(json.dumps(await ana.archive.export_json()))


async def test_own_results_and_safety_plan_arrive_in_the_new_account(
    signup: ClientFactory, login: ClientFactory
) -> None:
    ana = await signup("ana")
    data = await exported_with_care(ana)
    before = await ana.measures.list()

    bob = await signup("bob")
    report = await bob.archive.import_json(data)  # bob's own "Personal" is never written
    assert report.created_journals == ["Personal (imported)"]
    assert set(report.results) == {r.id for r in before}
    assert report.safety_plans == ["Personal (imported)"] and report.safety_plans_kept == []
    assert report.to_dict()["results"] == report.results
    # the opt-in is not carried over, and the report says so (NU49 F2); it reached no one
    assert report.left_out == {"safety_flags_opt_in": 1}
    assert report.flags_not_carried == {"Personal (imported)": []}
    await bob.sync()

    phone = await login("bob")  # through the server, sealed and signed by bob
    await phone.sync()
    after = await phone.measures.list()
    assert [(r.measure, r.taken_at, r.answers, r.unscored, r.score, r.band) for r in after] == [
        (r.measure, r.taken_at, r.answers, r.unscored, r.score, r.band) for r in before
    ]
    assert all(keys.created_by(bytes.fromhex(r.id), bob.profile.account_id) for r in after)
    assert {r.id for r in after} == set(report.results.values())
    plan = await phone.safety.plan("Personal (imported)")
    assert (plan.emergency_number, plan.crisis_line, plan.plan) == (
        "999",
        "116 123",
        "Ring Jo, then walk.",
    )
    assert plan.share_flags is False  # the opt-in named ana's old shares' members


async def test_reliable_change_is_computed_across_an_imported_and_a_new_result(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    data = await exported_with_care(ana)
    bob = await signup("bob")
    await bob.archive.import_json(data, into="Personal")  # named: the new result's journal

    taken = await bob.measures.take("phq9", MILD)
    assert taken.previous is not None and taken.previous.score == 19
    assert taken.change is not None and taken.change.change == -14
    assert taken.baseline == taken.previous and taken.since_baseline is not None
    assert taken.since_baseline.change == -14
    assert taken.since_baseline.reliable == IMPROVEMENT and taken.since_baseline.now_below_caseness


async def test_importing_the_file_twice_adds_no_result_or_plan_twice(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    data = await exported_with_care(ana)
    bob = await signup("bob")
    await bob.archive.import_json(data)
    again = await bob.archive.import_json(data)
    assert again.results == {} and again.safety_plans == [] and again.safety_plans_kept == []
    assert again.already_here == {"entries": 1, "results": 2, "safety_plans": 1}
    assert len(await bob.measures.list()) == 2


async def test_a_plan_written_in_the_new_account_is_kept_not_overwritten(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    data = await exported_with_care(ana)
    bob = await signup("bob")
    await bob.safety.set_plan(plan="Call my sister.")
    report = await bob.archive.import_json(data, into="Personal")  # named: bob's own plan
    assert report.safety_plans == [] and report.safety_plans_kept == ["Personal"]
    plan = await bob.safety.plan()
    assert (plan.plan, plan.emergency_number) == ("Call my sister.", None)
    assert len(report.results) == 2  # the rest is imported all the same


async def test_an_item_9_answer_imported_is_a_safety_concern_again_and_raises_no_flag(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    await signup("drsmith")
    await ana.shares.grant(
        "Personal", "drsmith", trust_on_first_use=True, full=True, role="annotate"
    )
    await ana.safety.set_plan(plan="Ring Jo.", share_flags=True)
    taken = await ana.measures.take("phq9", ITEM_9)
    await ana.safety.respond(taken.result)  # the flag for drsmith, sealed then
    data = json.loads(json.dumps(await ana.archive.export_json()))
    assert len(data["safety_flags"]) == 1

    bob = await signup("bob")
    await bob.shares.grant(
        "Personal", "drsmith", trust_on_first_use=True, full=True, role="annotate"
    )
    await bob.safety.set_plan(share_flags=True)  # opted in: no flag for an old answer all the same
    # named by the user: drsmith reads bob's Personal, and the file's is another account's
    report = await bob.archive.import_json(data, into="Personal")
    assert report.left_out == {"safety_flags": 1}
    assert report.safety_plans == ["Personal"]  # its text: the opt-in was written already
    [result] = await bob.measures.list()
    assert result.safety_concern is True and result.answers == tuple(ITEM_9)
    await bob.sync()
    await bob.sync()
    assert await bob.safety.flags() == []


async def test_a_result_of_a_journal_shared_with_the_exporter_stays_in_the_file(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    drsmith = await signup("drsmith")
    await ana.shares.grant("Personal", "drsmith", trust_on_first_use=True, full=True)
    await ana.measures.take("gad7", [0, 1, 0, 1, 0, 1, 0])
    await ana.safety.set_plan(plan="Ring Jo.")
    await ana.sync()
    await drsmith.sync()
    data = json.loads(json.dumps(await drsmith.archive.export_json()))
    assert len(data["results"]) == 1

    cleo = await signup("cleo")
    report = await cleo.archive.import_json(data)
    assert report.results == {} and report.left_out == {"results": 1, "safety_plans": 1}
    assert await cleo.measures.list() == []


def tampered(data: dict[str, Any], change: Any) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    change(changed)
    return changed


def set_field(kind: str, name: str, value: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        data[kind][0][name] = value

    return change


def first_phq9(data: dict[str, Any]) -> dict[str, Any]:
    return next(r for r in data["results"] if r["measure"] == "phq9")


def phq9_field(name: str, value: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        first_phq9(data)[name] = value

    return change


def without(name: str) -> Any:
    def change(data: dict[str, Any]) -> None:
        del first_phq9(data)[name]

    return change


FUTURE = (datetime.now(UTC) + timedelta(days=2)).isoformat()

R, P = "results[0]: ", "safety_plans[0]: "
HOSTILE = [
    (phq9_field("score", 3), R + "'score' is 3, not the total of its answers (19)"),
    (phq9_field("score", "19"), R + "'score' should be a whole number"),
    (phq9_field("answers", [3] * 8), R + "PHQ-9 has 9 items: give 9 answers, not 8"),
    (phq9_field("answers", [True] * 9), R + "'answers' should be a list of whole numbers"),
    (phq9_field("answers", [0, 0, 0, 0, 0, 0, 0, 0, 7]), R + "PHQ-9 item 9: an answer is one"),
    (phq9_field("answers", None), R + "'answers' should be a list of whole numbers"),
    (phq9_field("measure", "beck"), R + "'measure' should be one of gad7, pcl5, phq9"),
    (phq9_field("unscored", 9), R + "PHQ-9 difficulty: not an answer: 9"),
    (phq9_field("taken_at", FUTURE), R + "'taken_at' should be a time between 1970 and now"),
    (phq9_field("taken_at", "yesterday"), R + "'taken_at' should be an ISO 8601 time"),
    (phq9_field("journal_id", "ab" * 16), "results[0] names journal " + "ab" * 16 + ", not in"),
    (phq9_field("safety_concern", "no"), R + "'safety_concern' should be true or false"),
    (phq9_field("band", 4), R + "'band' should be a string"),
    (phq9_field("band_id", 4), R + "'band_id' should be a string"),
    (phq9_field("safety_answer", "two"), R + "'safety_answer' should be a whole number"),
    (without("taken_at"), "results[0] lacks 'taken_at'"),
    (set_field("safety_plans", "plan", "x" * 10_001), P + "'plan': a safety plan holds at most"),
    (set_field("safety_plans", "emergency_number", "9\x0099"), P + "'emergency_number' cannot"),
    (set_field("safety_plans", "crisis_line", 116), P + "'crisis_line' should be a string"),
    (set_field("safety_plans", "share_flags", "yes"), P + "'share_flags' should be true or"),
    (lambda d: d.update(results={}), "the file: 'results' should be a list"),
    (lambda d: d.update(safety_plans=["plan"]), "safety_plans[0] is not a JSON object"),
]


@pytest.mark.parametrize(("change", "said"), HOSTILE)
async def test_a_hand_edited_care_record_refuses_the_file_naming_the_field(
    signup: ClientFactory, change: Any, said: str
) -> None:
    ana = await signup("ana")
    await exported_with_care(ana)
    await ana.journals.create("Dreams")
    await ana.entries.write("Dreams", "Another journal, created by the import if it were read.")
    data = json.loads(json.dumps(await ana.archive.export_json()))
    bob = await signup("bob")
    with pytest.raises(InvalidInput) as refused:
        await bob.archive.import_json(tampered(data, change))
    assert str(refused.value).startswith(said), str(refused.value)
    # nothing written: no journal created, no entry, result or plan
    assert [j.name for j in await bob.journals.list()] == ["Personal"]
    assert await bob.entries.list() == [] and await bob.measures.list() == []
    assert (await bob.safety.plan()).updated_at is None
