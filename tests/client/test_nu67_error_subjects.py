"""Errors README promises a subject for, which had none (real server on loopback, real
crypto): a questionnaire dated in the future ("value", as an entry's), an unknown username
in a share ("account", apart from an unknown journal), sharing with oneself ("yourself"),
a username taken at sign-up ("username taken") and a member's write of what only the owner
writes ("owner's own"). And a misspelt field in `grant(only=[...])` is said before the
fingerprint question: the user is not sent to compare fingerprints first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from client_sdk import (
    INSECURE_TEST_COST,
    AccessError,
    Client,
    ConflictError,
    InvalidInput,
    NotFound,
)
from client_sdk.errors import BAD_VALUE, SUBJECTS
from tests.client.sharing_support import share_with
from tests.conftest import PASSWORD, ClientFactory, RunningServer


async def test_a_questionnaire_dated_in_the_future_is_a_value_refused(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    with pytest.raises(InvalidInput) as refused:
        await ana.measures.take("phq9", [0] * 9, taken_at=tomorrow)
    assert refused.value.subject == BAD_VALUE
    assert await ana.measures.list() == []


async def test_share_refusals_each_have_their_subject_and_a_bad_field_comes_first(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    await signup("drsmith")
    with pytest.raises(NotFound) as unknown:
        await ana.shares.grant("Personal", "nosuchuser", full=True, trust_on_first_use=True)
    assert unknown.value.subject == "account" and "account" in SUBJECTS
    with pytest.raises(InvalidInput) as yourself:
        await ana.shares.grant("Personal", "ana", full=True, trust_on_first_use=True)
    assert yourself.value.subject == "yourself" and "yourself" in SUBJECTS
    # no fingerprint given: the misspelt field is what is said, not the fingerprint question
    with pytest.raises(InvalidInput) as field:
        await ana.shares.grant("Personal", "drsmith", only=["mood", "secrets"])
    assert field.value.subject == BAD_VALUE, field.value
    assert "fields to share are some of" in str(field.value)
    assert await ana.shares.list() == []


async def test_a_username_taken_at_signup_has_its_subject(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    await signup("ana")
    taken = Client.signup(
        live_server.url, "ana", PASSWORD, home=tmp_path / "other", kdf_cost=INSECURE_TEST_COST
    )
    with pytest.raises(ConflictError) as refused:
        await taken
    assert refused.value.subject == "username taken" and "username taken" in SUBJECTS


async def test_a_therapists_write_of_the_clients_own_records_has_its_subject(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    drsmith = await signup("drsmith")
    await share_with(ana, drsmith, role="annotate")
    await drsmith.sync()
    [shared] = [j for j in await drsmith.journals.list() if j.role == "annotate"]
    with pytest.raises(AccessError) as write:
        await drsmith.entries.write(shared.id, "Not mine to write.")
    assert write.value.subject == "owner's own" and "owner's own" in SUBJECTS
    with pytest.raises(AccessError) as take:
        await drsmith.measures.take("phq9", [0] * 9, journal=shared.id)
    assert take.value.subject == "owner's own"
