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
from client_sdk.errors import WEAK_PASSWORD, InvalidInput

MIN_PASSWORD = 8
"""Characters a new password needs at least (NIST SP 800-63B §5.1.1.2, revision 3), counted
as code points both as typed and in the NFKC form that goes into the KDF: a compatibility
character can expand a lot under NFKC (U+FDFA, one code point, becomes 18 characters), and
a guesser enumerates what people type, not NFKC forms (R21 F4)."""

MIN_SCORE = 3
"""The lowest zxcvbn score a new password may have. zxcvbn scores 0 to 4 by the estimated
number of guesses; 3 is "safely unguessable: moderate protection from offline slow-hash
scenario" (guesses >= 10^8, zxcvbn's README), which is this product's threat: a stolen
server database, attacked offline through Argon2id."""

SCORED_PREFIX = 56
"""Characters of a long password that zxcvbn looks at at most (see `scored_part`): zxcvbn's
run time grows much faster than the length, and zxcvbn 4.5 refuses more than 72 by default
(its README warns against raising it: denial of service). Guessing the whole password means
guessing its first characters too, so a prefix zxcvbn scores 3 or more proves the whole
password strong; the rest only adds to it. A password whose scored prefix alone is
guessable (one letter repeated 56 times, then something else) is refused, and the message
says so."""

MAX_L33T_TABLES = 32
"""Substitution tables zxcvbn's l33t matcher may enumerate for the scored prefix at most (see
`scored_part`). The matcher runs its whole dictionary match once per table it enumerates
from the l33t characters present ("4@8({[<369!1|70$5+%2"; zxcvbn.matching.L33T_TABLE), a
number that doubles with about every two more of them: 6 for the ten digits, 32 for
"$+157|", 736 for all 20. So the cost of a check grows with them far more than with the
length (R21 F5).

Measured with zxcvbn 4.5 on this project's 2-core machine while it was shared (load average
about 8), seconds per estimate, one run each: the 20 l33t characters repeated, cut at 16, 24
and 32 characters: 0.14, 0.68, 1.4 to 3.4 s (72: 7 to 9 s, R21); so no prefix of 24
characters or more stays under 0.5 s by its length alone. With at most 32 tables it does:
"$+157|" (32 tables) repeated or between letters, at 48, 56 and 64 characters: at most
0.26, 0.31 and 0.48 s (0.11 s at 56 with less load); "!+17|" (23 tables): at most 0.16,
0.21, 0.29 s. Without l33t characters 72 characters take about 0.1 s (printable random,
symbols, digits: 0.04 to 0.14 s). Hence 56 characters and 32 tables: a check takes at
most about 0.3 s here. Digits alone make 6 tables, so a long numeric password is scored on
56 characters; a random printable password on some 20 to 40."""

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
    - at least MIN_PASSWORD (8) characters, counted as code points both of the password as
      typed and of its Unicode NFKC form that goes into the KDF (crypto.normalize_password):
      one code point that NFKC expands to many ("\ufdfa", 18 characters) is refused;
    - a zxcvbn score of at least MIN_SCORE (3: about 10^8 guesses or more), estimated on the
      NFKC form's `scored_part` (at most SCORED_PREFIX, 56, characters, and at most
      MAX_L33T_TABLES, 32, l33t substitution tables), with `user_inputs` (the username, the device
      name and anything else the user typed; any case) and SERVICE_WORDS counted as words a
      guesser knows: "alice2026" is refused for the user alice.

    zxcvbn is imported here, on the first check, not when the SDK is imported: it builds its
    frequency lists (about 45 ms on this project's machine), which a command that sets no
    password should not pay. A check takes up to about 0.3 s (MAX_L33T_TABLES): call it off an event
    loop. Checks run one at a time in a process (zxcvbn keeps the words of the call in a
    global); an application that calls zxcvbn itself, in another thread, must not do so
    during a check.
    """
    normalized = crypto.normalize_password(password)
    if min(len(password), len(normalized)) < MIN_PASSWORD:
        raise InvalidInput(
            f"choose a password of at least {MIN_PASSWORD} characters", subject=WEAK_PASSWORD
        )
    scored = scored_part(normalized)
    estimate = estimate_password(scored, user_inputs)
    if estimate.score < MIN_SCORE:
        prefix = len(scored) if scored != normalized else 0
        raise InvalidInput(refusal(estimate, prefix=prefix), subject=WEAK_PASSWORD)


def l33t_tables(password: str) -> int:
    """How many substitution tables zxcvbn's l33t matcher enumerates for `password` (one
    dictionary match of the password each)."""
    from zxcvbn.matching import L33T_TABLE, enumerate_l33t_subs, relevant_l33t_subtable

    return len(enumerate_l33t_subs(relevant_l33t_subtable(password, L33T_TABLE)))


def scored_part(password: str) -> str:
    """The prefix of `password` zxcvbn scores: its longest prefix of at most SCORED_PREFIX
    characters for which zxcvbn enumerates at most MAX_L33T_TABLES l33t substitution tables
    (bounds in their docstrings; guessing the whole means guessing any prefix of it)."""
    from zxcvbn.matching import L33T_TABLE

    table = {c for substitutes in L33T_TABLE.values() for c in substitutes}
    seen = ""
    for index, character in enumerate(password[:SCORED_PREFIX]):
        if character in table and character not in seen:
            if l33t_tables(seen + character) > MAX_L33T_TABLES:
                return password[:index]
            seen += character
    return password[:SCORED_PREFIX]


def estimate_password(password: str, user_inputs: Sequence[str] = ()) -> Estimate:
    """zxcvbn's estimate of `password`, which must be its own `scored_part` (at most
    SCORED_PREFIX characters and MAX_L33T_TABLES l33t substitution tables, so that the
    estimate stays fast), with `user_inputs` and SERVICE_WORDS as known words. Raises ValueError for
    any other password."""
    from zxcvbn import zxcvbn  # large frequency lists: loaded on the first check only

    if scored_part(password) != password:
        raise ValueError(
            f"zxcvbn estimates at most {SCORED_PREFIX} characters and {MAX_L33T_TABLES} l33t "
            "substitution tables (passwords.scored_part)"
        )
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


def refusal(estimate: Estimate, *, prefix: int = 0) -> str:
    """The message for a password scored below MIN_SCORE: why (zxcvbn's warning, the known
    words it contains, that only its first `prefix` characters were scored, when not 0),
    then what to do (zxcvbn's suggestions). Built from fixed sentences and numbers only,
    never from the password's characters."""
    reasons = [estimate.warning] if estimate.warning else []
    if estimate.known_words - set(SERVICE_WORDS):
        reasons.append("It contains your username or another detail you gave.")
    if estimate.known_words & set(SERVICE_WORDS):
        reasons.append("It contains this service's name.")
    if prefix:
        reasons.append(f"Its first {prefix} characters alone are easy to guess.")
    suggestions = estimate.suggestions or ("Add another word or two. Uncommon words are better.",)
    return " ".join(
        [
            "this password is too easy to guess: an attacker holding a copy of the server's "
            "data could find it in fewer than about 100 million guesses (zxcvbn's estimate).",
            *reasons,
            *suggestions,
        ]
    )
