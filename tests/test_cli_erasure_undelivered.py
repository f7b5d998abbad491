"""`tj account delete` and `tj journal delete` of a shared journal right after a PHQ-9 item 9
answered above 0: the safety flag the client was told the therapist would see is erased with
the account (the journal), so it is said before the question, as `tj unshare` says it, and
the deletion syncs first so the flag is on the server for a therapist who syncs before
(real server on loopback, CliRunner)."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp import web

from tests.client.hostile import HostileServer, hostile  # noqa: F401 (fixture)
from tests.conftest import PASSWORD, RunningServer
from tests.test_cli import Device
from tests.test_cli_unshare_undelivered import opted_in, said

# Replies are lost or requests failed here to test what the retry does, not how long it
# waits: every client retries with QUICK_RETRY (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("quick_retries")

ITEM_9 = "1,1,1,1,1,1,1,1,3"


async def test_account_delete_names_the_flag_the_therapist_may_never_get(
    live_server: RunningServer, tmp_path: Path
) -> None:
    lea, drlee = await opted_in(live_server, tmp_path)
    taken = await lea.ok("measure", "take", "phq9", "--answers", ITEM_9)
    assert "a safety flag was made for drlee" in said(taken.stdout + taken.stderr)

    kept = await lea.tj("account", "delete", input="\n")  # Enter: nothing is erased
    assert kept.exit_code == 1
    text = said(kept.stderr)
    assert "drlee may not have received this:" in text
    assert "(PHQ-9 item 9 answered 3, score 11), not marked read by drlee, in 'Personal'" in text
    assert "Once the account is erased, what drlee has not downloaded never reaches them" in text
    assert "it cannot be delivered afterwards" in text
    assert "`tj safety flags` shows it marked read before erasing" in text
    lines = kept.stderr.splitlines()
    assert any(line.startswith("- the safety flag of ") for line in lines)
    assert text.index("drlee may not have received") < text.index("Type the username")
    # the question's sync sent it: drlee's device gets it while the account stands
    await drlee.ok("sync")
    [flag] = (await drlee.json("safety", "flags"))["flags"]
    assert flag["answer"] == 3

    done = await lea.ok("account", "delete", "--yes")  # said, not asked
    assert "drlee may not have received this:" in said(done.stderr)
    assert "Account lea erased from the server" in said(done.stderr)


async def test_journal_delete_of_the_shared_journal_says_it_and_a_read_flag_is_not(
    live_server: RunningServer, tmp_path: Path
) -> None:
    lea, drlee = await opted_in(live_server, tmp_path)
    await lea.ok("measure", "take", "phq9", "--answers", ITEM_9)
    kept = await lea.tj("journal", "delete", "Personal", input="\n")
    assert kept.exit_code == 1
    text = said(kept.stderr)
    assert "drlee may not have received this:" in text
    assert "Once the journal is erased, what drlee has not downloaded never reaches them" in text
    assert "1 safety flag" in text  # the question's count, after the warning
    await drlee.ok("sync")
    [flag] = (await drlee.json("safety", "flags"))["flags"]
    await drlee.ok("safety", "ack", flag["id"][:8])
    await drlee.ok("sync")
    calm = await lea.tj("journal", "delete", "Personal", input="\n")  # marked read: not said
    assert "may not have received" not in calm.stderr
    done = await lea.ok("journal", "delete", "Personal", input="Personal\n")
    assert "Deleted journal Personal" in said(done.stderr + done.stdout)


async def test_account_delete_syncs_first_and_names_an_answer_given_on_another_device(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """This device found nothing of its own: the sync before the question brings the PHQ-9
    the phone recorded (item 9 answered 3), and the question names it; so does
    `tj journal delete`."""
    lea, drlee = await opted_in(live_server, tmp_path)
    phone = Device(tmp_path / "phone", live_server.url)
    await phone.ok("login", live_server.url, "lea")
    await phone.ok("measure", "take", "phq9", "--answers", ITEM_9)
    await phone.ok("sync")

    kept = await lea.tj("account", "delete", input="\n")  # Enter: nothing is erased
    assert kept.exit_code == 1
    text = said(kept.stderr)
    assert "drlee may not have received this:" in text
    assert "(PHQ-9 item 9 answered 3, score 11)" in text
    kept = await lea.tj("journal", "delete", "Personal", input="\n")
    assert kept.exit_code == 1
    assert "drlee may not have received this:" in said(kept.stderr)


async def test_a_deletion_whose_sync_fails_is_refused_and_erases_nothing(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The phone recorded a PHQ-9 (item 9 answered 3) the laptop has not synced; a server
    failing only /v1/sync: `tj journal delete --yes` and `tj account delete --yes` on the
    laptop cannot count what drlee has not received, so they fail and send no deletion."""
    phone, drlee = await opted_in(live_server, tmp_path)
    laptop = Device(tmp_path / "laptop", hostile.url)
    password = tmp_path / "password.txt"
    password.write_text(PASSWORD + "\n")
    await laptop.ok("--password-file", str(password), "login", hostile.url, "lea",
                    env={"TJ_PASSWORD": None})  # fmt: skip
    await phone.ok("measure", "take", "phq9", "--answers", ITEM_9)
    await phone.ok("sync")

    async def fail() -> None:
        raise web.HTTPServiceUnavailable()

    hostile.holds["/v1/sync"] = fail
    journal = await laptop.tj("journal", "delete", "Personal", "--yes")
    assert journal.exit_code == 1
    assert "nothing was erased: the journal 'Personal' is erased only after a sync" in said(
        journal.stderr
    )
    account = await laptop.tj("account", "delete", "--yes")
    assert account.exit_code == 1
    assert "Account lea erased" not in said(account.stderr)
    assert not {"/v1/journals/delete", "/v1/account/delete"} & set(hostile.paths)
    await drlee.ok("sync")
    [flag] = (await drlee.json("safety", "flags"))["flags"]
    assert flag["answer"] == 3
