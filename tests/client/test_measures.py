"""Questionnaire results through a real server: devices, sharing with a therapist (also the
score without the answers), and who may write them."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgpack
import pytest

from client_sdk import AccessError, InvalidInput, NotFound, crypto, wire
from client_sdk.documents import Document
from client_sdk.results import MEASURE
from client_sdk.scoring import DETERIORATION, NO_RELIABLE_CHANGE
from tests.client.sharing_support import (
    copy_of_server_db,
    journal_id,
    plaintexts_openable_with,
    share_with,
    stolen_records,
    therapist_keys,
)
from tests.client.test_sharing import forged_record
from tests.conftest import ClientFactory, RunningServer

MILD = [1, 1, 1, 1, 1, 1, 1, 0, 0]  # PHQ-9 total 7: mild
MODERATELY_SEVERE = [2, 2, 2, 2, 2, 2, 2, 2, 0]  # 16


async def test_a_result_taken_on_the_phone_reads_the_same_on_the_laptop(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    taken = await phone.measures.take("PHQ-9", MILD, unscored=1)
    assert (taken.result.score, taken.result.band, taken.previous, taken.change) == (
        7,
        "mild",
        None,
        None,
    )
    await phone.sync()
    await laptop.sync()
    seen = await laptop.measures.get(taken.result.id[:8])
    assert seen == taken.result
    assert seen.to_dict()["answers"] == MILD and seen.unscored == 1
    assert {"measure", "score", "band", "taken_at", "answers"} <= set(seen.to_dict())


async def test_a_taken_result_names_its_score_and_band_as_its_json_does(
    signup: ClientFactory,
) -> None:
    """`Taken` and `MeasureResult` carry `score`, `band` and `band_label` with the names and
    values of their `to_dict()` (what `tj measure take --json` prints): "none-minimal" in
    `band` for every measure, "None-minimal" as the PHQ Instruction Manual prints it in
    `band_label`, so that an app never capitalises a band itself."""
    ana = await signup("ana")
    for answers, band, label, token in (
        ([0] * 9, "none-minimal", "None-minimal", "none_minimal"),
        (MILD, "mild", "Mild", "mild"),
        (MODERATELY_SEVERE, "moderately severe", "Moderately Severe", "moderately_severe"),
    ):
        taken = await ana.measures.take("phq9", answers)
        shown = taken.to_dict()
        assert taken.band_id == taken.result.band_id == shown["band_id"] == token
        assert (taken.score, taken.band, taken.band_label) == (sum(answers), band, label)
        assert (shown["score"], shown["band"], shown["band_label"]) == (sum(answers), band, label)
        assert (taken.result.band, taken.result.band_label) == (band, label)
        assert taken.safety_concern is shown["safety_concern"] is False
    anxious = await ana.measures.take("gad7", [1, 1, 1, 1, 1, 0, 0])  # GAD-7 prints "mild"
    assert (anxious.band, anxious.band_label, anxious.result.band_name) == ("mild", "Mild", "mild")
    [latest] = [r for r in await ana.measures.list() if r.id == anxious.result.id]
    assert (latest.band, latest.band_label) == ("mild", "Mild")


async def test_change_since_last_time_flags_reliable_deterioration_and_improvement(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    start = datetime.now(UTC) - timedelta(days=40)
    await ana.measures.take("phq9", MILD, taken_at=start)
    worse = await ana.measures.take("phq9", MODERATELY_SEVERE, taken_at=start + timedelta(days=14))
    assert worse.previous is not None and worse.previous.score == 7
    assert worse.change is not None and (worse.change.change, worse.change.apart_ms) == (
        9,
        14 * 86_400_000,
    )
    assert worse.baseline == worse.previous and worse.since_baseline is not None
    assert (worse.since_baseline.change, worse.since_baseline.reliable) == (9, DETERIORATION)
    better = await ana.measures.take("phq9", MILD, taken_at=start + timedelta(days=28))
    assert better.change is not None and better.change.change == -9  # from 16, plain
    assert better.since_baseline is not None  # from the first, 7: back where it started
    assert (better.since_baseline.change, better.since_baseline.reliable) == (0, NO_RELIABLE_CHANGE)
    await ana.measures.take("gad7", [0] * 7)  # another measure does not count as "last time"
    assert [r.score for r in await ana.measures.list(measure="PHQ-9")] == [7, 16, 7]
    history = await ana.measures.history(better.result.id)
    assert (history.previous, history.baseline) == (worse.result, worse.previous)
    # REV-CLIN F1: minutes later is no "retake": the first score to this one decides
    again = await ana.measures.take("phq9", MODERATELY_SEVERE)
    assert again.change is not None and again.change.change == 9
    assert again.since_baseline is not None
    assert (again.since_baseline.change, again.since_baseline.reliable) == (9, DETERIORATION)
    said = again.to_dict()
    assert "same_period" not in said["change"] and "reliable" not in said["change"]
    assert said["since_baseline"]["reliable"] == DETERIORATION
    assert said["baseline"]["id"] == worse.previous.id


async def test_results_taken_within_one_millisecond_keep_the_order_they_were_taken_in(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The device clock stands still (a fast device, a coarse clock): each result still
    follows the one taken before it, and "change since last time" compares with that one."""
    ana = await signup("ana")
    monkeypatch.setattr("client_sdk.measures.now_ms", lambda: 1_790_000_000_000)
    scores = [MILD, MODERATELY_SEVERE, MILD, MODERATELY_SEVERE, MILD]
    taken = [await ana.measures.take("phq9", answers) for answers in scores]
    for before, after in itertools.pairwise(taken):
        assert after.previous == before.result
        assert after.result.taken_at > before.result.taken_at
    assert [r.id for r in await ana.measures.list()] == [t.result.id for t in reversed(taken)]


