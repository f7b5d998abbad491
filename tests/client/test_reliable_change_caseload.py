"""REV-CLIN F1 end to end (real server, real crypto): clients who take the PHQ-9 weekly or
fortnightly share it with their therapist, whose caseload judges reliable change from each
client's first result to the latest (NHS Talking Therapies, first score to last)."""

from __future__ import annotations

from datetime import datetime, timedelta

from client_sdk import Client
from client_sdk.scoring import DETERIORATION, IMPROVEMENT
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


def phq9_answers(total: int) -> list[int]:
    """PHQ-9 answers adding up to `total`, item 9 at 0."""
    answers = [min(3, max(0, total - 3 * i)) for i in range(8)] + [0]
    assert sum(answers) == total
    return answers


async def take_series(client: Client, scores: list[int], every_days: int) -> datetime:
    """`scores` taken `every_days` apart, the last one a day ago; returns the first's time."""
    now = datetime.now().astimezone()
    first = now - timedelta(days=1 + every_days * (len(scores) - 1))
    for index, score in enumerate(scores):
        when = first + timedelta(days=every_days * index)
        await client.measures.take("phq9", phq9_answers(score), taken_at=when)
    await client.entries.write("Personal", "This week.", mood=5)  # no "quiet" flag
    return first


async def test_weekly_and_fortnightly_deterioration_and_a_course_of_improvement_in_the_caseload(
    signup: ClientFactory,
) -> None:
    tom = await signup("tom")
    weekly, fortnightly, better, relapse, noise = [
        await signup(name) for name in ("ada", "bea", "cal", "dee", "eve")
    ]
    firsts = {}
    for client, scores, every in (
        (weekly, [4, 9, 14, 18], 7),
        (fortnightly, [4, 9, 14, 19], 14),
        (better, [20, 16, 12, 8, 4], 14),
        (relapse, [20, 4, 12], 14),  # a reliable improvement first to last, then a relapse
        (noise, [20, 4, 9], 14),  # 5 above the lowest: under the PHQ-9's threshold of 6
    ):
        await share_with(client, tom)
        await tom.shares.verify(client.username, await client.shares.fingerprint())
        firsts[client.username] = await take_series(client, scores, every)
        await client.sync()
    await tom.sync()

    rows = {row.client: row for row in await tom.caseload.list()}
    for name in ("ada", "bea"):
        day = firsts[name].date().isoformat()
        assert rows[name].flags == (f"PHQ-9 reliable deterioration (from 4 on {day})",)
        assert rows[name].tier == 2
    [ada] = rows["ada"].scores
    assert ada.change is not None and (ada.change.earlier, ada.change.change) == (14, 4)
    assert ada.since_baseline is not None
    assert (ada.since_baseline.change, ada.since_baseline.reliable) == (14, DETERIORATION)
    [cal] = rows["cal"].scores
    assert rows["cal"].flags == () and rows["cal"].tier == 4
    assert cal.since_baseline is not None
    assert (cal.since_baseline.change, cal.since_baseline.reliable) == (-16, IMPROVEMENT)
    assert cal.since_baseline.now_below_caseness

    # a relapse after improvement: first to last still a reliable improvement (-8), but the
    # rise from the lowest is flagged, naming that score and its day
    [dee] = rows["dee"].scores
    assert dee.since_baseline is not None and dee.since_baseline.reliable == IMPROVEMENT
    low_day = (firsts["dee"] + timedelta(days=14)).date().isoformat()
    assert rows["dee"].flags == (f"PHQ-9 up 8 from its lowest (4 on {low_day})",)
    assert rows["dee"].tier == 2
    assert dee.to_dict()["lowest"]["score"] == 4
    assert rows["eve"].flags == () and rows["eve"].scores[0].lowest is None

    # the client's own device says the same, first score to last
    [latest, *_] = await weekly.measures.list(measure="phq9")
    taken = await weekly.measures.history(latest.id)
    assert taken.change is not None and taken.change.change == 4
    assert taken.since_baseline is not None and taken.since_baseline.reliable == DETERIORATION
