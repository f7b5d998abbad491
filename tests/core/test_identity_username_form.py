"""REV-TOP F5: an identity's username must be in the form every username is kept in."""

from __future__ import annotations

import pytest

from client_sdk import IntegrityError, keys


@pytest.mark.parametrize("username", ["KIM", "Kim", " kim", "kim ", "k"])
def test_an_identity_naming_a_username_not_in_its_normal_form_is_refused(username: str) -> None:
    """A self-signed identity naming "KIM" (no account can be signed up so: the server keeps
    every username lowercase) beside a client "kim" would split or rename her caseload row,
    which groups names ignoring case: refused before its signature is even looked at."""
    secrets = keys.AccountSecrets.generate()
    account_id = bytes(range(16))
    signature = keys.sign_identity(secrets, account_id, username)
    with pytest.raises(IntegrityError, match="another form"):
        keys.verify_identity(
            account_id, username, secrets.sign_public_key, secrets.box_public_key, signature
        )
    normal = keys.sign_identity(secrets, account_id, "kim")
    keys.verify_identity(account_id, "kim", secrets.sign_public_key, secrets.box_public_key, normal)
