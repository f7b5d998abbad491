"""Passwords go into the KDF in Unicode NFKC (protocol.md 4.4): the same password typed with
composed or decomposed characters, or full-width forms, logs in to the same account."""

from __future__ import annotations

import unicodedata

import pytest

from client_sdk import AuthError
from tests.conftest import ClientFactory

COMPOSED = "Caf\u00e9 cr\u00e8me \u00fcber 2026"  # é, è, ü as one code point each
DECOMPOSED = unicodedata.normalize("NFD", COMPOSED)  # e + U+0301, ...: another keyboard


async def test_a_password_typed_in_decomposed_form_logs_in(
    signup: ClientFactory, login: ClientFactory
) -> None:
    assert DECOMPOSED != COMPOSED and DECOMPOSED.encode() != COMPOSED.encode()
    laptop = await signup("ana", password=COMPOSED)
    entry = await laptop.entries.write(None, "Only this account reads this.")
    await laptop.sync()
    phone = await login("ana", password=DECOMPOSED)
    await phone.sync()
    assert (await phone.entries.get(entry.id)).body == "Only this account reads this."
    tablet = await login(
        "ana", device="tablet", password="\uff23af\u00e9 cr\u00e8me \u00fcber 2026"
    )
    await tablet.sync()  # a full-width "Ｃ" is NFKC "C": the same password


async def test_a_password_that_differs_after_normalisation_is_still_refused(
    signup: ClientFactory, login: ClientFactory
) -> None:
    await signup("ana", password=COMPOSED)
    with pytest.raises(AuthError):
        await login("ana", password=COMPOSED.replace("\u00e9", "e"))  # an accent dropped
