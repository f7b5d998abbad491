"""NU27 C5, C6, C12, C14, C15: an app developer's tryout of the SDK, end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

import client_sdk
from cli.main import with_hint
from client_sdk import (
    INSECURE_TEST_COST,
    INTERACTIVE,
    Client,
    ClientClosed,
    CostBelowMinimum,
    InvalidInput,
    KeyChangedError,
    TJError,
)
from tests.conftest import PASSWORD, ClientFactory, RunningServer


async def test_goal_progress_range_reached_and_done_are_defined(signup: ClientFactory) -> None:
    """C14: a 12-session goal took 5 + 5 + 5 (progress 15, fraction 1, done False) and
    nothing said whether that was meant. The rule (goals.py): one check-in records 0 to
    1,000 sessions (0 to 100 percent); sessions past N are kept and counted; `reached` says
    the target is met; `done` is only the user's mark."""
    ana = await signup("ana")
    goal = await ana.goals.add("Attend group", measure="12 sessions")
    for _ in range(2):
        assert not (await ana.goals.checkin(goal.id, progress=5)).reached
    over = await ana.goals.checkin(goal.id, progress=5)
    assert (over.progress, over.fraction, over.reached, over.done) == (15, 1.0, True, False)
    for progress, message in [
        (1001, "from 0 to 1000"),
        (-1, "from 0 to 1000"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            await ana.goals.checkin(goal.id, progress=progress)
    assert (await ana.goals.get(goal.id)).progress == 15
    done = await ana.goals.complete(goal.id)
    assert done.done and done.reached
    percent = await ana.goals.add("Read the workbook", measure="percent")
    assert not (await ana.goals.checkin(percent.id, progress=80)).reached
    assert (await ana.goals.checkin(percent.id, progress=100)).reached
    with pytest.raises(InvalidInput, match="percentage from 0 to 100"):
        await ana.goals.checkin(percent.id, progress=101)
    plain = await ana.goals.add("Call my sister")
    assert not (await ana.goals.checkin(plain.id)).reached  # no measure: no target
    doc = type(ana.goals).checkin.__doc__ or ""  # the rule is in the docstring
    assert "0 to 1,000" in doc and "0 to 100" in doc and "only by `complete()`" in doc


async def test_a_client_used_after_logout_or_close_raises_client_closed(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """C6: it was a ValueError, "the local store is closed", from the database layer."""
    await signup("ana")
    phone = await login("ana")
    await phone.logout()
    for use in (phone.entries.list, phone.sync, phone.pending):
        with pytest.raises(ClientClosed) as raised:
            await use()
        assert isinstance(raised.value, TJError)
        assert str(raised.value).startswith("this client was logged out")
        assert "Client.login" in str(raised.value)
    with pytest.raises(ClientClosed, match="logged out"):
        await phone.entries.write(None, "after logout")
    laptop = await login("ana", device="laptop2")
    await laptop.close()
    await laptop.close()  # closing again does nothing
    with pytest.raises(ClientClosed) as closed:
        await laptop.entries.list()
    assert str(closed.value).startswith("this client was closed")
    assert "Client.open" in str(closed.value)
    assert closed.value.subject == "closed"


async def test_login_of_a_test_cost_account_names_minimum_cost(
    live_server: RunningServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """C5: "cost 1 passes / 0 MiB is below the minimum" named neither the parameter nor
    what to pass."""
    await signup("ana")  # kdf_cost=INSECURE_TEST_COST
    with pytest.raises(CostBelowMinimum) as raised:
        await Client.login(live_server.url, "ana", PASSWORD, home=tmp_path / "phone")
    message = str(raised.value)
    assert isinstance(raised.value, InvalidInput)
    assert "below the minimum" in message
    assert f"{INSECURE_TEST_COST.opslimit} pass / 8 KiB" in message  # not "0 MiB"
    assert INTERACTIVE.words() in message
    assert "minimum_cost=INSECURE_TEST_COST" in message
    assert (raised.value.cost, raised.value.minimum) == (INSECURE_TEST_COST, INTERACTIVE)
    assert not (tmp_path / "phone" / "store.db").exists()
    cli_line = with_hint(raised.value)  # the CLI names its own switch, not the SDK's keyword
    assert "TJ_INSECURE_TEST_KDF=1" in cli_line and "minimum_cost" not in cli_line
    phone = await Client.login(
        live_server.url,
        "ana",
        PASSWORD,
        home=tmp_path / "phone",
        minimum_cost=INSECURE_TEST_COST,
    )
    await phone.close()


def test_the_sync_docstring_names_a_retry_policy_the_package_exports() -> None:
    """C12: it named NO_RETRY, which `client_sdk` does not export."""
    doc = Client.sync.__doc__ or ""
    assert "NO_RETRY" not in doc
    assert "`QUICK_TRY`" in doc
    assert isinstance(client_sdk.QUICK_TRY, client_sdk.RetryPolicy)
    assert client_sdk.QUICK_TRY.attempts == 1


async def test_a_wrong_fingerprint_is_the_one_the_user_entered(signup: ClientFactory) -> None:
    """C15: "does not match the one you were given", though the user typed it."""
    ana = await signup("ana")
    await signup("tom")
    wrong = await ana.shares.fingerprint()  # ana's own: not tom's
    with pytest.raises(KeyChangedError) as raised:
        await ana.shares.grant("Personal", "tom", fingerprint=wrong)
    assert str(raised.value).startswith(
        "the fingerprint you entered does not match tom's keys as this device sees them: "
        "nothing was shared"
    )
    assert await ana.shares.list() == []
