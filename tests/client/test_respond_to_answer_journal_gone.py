"""`SafetyPath.respond_to_answer` for an answer meant for the client's own journal that the
server no longer lists (deleted on another of her devices, or withheld: a read-only copy is
kept here): no flag is sealed, nothing is noted for a later sync, and `no_flag` and the
message's lines say so and tell her to tell her therapist herself (rev31f F1: it said
nothing, and a client who opted a therapist in took it that they were alerted). Real server
on loopback, real crypto."""

from __future__ import annotations

from client_sdk.safety import journal_gone_line, texts
from tests.client.test_flag_journal_gone import opted_in
from tests.conftest import ClientFactory


async def test_an_answer_for_a_journal_gone_elsewhere_says_no_flag_was_sent(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, phone, drsmith = await opted_in(signup, login)
    await laptop.journals.delete("Work")
    await phone.sync()  # the phone keeps a read-only copy of Work
    response = await phone.safety.respond_to_answer("phq9", 9, 2, journal="Work")
    assert response.flag_id is None and response.flagged_to == []
    assert response.no_flag == journal_gone_line("Work")
    assert response.no_flag.startswith("No safety flag was sent: 'Work' is no longer on the")
    assert "If you want your therapist to know, tell them yourself." in response.no_flag
    assert response.lines[1 + len(texts()["lines"]) :] == [response.no_flag]
    await phone.sync()  # nothing noted: no sync seals one later
    await drsmith.sync()
    assert await drsmith.safety.flags() == []
