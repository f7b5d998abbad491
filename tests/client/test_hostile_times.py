"""A server that lies about times: a time in a reply that no date can hold.

Times the server provides (when a device was created, last seen, signed out; a session's
or a challenge's end; when an audit-log fetch happened; the server's index of a
membership's end) are not signed: a hostile or broken server can send any integer, or no
integer at all. Every one is bounded where the reply is decoded (`wire.TIME`, 0 to
`wire.MAX_TIME_MS`), so such a reply is refused whole as malformed, a NetworkError that is
not retried, and never becomes a raw ValueError or OverflowError in a caller. Times of an
access (share end dates) come from the owner-signed chain and are verified as before.

The hostile server is the loopback proxy of tests/client/hostile.py in front of the real
server; these tests rewrite its replies at the msgpack level, to send what the wire
module's own encoder would never produce (a float, a string, a negative number).
"""

from __future__ import annotations

import dataclasses
import gc
import typing
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgpack
import pytest

from client_sdk import INSECURE_TEST_COST, Client, InvalidInput, NetworkError, access, wire
from client_sdk.models import EPOCH, MAX_MS
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import share_with
from tests.conftest import PASSWORD, ClientFactory
from tests.test_cli import Device, failed_with_one_line, run_tj, succeeded

ReplyRewrite = Callable[[bytes, bytes], bytes]
BEYOND_ANY_DATE = 2**62
"""Inside the old bound (2**63 - 1) and past every datetime: OverflowError before."""
HOSTILE_TIMES: list[Any] = [
    BEYOND_ANY_DATE,
    2**63 - 1,
    2**64 - 1,
    wire.MAX_TIME_MS + 1,
    -1,
    -(2**63),
    1.5,
    1767225600000.0,  # a whole number, as a float: not an integer on the wire
    "1767225600000",
    None,
    True,
]


def with_time(items: str, name: str, value: Any) -> ReplyRewrite:
    """A reply rewrite that sets field `name` of every item of the list `items` to `value`,
    at the msgpack level (the reply is otherwise the real server's)."""

    def rewrite(request: bytes, reply: bytes) -> bytes:
        message = msgpack.unpackb(reply, raw=False)
        for item in message[items]:
            item[name] = value
        packed: bytes = msgpack.packb(message, use_bin_type=True)
        return packed

    return rewrite


def with_top_level_time(name: str, value: Any) -> ReplyRewrite:
    def rewrite(request: bytes, reply: bytes) -> bytes:
        message = msgpack.unpackb(reply, raw=False)
        message[name] = value
        packed: bytes = msgpack.packb(message, use_bin_type=True)
        return packed

    return rewrite


def refused_as_malformed(error: NetworkError, path: str, name: str) -> None:
    assert not error.transient  # a lie is not retried as if the network had failed
    assert f"malformed reply to {path}" in str(error)
    assert name in str(error)


def test_every_time_of_every_wire_message_is_bounded_to_what_a_date_can_hold() -> None:
    """The whole kind: an integer field named `at` or `*_at` in any message carries
    `wire.TIME`, the bound of document times (`models.MAX_MS`), so a time field added
    later cannot be decoded unbounded."""
    assert wire.MAX_TIME_MS == MAX_MS
    assert datetime.fromtimestamp(wire.MAX_TIME_MS / 1000, tz=UTC) == datetime(
        9999, 12, 30, tzinfo=UTC
    )
    times = []
    for cls in vars(wire).values():
        if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
            continue
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            if hints[f.name] is int and (f.name == "at" or f.name.endswith("_at")):
                times.append(f"{cls.__name__}.{f.name}")
                assert f.metadata == wire.TIME, f"{cls.__name__}.{f.name}"
    assert len(times) >= 9  # Device x3, sessions, challenges, journals, shares, keys, audit


@pytest.mark.parametrize("value", HOSTILE_TIMES, ids=repr)
async def test_a_device_list_with_a_time_no_date_can_hold_is_refused_as_malformed(
    hostile: HostileServer, through: Through, value: Any
) -> None:
    ana = await through("ana")
    honest = await ana.devices.list()
    hostile.replies["/v1/devices/list"] = with_time("devices", "created_at", value)
    asked = hostile.paths.count("/v1/devices/list")

    with pytest.raises(NetworkError) as refused:
        await ana.devices.list()
    refused_as_malformed(refused.value, "/v1/devices/list", "created_at")
    assert hostile.paths.count("/v1/devices/list") == asked + 1  # refused, not retried

    del hostile.replies["/v1/devices/list"]  # the lie stops: the list is read again
    assert await ana.devices.list() == honest


