"""`journals.set_default` asks about the readers it leaves behind (subject "readers left")
even when the server withholds the default journal until then (rev29a F5): the device holds
its read-only copy, whose verified access chain and signed safety plan say who reads it and
whom its flags reach; the server's listing never removes the question.

Real server on 127.0.0.1, a loopback proxy (tests/client/hostile.py) in front of it for ana."""

from __future__ import annotations

import pytest

from client_sdk import InvalidInput
from client_sdk.default_journal import READERS_LEFT
from tests.client.hostile import HostileServer, Through, hostile, through  # noqa: F401
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory
from tests.test_cli_brief_read_only_copy import without_journal


async def test_moving_the_default_away_from_a_withheld_shared_default_is_asked_first(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    """The reviewer's test (tests/client/test_rev29a.py on branch rev29a), to the fixed
    outcome: refused (READERS_LEFT, drsmith named as reader and as the one flags reach,
    saying the default is no longer on the server), the default unchanged; with
    `leave_readers` it moves."""
    ana = await through("ana")
    drsmith = await signup("drsmith")
    await share_with(ana, drsmith, role="annotate", safety_flags=True)
    await ana.journals.create("Private")
    await ana.sync()
    with pytest.raises(InvalidInput) as control:  # asked while Personal is listed
        await ana.journals.set_default("Private")
    assert control.value.subject == READERS_LEFT, control.value
    personal = (await ana.journals.get("Personal")).id
    hostile.replies["/v1/journals/list"] = without_journal(bytes.fromhex(personal))
    await ana.journals.create("Later")
    await ana.sync()
    assert ("Personal", True) in [(j.name, j.read_only_copy) for j in await ana.journals.list()]
    with pytest.raises(InvalidInput) as refused:
        await ana.journals.set_default("Private")
    assert refused.value.subject == READERS_LEFT
    assert refused.value.names == {
        "readers": "drsmith",
        "flags": "drsmith",
        "journal": "Personal",
        "journal id": personal,
    }
    assert str(refused.value) == (
        "'Personal', your default journal, is read by drsmith, who does not read 'Private', "
        "and sends safety flags to drsmith, which 'Private' does not: with 'Private' as your "
        "default journal, new entries and questionnaire results written with no journal "
        "named go there, so they no longer reach drsmith, and a PHQ-9 item 9 answered above "
        "0 there sends no safety flag to drsmith ('Personal' is no longer on the server, "
        "deleted on another of your devices or withheld by it: who reads it is what this "
        "device last verified). Nothing was changed: confirm that you mean it"
    )
    del hostile.replies["/v1/journals/list"]
    await ana.journals.create("Later 2")
    await ana.sync()
    assert (await ana.journals.default()).name == "Personal"  # unchanged, listed again
    hostile.replies["/v1/journals/list"] = without_journal(bytes.fromhex(personal))
    await ana.journals.create("Later 3")
    await ana.sync()
    moved = await ana.journals.set_default("Private", leave_readers=True)
    assert moved.name == "Private" and (await ana.journals.default()).name == "Private"


async def test_a_withheld_default_read_by_nobody_is_left_without_a_question(
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    """Nobody reads the withheld default (its verified chain): the move is not refused."""
    ana = await through("ana")
    await ana.journals.create("Private")
    await ana.sync()
    personal = (await ana.journals.get("Personal")).id
    hostile.replies["/v1/journals/list"] = without_journal(bytes.fromhex(personal))
    await ana.journals.create("Later")
    await ana.sync()
    assert ("Personal", True) in [(j.name, j.read_only_copy) for j in await ana.journals.list()]
    assert (await ana.journals.set_default("Private")).name == "Private"
