"""Every command an error's advice prints names the profile the user gave (`tj --home PATH
sync`, not a bare `tj sync`, which would run against another profile), except a command
another person runs on their own device; and a name's own backticks are never made a
command (`cli.main.with_hint`, `built_for_profile`). A relative --home is printed absolute:
the command pasted in another directory runs against the same profile (`profile_words`)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from cli import output
from cli.homes import profile_words
from cli.main import with_hint
from client_sdk.errors import AccessError, NotFound, TJError
from tests.conftest import RunningServer
from tests.test_cli import run_tj, succeeded

TJ = "tj --home '/tmp/my profile'"


def said(error: TJError, tj: str = TJ) -> str:
    return output.shown(with_hint(error, tj=tj))


def test_a_hint_names_the_profile_and_a_default_one_names_none() -> None:
    error = TJError("the server could not finish the sync", subject="sync")
    assert said(error) == f"the server could not finish the sync: run `{TJ} sync`"
    assert said(error, "tj") == "the server could not finish the sync: run `tj sync`"


def test_a_command_another_person_runs_names_no_profile() -> None:
    error = AccessError(
        "journal 'x' is shared with this account read-only: to add notes, ask ana to give you "
        "the annotate role",
        subject="read-only member",
        situation="journal 'x' is shared with this account read-only",
        names={"journal": "x", "member": "tom"},
    )
    assert said(error).endswith("(on their device: `tj share x tom --role annotate`)")


def test_a_names_backticks_are_never_made_a_command() -> None:
    """A journal named with a command in backticks, in the SDK's message: left as the
    message's words (no --home put in, no command span built from it)."""
    name = "a `tj journal delete Personal --yes` b"
    error = NotFound(f"no journal named {name!r}: {name}", subject="journal")
    text = said(error)
    assert text.startswith(f"no journal named {name!r}: {name}: see `{TJ} journal list`"), text
    assert "tj --home '/tmp/my profile' journal delete" not in text


def test_a_relative_home_is_printed_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert profile_words(Path("phone")) == ["tj", "--home", str(tmp_path / "phone")]
    words = profile_words(Path("sub/../p2"))
    assert Path(words[2]).is_absolute() and Path(words[2]).resolve() == tmp_path / "p2"


async def test_a_command_printed_under_a_relative_home_runs_from_another_directory(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    signed = await run_tj(["--home", "phone", "signup", live_server.url, "ana"])
    succeeded(signed)
    written = await run_tj(["--home", "phone", "write", "hello"])
    succeeded(written)
    entry_id = written.stdout.strip()
    deleted = await run_tj(["--home", "phone", "delete", entry_id, "--yes"])
    succeeded(deleted)
    restore = next(
        shlex.split(span)
        for span in deleted.output.split("`")[1::2]
        if span.startswith("tj ") and " restore " in span
    )
    assert restore[:3] == ["tj", "--home", str(tmp_path / "phone")], restore
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # pasted in another directory: the same profile
    succeeded(await run_tj(restore[1:]))
    monkeypatch.chdir(tmp_path)
    listed = await run_tj(["--home", "phone", "list", "--json"])
    assert [e["id"] for e in json.loads(listed.stdout)] == [entry_id]
