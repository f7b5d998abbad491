"""`tj journal delete` agrees only to the safety items it said: a flag sealed by another
program on the profile while the question waits is refused, not erased unseen."""

from __future__ import annotations

import asyncio
from pathlib import Path

from click.testing import CliRunner

from cli.main import cli
from client_sdk import Client
from tests.conftest import RunningServer
from tests.test_cli import BASE_ENV
from tests.test_cli_nu65_delete_keeps_unsent_words import WrittenWhileAsked
from tests.test_cli_unshare_undelivered import opted_in, said


async def test_a_flag_sealed_while_the_delete_asks_refuses_the_delete(
    live_server: RunningServer, tmp_path: Path
) -> None:
    lea, drlee = await opted_in(live_server, tmp_path)
    sealed: list[object] = []

    async def app_takes() -> None:
        other = await Client.open(lea.home)
        try:
            taken = await other.measures.take("phq9", [1] * 8 + [3])
            response = await other.safety.respond(taken.result)
            sealed.append(response.flagged_to)
            await other.sync()  # even sent to the server
        finally:
            await other.close()

    answer = WrittenWhileAsked("Personal\n", lambda: asyncio.run(app_takes()))
    args = ["--home", str(lea.home), "journal", "delete", "Personal"]
    done = await asyncio.to_thread(CliRunner().invoke, cli, args, input=answer, env=BASE_ENV)
    assert sealed == [["drlee"]]
    assert done.exit_code != 0, said(done.stderr)
    assert "drlee may not have received" in said(done.stderr)
    assert "Deleted journal" not in done.stderr
    await drlee.ok("sync")
    flags = (await drlee.json("safety", "flags"))["flags"]
    assert [f["answer"] for f in flags] == [3]
