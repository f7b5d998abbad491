"""R40 F5 (hostile review of NU23 C8, "check before asking"): `check_only=True` promises
"raises the same errors and changes nothing", so that an app asks its user to confirm only
what would then be done. `measures.delete` checks the result's own journal only; the real
delete then deletes the result and fails on a copy of it (a journal kept to share it with a
therapist), leaving the copy shared, and a second delete says "already deleted": the copy
can no longer be deleted that way. Real server on 127.0.0.1, real crypto. See
/work/R40-FINDINGS.md."""

from __future__ import annotations

from client_sdk import NotFound, TJError
from tests.client.sharing_support import share_with
from tests.client.test_care import NIGHT
from tests.conftest import ClientFactory

NOT_CONCERNING = [1, 1, 1, 1, 1, 1, 1, 1, 0]


async def outcome(call: object) -> str | None:
    try:
        await call  # type: ignore[misc]
    except TJError as error:
        return type(error).__name__
    return None


async def test_a_result_delete_that_check_only_passes_does_not_leave_its_copy_shared(
    signup: ClientFactory,
) -> None:
    """ana shared one PHQ-9 result with drsmith (`tj measure share`: the journal "Shared
    with drsmith" holds the copy) and archived that journal to tidy her list. `tj measure
    delete` checks (passes), asks "Delete ... for good, and the copies you shared of it?",
    deletes the result, then fails on the copy ("archived: unarchive it first"). After she
    unarchives it, as told, the same command says "already deleted"; drsmith still reads
    the result she deleted."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    taken = await ana.measures.take("phq9", NOT_CONCERNING)
    fingerprint = await drsmith.shares.fingerprint()
    await ana.measures.share(taken.result.id, "drsmith", fingerprint=fingerprint)
    await ana.journals.archive("Shared with drsmith")

    checked = await outcome(ana.measures.delete(taken.result.id, check_only=True))
    done = await outcome(ana.measures.delete(taken.result.id))
    assert checked == done, f"check_only said {checked}, the delete then raised {done}"

    await ana.journals.archive("Shared with drsmith", archived=False)
    try:
        await ana.measures.delete(taken.result.id)  # as the error said: unarchive, again
    except NotFound:
        pass
    await ana.sync()
    await drsmith.sync()
    assert [r.id for r in await drsmith.measures.list()] == [], (
        "drsmith still reads a result ana deleted, its copy never deleted"
    )


async def test_an_entry_delete_that_check_only_passes_does_not_leave_its_copy_shared(
    signup: ClientFactory,
) -> None:
    """The same kind for `tj delete` (entries.delete): ana shares the body of her entries
    with drsmith (a field-level share: the journal "Personal (body) for drsmith" holds the
    copies) and archived that journal. The check passes, she answers "y" to "Move ... to
    the trash?", the entry is trashed, then the copy's journal refuses ("archived"). After
    she unarchives it, the same command succeeds silently (the entry is in the trash
    already, so nothing is copied again): drsmith still reads the entry she trashed."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(ana, drsmith, only=["body"])
    entry = await ana.entries.write("Personal", "The bridge, again.")
    await ana.sync()
    await drsmith.sync()
    assert [e.body for e in await drsmith.entries.list()] == ["The bridge, again."]
    copy = next(j.name for j in await ana.journals.list() if j.name != "Personal")
    await ana.journals.archive(copy)

    checked = await outcome(ana.entries.delete(entry.id, check_only=True))
    done = await outcome(ana.entries.delete(entry.id))
    assert checked == done, f"check_only said {checked}, the delete then raised {done}"

    await ana.journals.archive(copy, archived=False)
    await ana.entries.delete(entry.id)  # as the error said: unarchive, again
    await ana.sync()
    await drsmith.sync()
    assert [e.body for e in await drsmith.entries.list()] == [], (
        "drsmith still reads an entry ana trashed, its copy never trashed"
    )


async def test_a_homework_delete_that_check_only_passes_does_not_leave_its_copy_shared(
    signup: ClientFactory,
) -> None:
    """The same kind for `tj homework delete` (homework.delete: commit, then the copy in a
    field-level share): the check passes, the homework is deleted, the archived copy's
    journal refuses; after unarchiving, "was deleted"; drsmith still reads the copy."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(ana, drsmith, only=["homework"])
    added = await ana.homework.add("sleep-diary", NIGHT, completion="partly")
    await ana.sync()
    await drsmith.sync()
    assert len(await drsmith.homework.list()) == 1
    copy = next(j.name for j in await ana.journals.list() if j.name != "Personal")
    await ana.journals.archive(copy)

    checked = await outcome(ana.homework.delete(added.id, check_only=True))
    done = await outcome(ana.homework.delete(added.id))
    assert checked == done, f"check_only said {checked}, the delete then raised {done}"

    await ana.journals.archive(copy, archived=False)
    await outcome(ana.homework.delete(added.id))  # as the error said: unarchive, again
    await ana.sync()
    await drsmith.sync()
    assert await drsmith.homework.list() == [], (
        "drsmith still reads homework ana deleted, its copy never deleted"
    )
