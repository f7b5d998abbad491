"""R29 (hostile review of s8-signup), as a user of `tj`: `tj recovery-key forget-kept` and
`tj login` with kept recovery keys. Each test is a finding; see /work/R29-FINDINGS.md.

Real server on 127.0.0.1 behind the loopback proxy of tests/client/hostile.py; `tj` runs in
click's CliRunner as in tests/test_cli.py.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from client_sdk import Client, NetworkError
from client_sdk.pending_signup import PENDING_FILE, load_pending, save_pending
from tests.client.hostile import HostileServer, hostile  # noqa: F401 (fixture)
from tests.client.test_kept_recovery_keys_damaged import damaged_copy
from tests.client.test_signup_failures import sign_up
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_signup_interrupted import NOT_MSGPACK


class AnswerAfter(io.BytesIO):
    """Standard input whose first real read (the user answering the prompt) first runs
    `meanwhile`: what another `tj` on the same home did while the prompt waited."""

    def __init__(self, answer: bytes, meanwhile: Callable[[], None]) -> None:
        super().__init__(answer)
        self.meanwhile: Callable[[], None] | None = meanwhile

    def _first(self) -> None:
        if self.meanwhile is not None:
            meanwhile, self.meanwhile = self.meanwhile, None
            meanwhile()

    def read(self, size: int | None = -1) -> bytes:
        if size != 0:
            self._first()
        return super().read(size)

    def read1(self, size: int | None = -1) -> bytes:
        if size != 0:
            self._first()
        return super().read1(size)

    def readline(self, size: int | None = -1) -> bytes:
        self._first()
        return super().readline(size)


async def test_forget_kept_drops_only_the_keys_it_listed_and_the_user_confirmed(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """F4: `tj recovery-key forget-kept` lists the kept keys, asks (the prompt may wait for
    hours), then calls `Client.forget_kept_recovery_keys`, which lists the home again and
    drops whatever is there *then*. A signup made on the same home meanwhile (another
    terminal; its reply lost: the account is on the server, its recovery key's only copy
    in `pending_signup`) is dropped without ever being listed or confirmed."""
    laptop = Device(tmp_path / "laptop", hostile.url)
    laptop.home.mkdir()
    (laptop.home / f"{PENDING_FILE}.{'a' * 32}").write_bytes(b"")  # damaged: the user drops it
    loop = asyncio.get_running_loop()

    async def ben_signs_up_meanwhile() -> None:
        hostile.replies["/v1/auth/signup"] = lambda request, reply: NOT_MSGPACK
        with pytest.raises(NetworkError):
            await sign_up(hostile.url, laptop.home, "ben")
        del hostile.replies["/v1/auth/signup"]

    def meanwhile() -> None:
        asyncio.run_coroutine_threadsafe(ben_signs_up_meanwhile(), loop).result()

    [listed] = Client.kept_recovery_keys(laptop.home)
    answer = AnswerAfter(b"y\n", meanwhile)
    result = await laptop.tj("recovery-key", "forget-kept", input=answer)  # type: ignore[arg-type]
    assert answer.meanwhile is None  # ben's signup ran while the prompt waited
    assert str(listed.path) in result.stderr and "ben" not in result.stderr  # never listed
    assert await live_server.rows("SELECT username FROM accounts") == [("ben",)]
    # on s8-signup: "Dropped 2 kept recovery keys." -- ben's only copy of his key among them
    assert Client.unfinished_signup(laptop.home) == (hostile.url, "ben")


async def test_forget_kept_with_an_ambiguous_account_refuses_before_asking(
    tmp_path: Path,
) -> None:
    """F5: `--account` with a prefix of two kept keys' account ids lists both and asks "Drop
    these recovery keys for good?"; after the user says yes, the SDK refuses ("names more
    than one") and nothing is dropped. It must refuse before asking."""
    laptop = Device(tmp_path / "laptop", "http://127.0.0.1:1")
    laptop.home.mkdir()
    for last in "12":
        (laptop.home / f"{PENDING_FILE}.{'a' * 31}{last}").write_bytes(b"")
    result = await laptop.tj("recovery-key", "forget-kept", "--account", "aaaa", input="y\n")
    assert result.exit_code == 2  # a value refused as given (fix33e: subject "value")
    assert "more than one" in result.stderr
    assert "for good?" not in result.stderr  # on s8-signup: asked, then refused


async def test_tj_forget_kept_drops_a_kept_file_that_does_not_decode(tmp_path: Path) -> None:
    """F1 through the CLI: a kept file whose length field is out of range makes `tj
    recovery-key forget-kept` fail with "unexpected error (OverflowError ...): a bug in tj",
    so the one command that drops kept keys cannot drop it (nor any other)."""
    laptop = Device(tmp_path / "laptop", "http://127.0.0.1:1")
    laptop.home.mkdir()
    damaged_copy(laptop.home / PENDING_FILE)
    result = await laptop.tj("recovery-key", "forget-kept", "--yes")
    assert "unexpected error" not in result.stderr, result.stderr
    assert result.exit_code == 0, result.output
    assert not (laptop.home / PENDING_FILE).exists()


async def test_a_home_keeping_a_key_names_forget_kept_not_deleting_the_file(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F6: the rule is that only the user drops a kept key, by hand, after being shown what
    it is and confirming (`tj recovery-key forget-kept`). `tj signup` of another name on a
    home keeping ana's unconfirmed key still says "delete .../pending_signup to give it up"
    (and then the hint says `tj recovery-key forget-kept`): two ways, one of which skips the
    listing and the question. (The same text is in the "username_taken" error of an
    unfinished signup: client.py, "delete that file".)"""
    laptop = Device(tmp_path / "laptop", live_server.url)
    ana = await sign_up(live_server.url, laptop.home)
    await ana.logout()  # the copy stays (kept until shown): mark it finished, unconfirmed
    pending = load_pending(laptop.home)
    assert pending is not None
    save_pending(laptop.home, dataclasses.replace(pending, finished=True))

    refused = await laptop.tj("signup", live_server.url, "ben")
    assert refused.exit_code == 1
    [line] = refused.stderr.strip().splitlines()
    assert f"{laptop.command} recovery-key forget-kept" in line
    assert "delete" not in line, line  # on s8-signup: "or delete .../pending_signup to give it up"


async def test_forget_kept_damaged_drops_only_the_files_that_do_not_read(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A damaged `pending_signup` in place has no account id, so `--account` cannot name it;
    `--damaged` drops it (and any other file that does not read) and keeps every good copy,
    such as the key of an account set aside."""
    laptop = Device(tmp_path / "laptop", live_server.url)
    ana = await sign_up(live_server.url, laptop.home)
    aside = laptop.home / f"{PENDING_FILE}.{ana.profile.account_id.hex()}"
    await ana.logout()
    (laptop.home / PENDING_FILE).replace(aside)  # ana's copy, set aside
    damaged_copy(laptop.home / PENDING_FILE)

    result = await laptop.tj("recovery-key", "forget-kept", "--damaged", input="y\n")
    assert result.exit_code == 0, result.output
    assert str(aside) not in result.stderr  # never listed, never asked about
    assert "Dropped 1 kept recovery key." in result.stderr
    assert [(k.state, k.path) for k in Client.kept_recovery_keys(laptop.home)] == [
        ("set aside", aside)
    ]
    again = await laptop.tj("recovery-key", "forget-kept", "--damaged", "--yes")
    assert again.exit_code == 1 and "keeps no recovery key" in again.stderr
    assert aside.exists()
