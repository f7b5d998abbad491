"""R24: attacks on R23 F1's fix (`limited` / `limited_removed` entries in a source journal's
access chain; a grant to a non-member takes full/only). Real server on 127.0.0.1 (and the
hostile proxy of tests/client/hostile.py), real crypto. Each test fails on 8f391ca for the
reason in its xfail."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client, access, wire
from client_sdk.errors import InvalidInput, NotFound
from client_sdk.sharing import Sharing
from tests.client.hostile import HostileServer, ReplyRewrite
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_share_ended_notices import DAY_MS, move_clocks
from tests.conftest import PASSWORD, ClientFactory, RunningServer
from tests.test_cli import Device

SECRET = "I never told anyone about the accident"


def hiding(mirror: bytes) -> ReplyRewrite:
    def hide(request: bytes, reply: bytes) -> bytes:
        listed = wire.decode(wire.JournalList, reply).journals
        return wire.encode(wire.JournalList([j for j in listed if j.journal_id != mirror]))

    return hide


async def other_device(url: str, home: Path, name: str = "phone") -> Client:
    return await Client.login(
        url, "ana", PASSWORD, home=home, device_name=name, minimum_cost=INSECURE_TEST_COST
    )


async def tom_reads_the_secret(ana: Client, tom: Client) -> tuple[object, bool]:
    """(tom's whole-journal membership of Personal as ana's first device verifies it,
    whether tom's device reads the secret entry body, written after everything else)."""
    await ana.entries.write("Personal", SECRET, mood=3)
    await ana.sync()
    personal = await journal_id(ana, "Personal")
    whole = ana.replica.chains.current(personal).member_by_account(tom.profile.account_id)
    await tom.sync()
    return whole, SECRET in {e.body for e in await tom.entries.list()}


def old_app(monkeypatch: pytest.MonkeyPatch) -> None:
    """An app from before `limited` entries: narrowing signs none into the source."""
    monkeypatch.setattr(Sharing, "_limited_changes", lambda self, state, peer, mirror: [])


# --- F1 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("racing", ["narrow to mood", "revoke"])
async def test_a_role_change_racing_a_narrowing_or_revoke_never_signs_a_whole_journal_share(
    signup: ClientFactory, hostile: HostileServer, tmp_path: Path, racing: str
) -> None:
    """ana's laptop (through the proxy) changes tom's role while her phone narrows tom's
    whole share to moods (or ends it: `tj unshare`); the server delivers the phone's change
    to the laptop only at the sync inside the grant (it may: a late answer is availability;
    with an honest server it is a race of two devices). The laptop must refuse, or change
    the copy's role: never share the whole journal again."""
    phone = await signup("ana", "phone")
    tom = await signup("tom")
    await share_with(phone, tom)  # the whole journal
    laptop = await other_device(hostile.url, tmp_path / "ana-laptop", "laptop")
    raced: list[object] = []

    async def phone_acts_first() -> None:
        if not raced:  # the phone acts before the laptop's first sync goes out
            if racing == "revoke":
                raced.append(await phone.shares.revoke("Personal", "tom"))
            else:
                raced.append(await share_with(phone, tom, only=["mood"]))

    try:
        await laptop.sync()
        hostile.holds["/v1/sync"] = phone_acts_first
        try:  # "make tom's share annotate": not a request to share the whole journal again
            await laptop.shares.grant("Personal", "tom", role="annotate", trust_on_first_use=True)
        except (InvalidInput, NotFound):
            pass  # refusing is a fine answer; widening is not
        del hostile.holds["/v1/sync"]
    finally:
        await laptop.close()
    assert raced, "the phone's change ran"
    assert await tom_reads_the_secret(phone, tom) == (None, False)


# --- F2 ------------------------------------------------------------------------------------


async def test_a_plain_share_on_a_new_device_never_widens_an_older_copy_the_server_hides(
    signup: ClientFactory,
    hostile: HostileServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """tom reads only ana's moods through a copy an older app made (its source chain names
    no copy). On a new phone (the CLI) ana re-confirms tom with his fingerprint, the docs'
    first example: `tj share Personal tom --fingerprint ...`, which "keeps what they read
    today". The server hides the copy. The same command with a newer copy is refused
    (tests/test_cli_limited_share_kept.py); here it shares the whole journal."""
    ana = await signup("ana")
    tom = await signup("tom")
    with monkeypatch.context() as patch:
        old_app(patch)
        first = await share_with(ana, tom, only=["mood"])
    await ana.sync()
    hostile.replies["/v1/journals/list"] = hiding(bytes.fromhex(first.journal_id))
    phone = Device(tmp_path / "ana-phone", hostile.url)
    password = tmp_path / "password.txt"
    password.write_text(PASSWORD + "\n")
    await phone.ok(
        "--password-file", str(password), "login", hostile.url, "ana", env={"TJ_PASSWORD": None}
    )
    await phone.tj("share", "Personal", "tom", "--fingerprint", await tom.shares.fingerprint())
    del hostile.replies["/v1/journals/list"]
    assert await tom_reads_the_secret(ana, tom) == (None, False)


async def test_an_older_copy_after_a_lapsed_whole_share_is_never_widened_by_a_new_device(
    signup: ClientFactory,
    hostile: HostileServer,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """As test_limited_in_source_chain's lapsed-whole test, with a copy an older app made:
    the attack-table row for older copies claims the new device refuses (no membership);
    a lapsed membership counts as one, so it renews the whole share."""
    ana = await signup("ana")
    tom = await signup("tom")
    await share_with(ana, tom, expires_at=datetime.now().astimezone() + timedelta(days=1))
    move_clocks(live_server, monkeypatch, 2 * DAY_MS)
    await ana.sync()  # signs `ended`
    with monkeypatch.context() as patch:
        old_app(patch)
        first = await share_with(ana, tom, only=["mood"])
    await ana.sync()
    hostile.replies["/v1/journals/list"] = hiding(bytes.fromhex(first.journal_id))
    phone = await other_device(hostile.url, tmp_path / "ana-phone")
    try:
        await phone.sync()
        try:
            await phone.shares.grant("Personal", "tom", role="annotate", trust_on_first_use=True)
        except InvalidInput:
            pass  # refusing is a fine answer
    finally:
        await phone.close()
    del hostile.replies["/v1/journals/list"]
    assert await tom_reads_the_secret(ana, tom) == (None, False)


# --- F3 ------------------------------------------------------------------------------------


async def test_narrowing_on_a_device_the_copy_is_hidden_from_never_keeps_the_wider_copy(
    signup: ClientFactory, hostile: HostileServer, tmp_path: Path
) -> None:
    """tom reads the text and mood of ana's entries (copy M1). On a new phone, the server
    hides M1; ana narrows to moods only (`tj share Personal tom --only mood`). The phone
    knows from the source's signed chain that M1 exists and cannot end it; it goes on,
    signs `limited_removed` for M1 (a signed statement that is false) and shares moods
    through a new copy. tom goes on reading the full text of what ana writes afterwards."""
    ana = await signup("ana")
    tom = await signup("tom")
    first = await share_with(ana, tom, only=["body", "mood"])
    m1 = bytes.fromhex(first.journal_id)
    await ana.sync()
    hostile.replies["/v1/journals/list"] = hiding(m1)
    phone = await other_device(hostile.url, tmp_path / "ana-phone")
    refused = False
    try:
        await phone.sync()
        try:
            await phone.shares.grant("Personal", "tom", only=["mood"], trust_on_first_use=True)
        except InvalidInput:
            refused = True  # "can't end the copy this device cannot see" is a fine answer
    finally:
        await phone.close()
    del hostile.replies["/v1/journals/list"]
    personal = await journal_id(ana, "Personal")
    await ana.sync()
    _, closed = ana.replica.chains.current(personal).limited_of(tom.profile.account_id)
    said_ended = [s.mirror for s in closed] == [m1]
    whole, reads_secret = await tom_reads_the_secret(ana, tom)
    still_in_m1 = ana.replica.chains.current(m1).member_by_account(tom.profile.account_id)
    assert whole is None
    assert refused or (reads_secret, still_in_m1 is None or not said_ended) == (False, True)


# --- F4 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("whole_too", [False, True])
async def test_unsharing_on_a_device_the_copy_is_hidden_from_never_says_not_shared(
    signup: ClientFactory, hostile: HostileServer, tmp_path: Path, whole_too: bool
) -> None:
    """tom reads ana's moods through a copy (and, with `whole_too`, the whole journal
    too: ana widened with --full later). On a new phone the server hides the copy; ana
    runs `tj unshare Personal tom`. The phone signs `limited_removed` for the copy into
    Personal's chain, does not end the copy's share, and says "'Personal' is not shared
    with tom" (or, with `whole_too`, that it ended Personal alone)."""
    ana = await signup("ana")
    tom = await signup("tom")
    first = await share_with(ana, tom, only=["mood"])
    if whole_too:
        await share_with(ana, tom, full=True)
    m1 = bytes.fromhex(first.journal_id)
    await ana.sync()
    hostile.replies["/v1/journals/list"] = hiding(m1)
    phone = await other_device(hostile.url, tmp_path / "ana-phone")
    told: str | None = None
    try:
        await phone.sync()
        try:
            ended = await phone.shares.revoke("Personal", "tom")
            told = None if first.journal in ended else f"ended only {list(ended)}"
        except NotFound as error:
            told = str(error)
        except InvalidInput:
            pass  # "tom reads a copy this device cannot see: not ended" is a fine answer
    finally:
        await phone.close()
    del hostile.replies["/v1/journals/list"]
    personal = await journal_id(ana, "Personal")
    await ana.sync()
    still_in_m1 = ana.replica.chains.current(m1).member_by_account(tom.profile.account_id)
    in_force, closed = ana.replica.chains.current(personal).limited_of(tom.profile.account_id)
    # The owner is never told "not shared" while tom reads the copy, and the source's signed
    # chain never says the copy's share ended while it did not.
    assert still_in_m1 is None or (told is None and [s.mirror for s in closed] == [])


# --- F5 ------------------------------------------------------------------------------------


async def test_a_member_of_the_source_cannot_tell_who_reads_part_of_it_by_length(
    signup: ClientFactory,
) -> None:
    """bob reads the whole of Personal. ana shares only moods with tom and with
    drsmithjones. bob's device verifies Personal's chain: the two `limited` entries'
    sealed parts differ in length by exactly the difference of the usernames' lengths, so
    bob can tell (or rule out) whom each names among the people he suspects."""
    ana = await signup("ana")
    bob = await signup("bob")
    tom = await signup("tom")
    drsmith = await signup("drsmithjones")
    await share_with(ana, bob)  # the whole journal
    await share_with(ana, tom, only=["mood"])
    await share_with(ana, drsmith, only=["mood"])
    await bob.sync()
    personal = await journal_id(ana, "Personal")
    entries = (await bob.store.access_entries())[personal]
    sealed = [
        len(entry.payload["owner_copy"])
        for entry in (
            access.parse_entry(raw, personal, ana.profile.secrets.sign_public_key)
            for raw in entries
        )
        if entry.kind == access.LIMITED
    ]
    assert len(sealed) == 2  # bob sees both field-level shares exist (documented) ...
    assert sealed[0] == sealed[1]  # ... but not whose: not even the name's length


# --- F6 ------------------------------------------------------------------------------------


async def test_the_list_of_shares_never_drops_a_field_level_share_the_source_chain_names(
    signup: ClientFactory, hostile: HostileServer, tmp_path: Path
) -> None:
    """`tj shares` on ana's new phone, the server hiding the copy: the phone verified the
    owner-signed `limited` entry naming tom (shares.limited() refuses: "can't tell"), yet
    the list of who reads ana's journals shows nobody."""
    ana = await signup("ana")
    tom = await signup("tom")
    first = await share_with(ana, tom, only=["mood"])
    await ana.sync()
    hostile.replies["/v1/journals/list"] = hiding(bytes.fromhex(first.journal_id))
    phone = await other_device(hostile.url, tmp_path / "ana-phone")
    try:
        await phone.sync()
        personal = await journal_id(phone, "Personal")
        in_force, _ = phone.replica.chains.current(personal).limited_of(tom.profile.account_id)
        assert len(in_force) == 1  # the phone knows, from signed data, that tom reads some
        listed = [(s.member, s.source or s.journal) for s in await phone.shares.list()]
    finally:
        await phone.close()
    assert ("tom", "Personal") in listed


# --- F7 ------------------------------------------------------------------------------------


async def test_an_end_date_after_widening_with_full_ends_everything_tom_reads(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ana shares moods with tom, then the whole journal (`tj share Personal tom --full`,
    which the CLI documents as "the whole journal ... instead"), then sets an end date
    (`tj share Personal tom --until tomorrow`: "Shared Personal with tom ... until ...").
    After that date tom still receives every new mood, through the copy."""
    ana = await signup("ana")
    tom = await signup("tom")
    await share_with(ana, tom, only=["mood"])
    await share_with(ana, tom, full=True)
    tomorrow = datetime.now().astimezone() + timedelta(days=1)
    await ana.shares.grant("Personal", "tom", expires_at=tomorrow)
    move_clocks(live_server, monkeypatch, 2 * DAY_MS)
    await ana.sync()  # signs `ended` for the whole share
    await ana.entries.write("Personal", "written after tom's end date", mood=2)
    await ana.sync()
    await tom.sync()
    assert [e.journal for e in await tom.entries.list() if e.mood == 2] == []
