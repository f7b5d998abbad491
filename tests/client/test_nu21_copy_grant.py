"""NU21 C1, C7 (SDK): `client.shares.grant` naming a field-level copy kept for a member gives
that member new terms and reports only the copy's fields (never the whole journal); every
other grant of it, and one after the member left, raises ScopeNeeded naming the source and
the copy's fields, and a departure from a copy names its source (real server on 127.0.0.1,
real crypto)."""

from __future__ import annotations

import pytest

from client_sdk import ScopeNeeded
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory

SECRET = "I never told anyone about the accident"


async def test_a_grant_on_a_copy_keeps_its_fields_and_names_its_source(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    tom = await signup("tom")
    await ana.entries.write("Personal", SECRET, mood=3)
    first = await share_with(ana, tom, only=["mood", "scores"])
    await ana.entries.write("Personal", SECRET + " again", mood=2)

    changed = await ana.shares.grant(first.journal, "tom", role="annotate")
    assert (changed.journal, changed.kind, changed.fields, changed.source, changed.role) == (
        first.journal,
        "mirror",
        ("mood", "scores"),
        "Personal",
        "annotate",
    )
    for widen in ({"full": True}, {"only": ["mood", "tags"]}):
        with pytest.raises(ScopeNeeded) as refused:
            await ana.shares.grant(first.journal, "tom", **widen)  # type: ignore[arg-type]
        assert (refused.value.journal, refused.value.member) == ("Personal", "tom")
        assert "full=True" not in refused.value.situation
        assert "full=True" in str(refused.value)  # the SDK's own advice
    await tom.sync()
    await tom.notes.add(f"ana/{first.journal}", "hello")  # annotate, on the copy
    assert all(SECRET not in (e.body or "") for e in await tom.entries.list())

    await tom.shares.leave(f"ana/{first.journal}")
    report = await ana.sync()
    [gone] = report.departures
    assert (gone.journal, gone.source, gone.fields) == (
        first.journal,
        "Personal",
        ("mood", "scores"),
    )
    with pytest.raises(ScopeNeeded, match="no longer read it") as refused:
        await ana.shares.grant(first.journal, "tom")
    assert (refused.value.journal, refused.value.fields) == ("Personal", ("mood", "scores"))
    assert "only=['mood', 'scores']" in str(refused.value)
