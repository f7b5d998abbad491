"""fix31d item 1 (nu77 F5's rest): a journal is never created or renamed to hex digits under
12 that start the id of a journal on this device, hers or one shared with her: such words
name neither journal wherever typed (subject "ambiguous id"), so the name is refused at once
(subject "name taken") with the reason and a name that would do. Real server on loopback,
real crypto."""

from __future__ import annotations

import pytest

from client_sdk import Client, InvalidInput
from client_sdk.errors import NAME_TAKEN
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


def flat(text: object) -> str:
    return " ".join(str(text).split())


async def names(client: Client) -> list[str]:
    return sorted(j.name for j in await client.journals.list())


@pytest.mark.parametrize("size", [4, 6, 11])
async def test_a_short_start_of_her_own_journals_id_is_refused_as_a_name(
    signup: ClientFactory, size: int
) -> None:
    ana = await signup("ana")
    personal = await ana.journals.get("Personal")
    for name in (personal.id[:size], personal.id[:size].upper()):
        with pytest.raises(InvalidInput) as refused:
            await ana.journals.create(name)
        assert refused.value.subject == NAME_TAKEN
        said = flat(refused.value)
        assert (
            f"'{name}' starts the id of 'Personal' (id {personal.id[:12]}) on this device, so "
            "as a name it would name neither journal wherever you typed it: choose another "
            f"name (one holding a letter past 'f', or a space, never starts an id: "
            f"'Journal {name}', say)"
        ) in said, said
    assert await names(ana) == ["Personal"]
    work = await ana.journals.create("Work")
    with pytest.raises(InvalidInput) as refused:
        await ana.journals.rename("Work", personal.id[:size])
    assert refused.value.subject == NAME_TAKEN
    assert (await ana.journals.get(work.id)).name == "Work"
    # the name suggested is taken, and then names the journal
    assert (await ana.journals.create(f"Journal {personal.id[:size]}")).id != personal.id
    assert (await ana.journals.get(f"Journal {personal.id[:size]}")).name.startswith("Journal")


async def test_a_short_start_of_a_shared_journals_id_is_refused_as_a_name(
    signup: ClientFactory,
) -> None:
    """The id of a journal another account shares with her counts as her own do."""
    ana = await signup("ana")
    tom = await signup("tom")
    await share_with(tom, ana, role="annotate")
    await ana.sync()
    shared = next(j for j in await ana.journals.list() if j.owner == "tom")
    start = shared.id[:6]
    with pytest.raises(InvalidInput) as refused:
        await ana.journals.create(start)
    assert refused.value.subject == NAME_TAKEN
    assert f"'{start}' starts the id of 'tom/Personal' (id {shared.id[:12]})" in flat(refused.value)
    with pytest.raises(InvalidInput) as refused:
        await ana.journals.rename("Personal", start)
    assert refused.value.subject == NAME_TAKEN
    assert await names(ana) == ["Personal", "tom/Personal"]
    await ana.sync()
    assert [j.name for j in await tom.journals.list()] == ["Personal"]


async def test_a_hex_name_that_starts_no_id_here_is_still_a_name(signup: ClientFactory) -> None:
    """What names no other journal stays allowed ("cafe", "2024"), and so does the start of
    the renamed journal's own id: those words name one journal alone."""
    ana = await signup("ana")
    personal = await ana.journals.get("Personal")
    free = next(w for w in ("cafe", "beef", "2024") if not personal.id.startswith(w))
    made = await ana.journals.create(free)
    assert (await ana.journals.get(free)).id == made.id
    own = made.id[:6]
    assert (await ana.journals.rename(made.id, own)).name == own
    assert (await ana.journals.get(own)).id == made.id
