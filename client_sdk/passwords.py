"""The rule a new password must meet: long enough, and not guessable.

The server keeps each account's key bundle sealed under a key derived from the password with
Argon2id (keys.py), so anyone holding a copy of the server's database can guess passwords
offline, as fast as their hardware runs Argon2id; the slow hash only slows that down. What
stops them is a password outside the lists and patterns guessers try first. NIST SP 800-63B
(revision 3, §5.1.1.2) asks a verifier to check a new password against "passwords obtained
from previous breach corpuses, dictionary words, repetitive or sequential characters,
context-specific words, such as the name of the service, the username" and to tell the user
why a password was refused. zxcvbn (Dropbox's estimator, the Python port on PyPI) does
exactly that: it matches the password against frequency lists of common and leaked
passwords, words, names, keyboard patterns, sequences, repeats and dates, plus the words
passed as `user_inputs`, and estimates the guesses an attacker trying them in order needs.

The server never sees a password (the rule is the client's own: DESIGN.md, protocol.md 2),
so it is checked only where this client chooses a new one (signup, password change,
recovery), never at login: an account made by an older client logs in as before.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from client_sdk import crypto
from client_sdk.errors import InvalidInput

MIN_PASSWORD = 8
"""Characters (code points of the NFKC form that goes into the KDF) a new password needs at
least: NIST SP 800-63B §5.1.1.2 (revision 3)."""

MIN_SCORE = 3
"""The lowest zxcvbn score a new password may have. zxcvbn scores 0 to 4 by the estimated
number of guesses; 3 is "safely unguessable: moderate protection from offline slow-hash
scenario" (guesses >= 10^8, zxcvbn's README), which is this product's threat: a stolen
server database, attacked offline through Argon2id."""

SCORED_PREFIX = 72
"""Characters of a long password that zxcvbn looks at. zxcvbn's run time grows much faster
than the length (measured on this project's 2-core machine: 72 characters in about 0.05 s,
200 in 0.5 s, 1,000 in 16 to 110 s), and zxcvbn 4.5 refuses more than 72 by default (its
README warns against raising it: denial of service). Guessing the whole password means
guessing its first 72 characters too, so a prefix zxcvbn scores 3 or more proves the whole
password strong; the rest only adds to it. A password whose first 72 characters alone are
guessable (one letter repeated 72 times, then something else) is refused, and the message
says so."""

SERVICE_WORDS = ("therapy", "journal", "therapyjournal")
"""This service's own name, which a guesser tries first ("context-specific words, such as
the name of the service": NIST SP 800-63B §5.1.1.2); always passed to zxcvbn with the
caller's `user_inputs`."""

PASSWORD_RULE = (
    f"Choose a password of at least {MIN_PASSWORD} characters that is hard to guess: a few "
    "uncommon words together make a good one. Common and leaked passwords, keyboard patterns, "
    "and your username with a few digits are refused."
)
"""The rule in one sentence, to show before asking for a new password."""

# zxcvbn keeps the current user_inputs in a module-level dictionary for the length of a call,
# so two calls from two threads (the SDK runs signups in worker threads) must not overlap.
_ZXCVBN_LOCK = threading.Lock()


@dataclass(frozen=True)
class Estimate:
    """What zxcvbn made of a password: its `score` (0 to 4), its `warning` and `suggestions`
    (fixed English sentences, "" and () when it has none) and the `known_words` among the
    `user_inputs` it found in the password (lowercased). Holds nothing of the password."""

    score: int
    warning: str
    suggestions: tuple[str, ...]
    known_words: frozenset[str]


def check_password(password: str, user_inputs: Sequence[str] = ()) -> None:
    """Refuse a new password that is too short or guessable, with InvalidInput saying why and
    what to do (zxcvbn's own warning and suggestions when it has them); the message never
    contains the password.

    Rules (NIST SP 800-63B, revision 3, §5.1.1.2, "Memorized Secret Verifiers"):
    - at least MIN_PASSWORD (8) characters, counted as code points of the Unicode NFKC form
      that goes into the KDF (crypto.normalize_password);
    - a zxcvbn score of at least MIN_SCORE (3: about 10^8 guesses or more), estimated on the
      NFKC form's first SCORED_PREFIX (72) characters, with `user_inputs` (the username, the
      device name and anything else the user typed; any case) and SERVICE_WORDS counted as
      words a guesser knows: "alice2026" is refused for the user alice.

    zxcvbn is imported here, on the first check, not when the SDK is imported: it builds its
    frequency lists (about 45 ms on this project's machine), which a command that sets no
    password should not pay. A check takes up to about 0.1 s: call it off an event loop.
    """
    normalized = crypto.normalize_password(password)
    if len(normalized) < MIN_PASSWORD:
        raise InvalidInput(f"choose a password of at least {MIN_PASSWORD} characters")
    estimate = estimate_password(normalized[:SCORED_PREFIX], user_inputs)
    if estimate.score < MIN_SCORE:
        raise InvalidInput(refusal(estimate, long=len(normalized) > SCORED_PREFIX))


def estimate_password(password: str, user_inputs: Sequence[str] = ()) -> Estimate:
    """zxcvbn's estimate of `password` (at most SCORED_PREFIX characters), with `user_inputs`
    and SERVICE_WORDS as known words. Raises ValueError for a longer password."""
    from zxcvbn import zxcvbn  # large frequency lists: loaded on the first check only

    known = [word for word in (*user_inputs, *SERVICE_WORDS) if word]
    with _ZXCVBN_LOCK:
        result = zxcvbn(password, user_inputs=known, max_length=SCORED_PREFIX)
    return Estimate(
        score=result["score"],
        warning=result["feedback"]["warning"],
        suggestions=tuple(result["feedback"]["suggestions"]),
        known_words=frozenset(
            match.get("matched_word", "")
            for match in result["sequence"]
            if match["pattern"] == "dictionary" and match.get("dictionary_name") == "user_inputs"
        ),
    )


def refusal(estimate: Estimate, *, long: bool = False) -> str:
    """The message for a password scored below MIN_SCORE: why (zxcvbn's warning, the known
    words it contains, a guessable prefix of a `long` password), then what to do (zxcvbn's
    suggestions). Built from fixed sentences only, never from the password's characters."""
    reasons = [estimate.warning] if estimate.warning else []
    if estimate.known_words - set(SERVICE_WORDS):
        reasons.append("It contains your username or another detail you gave.")
    if estimate.known_words & set(SERVICE_WORDS):
        reasons.append("It contains this service's name.")
    if long:
        reasons.append(f"Its first {SCORED_PREFIX} characters alone are easy to guess.")
    suggestions = estimate.suggestions or ("Add another word or two. Uncommon words are better.",)
    return " ".join(
        [
            "this password is too easy to guess: an attacker holding a copy of the server's "
            "data could find it in fewer than about 100 million guesses (zxcvbn's estimate).",
            *reasons,
            *suggestions,
        ]
    )
