"""fix34d (nu83 F4's kind): the advice of messages not about signups names this profile's
real address (`cli.main.address_word`: no trailing "/", as `tj whoami` shows it) and
username, never `URL USERNAME` where they are known."""

from __future__ import annotations

from pathlib import Path

from cli import output
from cli.main import with_hint
from client_sdk.errors import SESSION_ENDED, AuthError
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_kept_key_maybe_live import flat


async def test_a_refused_login_on_a_signed_in_home_names_recover_at_the_profiles_address(
    live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = Device(tmp_path / "laptop", live_server.url)
    await laptop.ok("signup", live_server.url, "ana")
    wrong = await laptop.tj(
        "login", live_server.url + "/", "ana", env={"TJ_PASSWORD": "not the password 9"}
    )
    assert wrong.exit_code == 1, wrong.output
    said = flat(wrong.stderr)
    # on s26: `tj recover http://127.0.0.1:PORT/ ana` (the address as typed, its "/" kept)
    assert f"`tj recover {live_server.url} ana` sets one with the recovery key" in said, said


def test_a_session_ended_error_names_the_login_of_this_account() -> None:
    """Subject "session ended" (a sign-in's own call refused): the `tj login` of the account
    the command named, not `tj login URL USERNAME` (s26)."""
    output.this_account("http://127.0.0.1:8765/", "ana")
    try:
        said = output.shown(
            with_hint(AuthError("this device was signed out", subject=SESSION_ENDED))
        )
        assert "`tj login http://127.0.0.1:8765 ana` signs in again" in said, said
        assert "URL" not in said and "USERNAME" not in said
        ended = output.shown(output.no_way_back())
        assert "`tj --home NEW_DIR signup http://127.0.0.1:8765 NEW_USERNAME`" in ended, ended
    finally:
        output._ACCOUNT.clear()
    unknown = output.shown(with_hint(AuthError("signed out", subject=SESSION_ENDED)))
    assert "`tj login URL USERNAME` signs in again" in unknown, unknown  # nothing known