@pytest.mark.parametrize("name", ["created_at", "last_seen_at", "expires_at"])
async def test_every_time_of_a_listed_device_is_checked(
    hostile: HostileServer, through: Through, name: str
) -> None:
    ana = await through("ana")
    hostile.replies["/v1/devices/list"] = with_time("devices", name, BEYOND_ANY_DATE)
    with pytest.raises(NetworkError) as refused:
        await ana.devices.list()
    refused_as_malformed(refused.value, "/v1/devices/list", name)
    with pytest.raises(NetworkError):  # the names a sync shows come from the same list
        await ana.devices._device_names([ana.profile.device_id])


async def test_the_first_and_the_last_time_a_date_can_hold_are_read(
    hostile: HostileServer, through: Through
) -> None:
    """The bound is no narrower than it says: 0 and MAX_TIME_MS are times."""
    ana = await through("ana")
    hostile.replies["/v1/devices/list"] = with_time("devices", "created_at", 0)
    [device] = await ana.devices.list()
    assert device.created_at == EPOCH
    hostile.replies["/v1/devices/list"] = with_time("devices", "expires_at", wire.MAX_TIME_MS)
    [device] = await ana.devices.list()
    assert device.expires_at == datetime(9999, 12, 30, tzinfo=UTC)


async def log_in(hostile: HostileServer, home: Path) -> Client:
    """ana's phone logs in through the hostile server."""
    return await Client.login(
        hostile.url,
        "ana",
        PASSWORD,
        home=home,
        device_name="phone",
        minimum_cost=INSECURE_TEST_COST,
    )


@pytest.mark.parametrize("path", ["/v1/auth/challenge", "/v1/auth/login"])
async def test_a_login_told_a_session_or_challenge_end_no_date_can_hold_fails_cleanly(
    hostile: HostileServer, signup: ClientFactory, tmp_path: Path, path: str
) -> None:
    await signup("ana")
    hostile.replies[path] = with_top_level_time("expires_at", BEYOND_ANY_DATE)

    with pytest.raises(NetworkError) as refused:
        await log_in(hostile, tmp_path / "ana-phone")
    refused_as_malformed(refused.value, path, "expires_at")

    del hostile.replies[path]
    phone = await log_in(hostile, tmp_path / "ana-phone")  # nothing half-made in the way
    try:
        assert [d.name for d in await phone.devices.list() if d.current] == ["phone"]
    finally:
        await phone.close()