async def test_answers_the_instrument_does_not_allow_are_refused_and_nothing_is_written(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    for bad in ([0] * 8, [0] * 8 + [4], [0] * 10):
        with pytest.raises(InvalidInput):
            await ana.measures.take("phq9", bad)
    with pytest.raises(InvalidInput, match=r"phq9 \(PHQ-9\), gad7 \(GAD-7\), pcl5 \(PCL-5\)"):
        await ana.measures.take("ors", [0])
    assert await ana.pending() == 0
    assert await ana.measures.list() == []


async def test_a_therapist_reads_results_in_a_shared_journal_with_their_answers(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await ana.measures.take("gad7", [2, 2, 1, 1, 1, 1, 1])
    await ana.sync()
    await share_with(ana, tom)
    await tom.sync()
    [seen] = await tom.measures.list("ana/Personal")
    assert (seen.journal, seen.score, seen.band, seen.answers) == (
        "ana/Personal",
        9,
        "mild",
        (2, 2, 1, 1, 1, 1, 1),
    )


async def test_sharing_a_score_without_answers_keeps_the_answers_out_of_every_record_the_therapist_can_open(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    taken = await ana.measures.take("phq9", MODERATELY_SEVERE)
    await ana.measures.share(
        taken.result.id, "tom", only=["score"], fingerprint=await tom.shares.fingerprint()
    )
    await ana.sync()
    await tom.sync()

    [copy] = await tom.measures.list()
    assert (copy.score, copy.band, copy.answers, copy.safety_concern) == (
        16,
        "moderately severe",
        None,
        False,
    )
    assert copy.journal.startswith("ana/Shared with tom")
    assert [r.id for r in await ana.measures.list()] == [taken.result.id]  # no copy listed

    measure_payloads = []
    for record in stolen_records(copy_of_server_db(live_server, tmp_path)):
        for plaintext in plaintexts_openable_with(record, therapist_keys(tom)):
            body_bytes, _signature = msgpack.unpackb(crypto.unpad(plaintext, "test"))
            body = msgpack.unpackb(body_bytes)
            if body[5] == MEASURE:
                measure_payloads.append(body[7])
    assert measure_payloads
    for payload in measure_payloads:
        document = Document(b"\0" * 16, MEASURE)
        document.apply(payload)
        assert document.field("answers") is None
        assert document.field("score") == 16


async def test_an_annotating_therapist_cannot_write_a_result_in_the_clients_journal(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    with pytest.raises(AccessError, match="notes and prompts"):
        await tom.measures.take("phq9", [0] * 9, journal="ana/Personal")

    forged = Document(crypto.random_bytes(wire.ID_BYTES), MEASURE)
    payload = forged.change(fields={"measure": "phq9", "score": 0, "answers": [0] * 9})
    upload = await forged_record(tom, "ana/Personal", forged, MEASURE, payload)
    request = wire.PushRequest(await journal_id(ana, "Personal"), [upload])
    await tom.transport.call("/v1/records/push", request, wire.PushReply)
    report = await ana.sync()
    assert [p.record_id for p in await ana.problems()] == [upload.record_id]
    assert report.problems and await ana.measures.list() == []


async def test_deleting_a_result_deletes_the_copy_shared_with_the_therapist(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    taken = await ana.measures.take("gad7", [1] * 7)
    await ana.measures.share(taken.result.id, "tom", fingerprint=await tom.shares.fingerprint())
    await ana.sync()
    await tom.sync()
    assert len(await tom.measures.list()) == 1
    deleted = await ana.measures.delete(taken.result.id[:8])
    assert (deleted.id, deleted.score) == (taken.result.id, 7)
    with pytest.raises(NotFound, match="already deleted"):
        await ana.measures.delete(taken.result.id)
    await ana.sync()
    await tom.sync()
    assert await ana.measures.list() == [] and await tom.measures.list() == []
