"""Every command an error's advice prints names the profile the user gave (`tj --home PATH
sync`, not a bare `tj sync`, which would run against another profile), except a command
another person runs on their own device; and a name's own backticks are never made a
command (`cli.main.with_hint`, `built_for_profile`)."""

from __future__ import annotations

from cli import output
from cli.main import with_hint
from client_sdk.errors import AccessError, NotFound, TJError

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
