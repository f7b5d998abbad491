"""A Transport keeps a bounded number of request timeouts, however many waits callers use."""

from __future__ import annotations

from client_sdk import AnswerWait, answer_wait, transport
from tests.conftest import ClientFactory


async def test_an_answer_wait_per_request_keeps_a_bounded_number_of_timeouts(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    for seconds in range(40):  # an app passing its deadline's time left, say
        with answer_wait(AnswerWait(no_answer_s=30.0 + seconds / 10)):
            await ana.sync()
        assert len(ana.transport._timeouts) <= transport.TIMEOUTS_KEPT
    with answer_wait(AnswerWait(no_answer_s=30.0)):
        await ana.sync()
    assert (30.0, 30.0) in ana.transport._timeouts  # the last one is kept
