"""`models.account_names`: how accounts that bore one username are told apart (NU43 #1,
NU46 #1)."""

from __future__ import annotations

from client_sdk.models import account_names

OLD = "1a2b3c4d" + "0" * 24
NEW = "9f8e7d6c" + "1" * 24
TWIN = "1a2b3c4d" + "2" * 24
"""An account id chosen at signup to begin as OLD's does."""


def test_the_account_sharing_now_keeps_the_name_and_the_other_is_named_by_its_id() -> None:
    shown = account_names({OLD: ("kim", False), NEW: ("kim", True), "ab" * 16: ("ana", False)})
    assert shown == {OLD: "kim (account 1a2b3c4d)", NEW: "kim", "ab" * 16: "ana"}


def test_with_no_single_account_sharing_now_each_is_named_by_its_id() -> None:
    shown = account_names({OLD: ("kim", False), NEW: ("kim", False)})
    assert shown == {OLD: "kim (account 1a2b3c4d)", NEW: "kim (account 9f8e7d6c)"}


def test_ids_that_begin_alike_on_purpose_are_named_with_more_of_them() -> None:
    """A new account whose id begins as the erased one's (an id is chosen at signup) never
    reads as the same "kim (account 1a2b3c4d)"."""
    shown = account_names({OLD: ("kim", False), TWIN: ("kim", False), NEW: ("kim", True)})
    assert shown == {
        OLD: f"kim (account {OLD[:16]})",
        TWIN: f"kim (account {TWIN[:16]})",
        NEW: "kim",
    }
    assert len(set(shown.values())) == 3


def test_the_account_pinned_under_the_name_keeps_it_whatever_the_server_serves() -> None:
    """A server that stops serving the new kim's share and serves the erased kim's journal
    again cannot hand the plain name to the erased account: the account this device pins
    under the name now (a verify of the new kim forgot the earlier pin) keeps it."""
    served = {OLD: ("kim", True), NEW: ("kim", False)}
    assert account_names(served) == {OLD: "kim", NEW: "kim (account 9f8e7d6c)"}  # no pins
    assert account_names(served, {NEW}) == {OLD: "kim (account 1a2b3c4d)", NEW: "kim"}
    # a pin of another name decides nothing here
    assert account_names(served, {"ab" * 16}) == {OLD: "kim", NEW: "kim (account 9f8e7d6c)"}
