"""The server learns nothing: after a realistic workload, neither its database files (raw
bytes, WAL included) nor its logs contain any content, password, key or session token."""

from __future__ import annotations

import base64
import secrets

import msgpack

from client_sdk import INSECURE_TEST_COST, Client
from tests.conftest import PASSWORD, ClientFactory, RunningServer

NEW_PASSWORD = "a brand new passphrase 7"


def canary(kind: str) -> str:
    return f"Canary-{kind}-{secrets.token_hex(8)}"


def of_kind(canaries: list[str], kind: str) -> list[str]:
    return [text for text in canaries if text.startswith(f"Canary-{kind}-")]


def server_files(live_server: RunningServer) -> dict[str, bytes]:
    files = {
        str(path): path.read_bytes() for path in live_server.data_dir.rglob("*") if path.is_file()
    }
    files[str(live_server.log_file)] = live_server.log_file.read_bytes()
    return files


def token_forms(token: str) -> list[bytes]:
    """A session token as sent (text) and as the random bytes it encodes."""
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    return [token.encode(), raw]


def text_forms(text: str) -> list[bytes]:
    return [text.encode("utf-8"), msgpack.packb(text, use_bin_type=True)]


def key_material(*clients: Client) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for client in clients:
        name = client.profile.device_id.hex()[:8]
        account = client.profile.secrets
        found[f"account key ({name})"] = account.account_key
        found[f"identity signing seed ({name})"] = account.sign_seed
        found[f"identity box secret ({name})"] = account.box_secret
        found[f"secrets bundle plaintext ({name})"] = account.to_bytes()
        for (journal_id, epoch), key in client.replica._keys.items():
            found[f"journal key {journal_id.hex()}/{epoch} ({name})"] = key
        for i, form in enumerate(token_forms(client.profile.token)):
            found[f"session token form {i} ({name})"] = form
    return found


async def run_workload(
    signup: ClientFactory, login: ClientFactory, canaries: list[str]
) -> list[Client]:
    def fresh(kind: str) -> str:
        canaries.append(canary(kind))
        return canaries[-1]

    laptop = await signup("ana")
    journal = await laptop.journals.create(fresh("journal"))
    first = await laptop.entries.write(
        journal.name, fresh("body"), title=fresh("title"), mood=3, tags=[fresh("tag")]
    )
    second = await laptop.entries.write(
        None, f"Heute war {fresh('körper')} schwer 😔", title=fresh("title"), tags=[fresh("tag")]
    )
    await laptop.entries.edit(first.id, title=fresh("title"), append=" " + fresh("appended"))
    await laptop.entries.edit(second.id, body=fresh("rewritten"), tags=[fresh("tag"), fresh("tag")])
    await laptop.sync()

    phone = await login("ana")
    await phone.sync()
    await phone.entries.write(
        journal.name, fresh("body"), title=fresh("title"), tags=[fresh("tag")]
    )
    await phone.entries.edit(first.id, append=" " + fresh("appended"))
    await phone.sync()
    await laptop.sync()
    await laptop.entries.delete(second.id)
    await laptop.sync()

    goal = await laptop.goals.add(fresh("goal"), why=fresh("why"), measure="10 sessions")
    await laptop.goals.checkin(goal.id, progress=1, note=fresh("checkin"))
    therapist = await signup("tom")
    fingerprint = await therapist.shares.fingerprint()
    await laptop.shares.grant(
        journal.name, "tom", role="annotate", fingerprint=fingerprint, full=True
    )
    await laptop.shares.grant("Personal", "tom", only=["mood", "tags"], fingerprint=fingerprint)
    await laptop.entries.write(None, fresh("private-body"), mood=6, tags=[fresh("shared-tag")])
    await laptop.shares.grant_entry(first.id, "tom", fingerprint=fingerprint)
    await laptop.sync()
    await therapist.sync()
    await therapist.notes.add(f"ana/{journal.name}", fresh("therapist-note"), kind="prompt")
    await therapist.sync()
    await laptop.sync()
    await laptop.shares.revoke(journal.name, "tom")
    await laptop.entries.write(journal.name, fresh("after-revoke"))
    await laptop.sync()

    await laptop.change_password(
        PASSWORD, NEW_PASSWORD, kdf_cost=INSECURE_TEST_COST, minimum_cost=INSECURE_TEST_COST
    )
    tablet = await login("ana", device="tablet", password=NEW_PASSWORD)
    await tablet.sync()
    await phone.sync()
    return [laptop, phone, tablet, therapist]


async def test_server_files_and_logs_hold_no_content_password_key_or_token(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    canaries: list[str] = []
    clients = await run_workload(signup, login, canaries)
    tablet_entries = await clients[2].entries.list()
    assert len(tablet_entries) == 4, "the workload reached the third device"
    assert {e.body for e in tablet_entries} & set(canaries)
    assert [n.text for n in await clients[0].notes.list()] == of_kind(canaries, "therapist-note")
    assert [g.title for g in await clients[2].goals.list()] == of_kind(canaries, "goal")

    forbidden: dict[str, bytes] = {}
    for text in canaries + [PASSWORD, NEW_PASSWORD]:
        for i, form in enumerate(text_forms(text)):
            forbidden[f"{text!r} form {i}"] = form
    forbidden.update(key_material(*clients))
    assert sum("journal key" in what for what in forbidden) >= 2 * len(clients)

    files = server_files(live_server)
    assert any(name.endswith("journal.db") for name in files)
    assert any(name.endswith("journal.db-wal") for name in files)
    leaks = [
        f"{what} in {name}"
        for name, content in files.items()
        for what, secret in forbidden.items()
        if secret in content
    ]
    assert leaks == []


async def test_the_leak_check_would_notice_a_leak(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    """Guard against a vacuous test: what the server does store in clear is found."""
    laptop = await signup("ana")
    files = server_files(live_server)
    database = b"".join(content for name, content in files.items() if "journal.db" in name)
    assert b"ana" in database and b"laptop" in database
    assert laptop.profile.secrets.sign_public_key in database
