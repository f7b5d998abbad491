"""New passwords must be hard to guess (client_sdk/passwords.py, NIST SP 800-63B §5.1.1.2):
at least 8 characters and a zxcvbn score of 3 or more, the username, the device name and the
service's name counting as words a guesser knows. Checked at signup, password change and
recovery before anything is sent; never at login, so an account made before the rule (or by
another client: the server never sees a password, it cannot check one) still logs in.

Real server on loopback and real crypto; the weakest Argon2id cost only through
INSECURE_TEST_COST, the explicit test setting.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from client_sdk import INSECURE_TEST_COST, Client, InvalidInput, account, check_password, wire
from client_sdk.passwords import (
    MAX_L33T_TABLES,
    MIN_SCORE,
    SCORED_PREFIX,
    estimate_password,
    l33t_tables,
    scored_part,
)
from client_sdk.transport import Transport
from tests.client.recording_proxy import recording_proxy
from tests.conftest import PASSWORD, ClientFactory, RunningServer

STRONG = "plum ferry whistle lantern"
SCORE_2 = "blue rain"  # zxcvbn: about 5.2 * 10^7 guesses
SCORE_3 = "orange river"  # zxcvbn: about 1.009 * 10^8 guesses, just over the line
ANA = ["ana", "laptop"]  # what the signup fixture's user typed: username and device name


def refusal_of(password: str, user_inputs: list[str] | None = None) -> str:
    with pytest.raises(InvalidInput) as refused:
        check_password(password, user_inputs or [])
    message = str(refused.value)
    if password != "password":  # the one password that is also a word of every message
        assert password.lower() not in message.lower()  # never echoed
    return message


@pytest.mark.parametrize(
    ("password", "warning"),
    [
        ("password", "This is a top-10 common password."),
        ("12345678", "This is a top-10 common password."),
        ("qwertyuiop", "This is a top-100 common password."),
    ],
)
def test_common_passwords_are_refused_with_zxcvbn_s_reason_and_advice(
    password: str, warning: str
) -> None:
    message = refusal_of(password, ANA)
    assert message.startswith("this password is too easy to guess")
    assert warning in message
    assert "Add another word or two. Uncommon words are better." in message


def test_the_username_with_digits_is_refused_and_the_message_says_it_contains_it() -> None:
    message = refusal_of("alice2026", ["alice"])
    assert "It contains your username or another detail you gave." in message
    # The username is what makes it guessable: the same password is strong for someone else.
    assert estimate_password("quintavius2026").score == 4
    assert "your username" in refusal_of("quintavius2026", ["quintavius"])


def test_the_device_name_and_the_service_name_are_known_words_too() -> None:
    check_password("laptop2026!", ["ana"])
    assert "your username or another detail" in refusal_of("laptop2026!", ["ana", "laptop"])
    assert "It contains this service's name." in refusal_of("therapyjournal1")
    assert "It contains this service's name." in refusal_of("Journal2026")


def test_a_strong_passphrase_is_accepted() -> None:
    check_password(STRONG, ANA)
    check_password(PASSWORD, ANA)  # the tests' own, "correct horse battery"


def test_the_score_edge_a_score_of_2_is_refused_and_3_accepted() -> None:
    """Pinned by asking zxcvbn: if an upgrade moves these, pick new ones the same way."""
    assert MIN_SCORE == 3
    assert estimate_password(SCORE_2, ANA).score == 2
    assert estimate_password(SCORE_3, ANA).score == 3
    message = refusal_of(SCORE_2, ANA)
    assert "fewer than about 100 million guesses" in message
    check_password(SCORE_3, ANA)


def test_the_length_rule_comes_first_and_counts_typed_and_nfkc_code_points() -> None:
    """Both forms need 8 code points (R21 F4): U+FB01 (the "fi" ligature) is two characters in
    NFKC, so "ﬁ" * 4 is 8 characters in NFKC but 4 as typed, and the length rule refuses it
    (it passed when only the NFKC form was counted). "ﬁ" * 8 (8 typed, 16 in NFKC) passes
    the length rule, and zxcvbn refuses it: a repeat."""
    with pytest.raises(InvalidInput, match="at least 8 characters"):
        check_password("Zq#7vL!", [])  # 7 characters, however random
    with pytest.raises(InvalidInput, match="at least 8 characters"):
        check_password("\ufb01" * 4, [])
    assert "Repeats" in refusal_of("\ufb01" * 8)


def test_a_long_password_is_judged_on_its_first_56_characters() -> None:
    """zxcvbn's time grows steeply with length (1,000 characters took 16 to 110 s here):
    only the first 56 are scored (passwords.SCORED_PREFIX). Guessing the whole means guessing
    them too, so a strong prefix makes the whole strong; a guessable prefix is refused, and
    the message says so."""
    assert SCORED_PREFIX == 56
    long_and_strong = (STRONG + " ") * 40  # 1,080 characters
    check_password(long_and_strong, ANA)
    message = refusal_of("a" * 1_000 + STRONG, ANA)
    assert "Its first 56 characters alone are easy to guess." in message
    assert 'Repeats like "aaa" are easy to guess.' in message


@pytest.mark.parametrize("base", ["4@8({[<369!1|70$5+%2", "|!1@4$5+7", "$+157|", "0123456789"])
def test_the_scored_prefix_bounds_zxcvbns_l33t_substitution_tables(base: str) -> None:
    """zxcvbn's l33t matcher runs a dictionary match per substitution table, and the tables
    double with about every two more l33t characters: 72 characters of R21's soup took 7 to
    9 s. The scored prefix is the longest one of at most 56 characters with at most 32 tables
    (passwords.MAX_L33T_TABLES); the estimate refuses anything longer. No timing here (the
    guide forbids timed tests): bench-style numbers are in passwords.py."""
    password = (base * 20)[:72]
    scored = scored_part(password)
    assert l33t_tables(scored) <= MAX_L33T_TABLES
    assert len(scored) == SCORED_PREFIX or l33t_tables(password[: len(scored) + 1]) > 32
    assert password.startswith(scored)
    with pytest.raises(ValueError):
        estimate_password(password[: len(scored) + 1])
    estimate_password(scored)  # accepted as it is


def test_a_password_whose_scored_prefix_is_guessable_is_refused_with_its_length() -> None:
    """R21's "|!1@4$5+7" x 8 (72 characters, accepted before in 0.46 s): its scored prefix
    is "|!1@4$5+" (8 characters, 32 tables), which zxcvbn scores below 3."""
    message = refusal_of("|!1@4$5+7" * 8, ANA)
    assert "Its first 8 characters alone are easy to guess." in message
    check_password("4@8({[<369!1|70$5+%2" * 4, ANA)  # scored on "4@8({[<369!": score 3+


def test_checks_from_several_threads_each_count_their_own_user_inputs() -> None:
    """zxcvbn keeps the words of the call in progress in a global: checks in two threads (the
    SDK checks in worker threads) must not see each other's words."""
    outcomes: dict[str, list[bool]] = {"with": [], "without": []}

    def check(kind: str) -> None:
        for _ in range(6):
            try:
                check_password("quintavius2026", ["quintavius"] if kind == "with" else [])
            except InvalidInput:
                outcomes[kind].append(False)
            else:
                outcomes[kind].append(True)

    threads = [threading.Thread(target=check, args=(kind,)) for kind in ("with", "without") * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == {"with": [False] * 18, "without": [True] * 18}


# --- the SDK's flows against a live server ------------------------------------------------


async def test_signup_with_a_weak_password_is_refused_before_anything_is_sent(
    live_server: RunningServer, tmp_path: Path
) -> None:
    async with recording_proxy(live_server.url) as proxy:
        for weak in ("password", "ana2026!", "laptop12345"):
            with pytest.raises(InvalidInput, match="too easy to guess"):
                await Client.signup(
                    proxy.url,
                    "ana",
                    weak,
                    home=tmp_path / "ana",
                    device_name="laptop",
                    kdf_cost=INSECURE_TEST_COST,
                )
        assert proxy.paths() == []
    assert not (tmp_path / "ana" / "profile").exists()
    assert await live_server.rows("SELECT username FROM accounts") == []


async def test_an_account_made_before_the_rule_still_logs_in(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """An account whose password the rule would refuse, made the way a client without the
    rule made it (the request builder, which checks nothing, sent as is), logs in: the rule
    is for new passwords only. A new password it then chooses must meet the rule."""
    request, _, _ = account.signup_request("carol", "password", INSECURE_TEST_COST, "old phone")
    transport = Transport(live_server.url)
    try:
        await transport.call("/v1/auth/signup", request, wire.SessionReply)
    finally:
        await transport.close()

    laptop = await Client.login(
        live_server.url,
        "carol",
        "password",
        home=tmp_path / "carol-laptop",
        minimum_cost=INSECURE_TEST_COST,
    )
    try:
        with pytest.raises(InvalidInput, match="top-10 common password"):
            await laptop.change_password("password", "12345678", minimum_cost=INSECURE_TEST_COST)
        await laptop.change_password(
            "password", STRONG, kdf_cost=INSECURE_TEST_COST, minimum_cost=INSECURE_TEST_COST
        )
    finally:
        await laptop.close()
    tablet = await Client.login(
        live_server.url, "carol", STRONG, home=tmp_path / "tablet", minimum_cost=INSECURE_TEST_COST
    )
    await tablet.close()


async def account_row(live_server: RunningServer, username: str) -> list[tuple[object, ...]]:
    return await live_server.rows(
        "SELECT salt, login_public_key, bundle FROM accounts WHERE username = ?", username
    )


async def test_a_weak_new_password_changes_nothing(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    before = await account_row(live_server, "ana")
    async with recording_proxy(live_server.url) as proxy:
        laptop.transport.base_url = proxy.url
        for weak in ("12345678", "qwertyuiop", "ana2026!", SCORE_2):
            with pytest.raises(InvalidInput, match="too easy to guess") as refused:
                await laptop.change_password(
                    PASSWORD, weak, kdf_cost=INSECURE_TEST_COST, minimum_cost=INSECURE_TEST_COST
                )
            assert weak not in str(refused.value)
        laptop.transport.base_url = live_server.url
        assert proxy.paths() == []  # refused before the prelogin, let alone the change
    assert await account_row(live_server, "ana") == before
    await login("ana", device="phone", password=PASSWORD)  # the old password still works


async def test_recovery_with_a_weak_new_password_changes_nothing(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory, tmp_path: Path
) -> None:
    laptop = await signup("ana")
    recovery_key = laptop.recovery_key
    assert recovery_key is not None
    devices = await laptop.devices.list()
    before = await account_row(live_server, "ana")
    async with recording_proxy(live_server.url) as proxy:
        with pytest.raises(InvalidInput, match="top-10 common password"):
            await Client.recover(
                proxy.url,
                "ana",
                recovery_key,
                "password",
                home=tmp_path / "rescued",
                kdf_cost=INSECURE_TEST_COST,
            )
        assert proxy.paths() == []  # no recovery login: no new device signed in
    assert not (tmp_path / "rescued" / "profile").exists()
    assert await account_row(live_server, "ana") == before
    assert [d.id for d in await laptop.devices.list()] == [d.id for d in devices]
    await login("ana", device="phone", password=PASSWORD)  # the old password still works

    rescued = await Client.recover(
        live_server.url, "ana", recovery_key, STRONG, home=tmp_path / "rescued",
        kdf_cost=INSECURE_TEST_COST,
    )  # fmt: skip
    await rescued.close()
    await login("ana", device="tablet", password=STRONG)


async def test_signup_recovery_and_a_password_change_check_the_new_password_once(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A check can take a few tenths of a second, and the checks of a process run one at a
    time (zxcvbn keeps its words in a global): each operation checks once (R21 F5: signup,
    recovery and a password change checked twice, in Client and in account)."""
    checked: list[str] = []
    real = account.check_password

    def counting(password: str, user_inputs: Any = ()) -> None:
        checked.append(password)
        real(password, user_inputs)

    monkeypatch.setattr(account, "check_password", counting)
    client = await Client.signup(
        live_server.url, "ana", STRONG, home=tmp_path / "ana", kdf_cost=INSECURE_TEST_COST
    )
    assert checked == [STRONG]
    recovery_key = client.recovery_key
    assert recovery_key is not None
    try:
        await client.change_password(
            STRONG, STRONG + " x", kdf_cost=INSECURE_TEST_COST, minimum_cost=INSECURE_TEST_COST
        )
    finally:
        await client.close()
    assert checked == [STRONG, STRONG + " x"]
    rescued = await Client.recover(
        live_server.url,
        "ana",
        recovery_key,
        STRONG + " y",
        home=tmp_path / "rescued",
        kdf_cost=INSECURE_TEST_COST,
    )
    await rescued.close()
    assert checked == [STRONG, STRONG + " x", STRONG + " y"]