async def test_a_login_whose_first_journal_list_is_refused_leaves_nothing_open(
    hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """The journal list read at the end of a login carries a time no date can hold: the
    login raises NetworkError and closes the HTTP session and the store it opened (an
    unclosed one is a ResourceWarning whenever it is collected, in whatever test runs
    then); the next login to the same home works."""
    ana = await signup("ana")
    await share_with(ana, await signup("tom"), role="read")  # a journal list with an end date
    hostile.replies["/v1/journals/list"] = with_time("journals", "expires_at", BEYOND_ANY_DATE)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(NetworkError) as refused:
            await log_in(hostile, tmp_path / "ana-phone")
        refused_as_malformed(refused.value, "/v1/journals/list", "expires_at")
        del refused  # its traceback holds the half-made client
        gc.collect()
    unclosed = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert unclosed == []

    del hostile.replies["/v1/journals/list"]
    phone = await log_in(hostile, tmp_path / "ana-phone")
    try:
        assert [j.name for j in await phone.journals.list()] == ["Personal"]
    finally:
        await phone.close()


async def test_an_audit_log_time_no_date_can_hold_is_refused_as_malformed(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    ana = await through("ana")
    tom = await signup("tom")
    await ana.entries.write(None, "Before the session")
    await share_with(ana, tom, role="read")
    await ana.sync()
    await tom.sync()
    [fetch] = await ana.shares.log("Personal")
    assert fetch.member == "tom"

    hostile.replies["/v1/shares/audit"] = with_time("entries", "at", BEYOND_ANY_DATE)
    with pytest.raises(NetworkError) as refused:
        await ana.shares.log("Personal")
    refused_as_malformed(refused.value, "/v1/shares/audit", "at")


async def test_a_membership_end_no_date_can_hold_in_the_servers_lists_is_refused(
    hostile: HostileServer, signup: ClientFactory, through: Through
) -> None:
    """The server's own index of a membership's end (its journal and share lists) is never
    what the device shows (the signed chain is), yet a reply carrying a time no date can
    hold is refused whole, like any reply that does not fit its message; the signed end
    date is shown once the server tells the truth again."""
    ana = await signup("ana")
    tom = await through("tom")
    await share_with(ana, tom, role="read", expires_at=datetime(2999, 1, 1, tzinfo=UTC))
    await tom.sync()

    hostile.replies["/v1/journals/list"] = with_time("journals", "expires_at", BEYOND_ANY_DATE)
    with pytest.raises(NetworkError) as refused:
        await tom.shares.with_me()
    refused_as_malformed(refused.value, "/v1/journals/list", "expires_at")

    del hostile.replies["/v1/journals/list"]
    [shared] = await tom.shares.with_me()
    assert shared.expires_at == datetime(2999, 1, 1, tzinfo=UTC)


async def test_a_share_list_with_a_membership_end_no_date_can_hold_is_refused(
    hostile: HostileServer, signup: ClientFactory, through: Through
) -> None:
    ana = await through("ana")
    tom = await signup("tom")
    await share_with(ana, tom, role="read", expires_at=datetime(2999, 1, 1, tzinfo=UTC))

    hostile.replies["/v1/shares/list"] = with_time("shares", "expires_at", "never")
    with pytest.raises(NetworkError) as refused:
        await ana.shares.list()
    refused_as_malformed(refused.value, "/v1/shares/list", "expires_at")

    del hostile.replies["/v1/shares/list"]
    [share] = await ana.shares.list()
    assert share.expires_at == datetime(2999, 1, 1, tzinfo=UTC)


def index_says_no_end(request: bytes) -> bytes:
    """A rotation as a server that takes any number would store it: each member's end in
    the server's index set to 0 (the signed chain and envelopes are left as they are)."""
    message = msgpack.unpackb(request, raw=False)
    for key in message["keys"]:
        key["expires_at"] = 0
    packed: bytes = msgpack.packb(message, use_bin_type=True)
    return packed


async def test_a_share_end_the_owner_signed_past_any_date_does_not_take_the_lists_down(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """An owner's build signs a share end no date can hold (2^62 ms) into the access chain,
    and the server takes it (the request's own `expires_at` is in range). The signed end is
    verified as any other; it is never reached, so the share is on, and the lists of both
    sides show it as having no end date instead of raising OverflowError."""
    ana = await through("ana")
    tom = await signup("tom")
    await share_with(ana, tom, role="read", expires_at=datetime(2999, 1, 1, tzinfo=UTC))
    local = await ana.context.local_journal("Personal")
    member = ana.replica.chains.current(local.journal_id).member_by_account(tom.profile.account_id)
    assert member is not None
    hostile.requests["/v1/journals/rotate"] = index_says_no_end
    await ana.replica.change_access(local, [access.changed(member.handle, "read", BEYOND_ANY_DATE)])
    await ana.entries.write(None, "After the far end was signed.")
    await ana.sync()

    [share] = await ana.shares.list()
    assert (share.member, share.expires_at, share.expired) == ("tom", None, False)
    await tom.sync()
    [shared] = await tom.shares.with_me()
    assert (shared.owner, shared.expires_at, shared.share_ended) == ("ana", None, False)
    assert "After the far end was signed." in [e.body for e in await tom.entries.list()]


async def test_a_share_end_past_the_last_date_is_refused_before_anything_is_sent(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    tom = await signup("tom")
    with pytest.raises(InvalidInput, match="9999-12-30"):
        await share_with(ana, tom, role="read", expires_at=datetime(9999, 12, 31, tzinfo=UTC))
    assert await ana.shares.list() == []


async def test_tj_devices_prints_one_line_when_the_server_sends_a_time_no_date_can_hold(
    hostile: HostileServer, tmp_path: Path
) -> None:
    device = Device(tmp_path / "laptop-via-proxy", hostile.url)
    await device.json("signup", hostile.url, "ana", "--device-name", "laptop")
    hostile.replies["/v1/devices/list"] = with_time("devices", "last_seen_at", BEYOND_ANY_DATE)

    line = failed_with_one_line(await device.tj("devices"))
    assert "malformed reply to /v1/devices/list" in line
    assert "last_seen_at" in line
    assert "unexpected error" not in line  # the SDK's error, not the CLI's net for a bug

    del hostile.replies["/v1/devices/list"]
    succeeded(await run_tj(["--home", str(device.home), "devices"]))
