"""`tj`: the Therapy Journal command line, a thin layer over the SDK (client_sdk).

Each command opens the local profile chosen with `--home` through the SDK, does one thing
and closes it. SDK errors become one line, `Error: <message>`, on stderr with exit status 1
(the command failed); usage mistakes exit with status 2 as click does them, and so does a
value the SDK refuses as given (subject BAD_VALUE: an id's form, a tag, a title, a name;
WEAK_PASSWORD: a new password or passphrase too short or too easy to guess).
`tj sync` exits with status 3 when the server withholds records. A command whose change (or
any change it synced) the server refused for good says which and why, keeps it on this
device (`tj set-aside list`) and exits with status 4 (NOT_DELIVERED_EXIT): the change was
made here but not delivered (told once: a result refused again at a later sync is reminded of
in one line, exit status 0; a safety flag refused again is told in full at every sync). `tj login` on an unfinished signup whose account is not on the
server makes nothing and exits with status 5 (ACCOUNT_NOT_FOUND_EXIT); one that signs in but
whose first sync fails exits with status 6 (FIRST_SYNC_FAILED_EXIT; 130 when Ctrl-C stopped it), and one whose first sync
ran but did not finish well exits as `tj sync` would (`sync_exit_status`); `tj recover` too.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import sys
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click
from click.core import ParameterSource

from cli import output, ready_for_ctrl_c
from cli.advice import SAID, lapsed_unshare
from cli.homes import default_home, profile_words
from cli.progress import sync_told
from cli.terminal import PROFILE, pasteable, profiled, showable
from cli.terminal import Failed as Failed
from client_sdk.crypto import INSECURE_TEST_COST
from client_sdk.errors import (
    BAD_VALUE,
    OTHER_ACCOUNT_HERE,
    USERNAME_TAKEN,
    WEAK_PASSWORD,
    AuthError,
    CostBelowMinimum,
    CostLowered,
    InvalidInput,
    JournalArchived,
    KeyChangedError,
    NetworkError,
    NotFound,
    SameJournalName,
    ScopeNeeded,
    StillShared,
    TJError,
    UnsentChanges,
    UnsyncedChanges,
    WrongKind,
)
from client_sdk.models import EMOTIONS

# The SDK's client and what it brings (aiohttp, every manager) are imported by the commands
# that use them, not at start-up: `tj --help` and a typo answer at once (issue 10).
if TYPE_CHECKING:
    from datetime import datetime

    from client_sdk import (
        Client,
        DeviceInfo,
        Identity,
        Journal,
        LockedIdentity,
        LoggedOut,
        SyncReport,
    )
    from client_sdk.departures import Departure
    from client_sdk.safety import UndeliveredFlag
    from client_sdk.sharing import ShareInfo
    from client_sdk.sync import Progress

OFFLINE_NOTE = "saved locally; will sync when the server is reachable"
QUICK_SYNC_S = 10.0
"""The longest, in seconds, that the automatic sync of a command may take in all: after a
local change (`sync_note`, plus the upload limit's wait it allows) and before showing data
(`synced_first`). QUICK_TRY bounds only the connect (2 s); a server that accepts the
connection and then does not answer (a stopped process, a stalled proxy or captive portal)
held each request for the transport's 60 s (NU21 C9). Past this the sync is cancelled, which
loses nothing and applies nothing by halves (the SDK's syncs are safe to cancel:
tests/client/test_convergence.py), and the command goes on as offline. `tj sync` keeps the
transport's limits."""
SERVER_WAIT_S = 30.0
"""The longest, in seconds, any request of a command waits without a byte from the server
(`tj --server-wait`, $TJ_SERVER_WAIT; the SDK's transport.NO_ANSWER_S): to connect, for its
reply to begin, and between two reads of it. A server that takes the connection but does not
answer fails the command after that, once: such a request is not retried (transport.py). A
transfer that goes on is not cut by it."""
WAIT_NOTICE_S = 5.0
"""After this many seconds without an answer, a command run on a terminal says on stderr
that it is waiting for the server (once)."""
NOT_DELIVERED_EXIT = 4
"""Exit status of a command that synced a change the server refused for good (set aside): it
is kept on this device, not delivered. Set with `not_delivered()`; the command's output is
printed first."""
ACCOUNT_NOT_FOUND_EXIT = 5
"""`tj login` on an unfinished signup whose account the server does not know with the
signup's password (deleted on another device, its password changed, or the signup never
arrived): nothing was made; `tj signup` makes it again."""
WITHHELD_EXIT = 3
"""Exit status of `tj sync` (and of `tj login`'s, `tj recover`'s first sync) when the server
withholds records or stops a pull before its end: what was synced is not to be trusted as
whole (`sync_exit_status`)."""
FIRST_SYNC_FAILED_EXIT = 6
"""`tj login` signed this device in (registered, its keys stored) but its first sync failed:
the login stands (not 1, a login that failed), the journals are not here yet (not 0, NU38
#5: a script then read an empty device); `tj sync` fetches them."""
NOT_DELIVERED = "tj.not_delivered"
SYNCED_NOW = "tj.synced_now"
"""Set (`ctx.meta`) once the running command synced (`synced_first`): an id it then does
not find is not suggested `tj sync` (NU33 #7)."""
NOTHING_DELETED = "tj.nothing_deleted"
"""Set (`ctx.meta`, by `nothing_deleted_yet`) while a deletion has asked the server nothing
that deletes: a NetworkError then is said to have deleted nothing."""
LOGIN_AGAIN = "tj.login_again"
"""Set (`ctx.meta`) when the running command failed because this device is signed out: how to
sign it in again (`login_again`), for the error's line (NU35 #5)."""
UNSENT_OFFLINE = "tj.unsent_offline"
"""Set (`ctx.meta`) when `tj sync` could not reach the server while safety flags wait on this
device: each said (`unsent_words`), for the error's line."""
LEFT_BEFORE_FAILURE = "tj.left_before_failure"
"""Set (`ctx.meta`) when `tj sync` failed after safety flags of this device left in it (the
server acknowledged their push): each said (`left_words`), for the error's line, whatever
the error."""
SIGNED_OUT_CODES = frozenset({"device_revoked", "token_expired", "auth_required"})
"""Server error codes (protocol.md section 7) that mean this device's session is over: it was
revoked (`tj devices revoke` on another device), its session expired, or it has none."""
T = TypeVar("T")


@dataclass(frozen=True)
class Home:
    """The local profile selected with `--home`, and where its password comes from."""

    path: Path
    password_file: Path | None
    insecure_test_kdf: bool
    server_wait: float = SERVER_WAIT_S
    kept: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False, repr=False)
    """What `unlock_once` kept for this command ("unlock": `unlock`'s answer): a locked
    profile's passphrase is asked once per command, however many times it opens the profile
    (`tj write` with the editor opens it before and after the editor: a second prompt would
    read as if the first answer was wrong)."""

    def kdf_cost(self) -> dict[str, Any]:
        """Argon2id cost for new keys: the SDK default unless the test-only flag is set."""
        return {"kdf_cost": INSECURE_TEST_COST} if self.insecure_test_kdf else {}

    def minimum_cost(self) -> dict[str, Any]:
        return {"minimum_cost": INSECURE_TEST_COST} if self.insecure_test_kdf else {}

    def password(self, prompt: str) -> str:
        """From --password-file, else $TJ_PASSWORD, else a hidden prompt."""
        if self.password_file is not None:
            return read_secret_file(self.password_file)
        if "TJ_PASSWORD" in os.environ:
            return os.environ["TJ_PASSWORD"]
        return secret_prompt(prompt, instead=PASSWORD_INSTEAD)

    def password_twice(self, prompt: str) -> str:
        """A password that may make an account (`tj signup` over an earlier one's kept key):
        from --password-file, else $TJ_PASSWORD, else typed twice."""
        if self.password_file is not None or "TJ_PASSWORD" in os.environ:
            return self.password(prompt)
        return secret_prompt(prompt, instead=PASSWORD_INSTEAD, confirm=True)

    def new_password(self, prompt: str, user_inputs: list[str], instead: str | None = None) -> str:
        """A password being chosen (signup, recovery): from --password-file, else
        $TJ_PASSWORD (the SDK checks those: a refused one is one `Error:` line), else typed
        twice after the rule is stated, and asked again until the rule takes it
        (`prompt_new_password`)."""
        if self.password_file is not None or "TJ_PASSWORD" in os.environ:
            return self.password(prompt)
        return prompt_new_password(prompt, instead or PASSWORD_INSTEAD, user_inputs)

    def run(
        self,
        work: Callable[[Client], Awaitable[T]],
        opener: Callable[[], Awaitable[Client]] | None = None,
    ) -> T:
        """Open a client (the profile by default), run `work` with it, always close it."""
        if opener is None:
            from client_sdk import Client
            from client_sdk.profile import profile_exists

            unfinished = Client.unfinished_signup(self.path)
            if unfinished is not None and not profile_exists(self.path):
                # The signup stopped before this device was signed in (interrupted early, or
                # `tj login` found no such account): one line, not a note claiming a signed-in
                # device next to "no account on this device" (NU21 C3).
                raise Failed(
                    f"no account on this device ({self.path}): "
                    f"{unfinished_note(*unfinished, False, self.path)} and see it",
                    "unfinished signup",
                )
            if unfinished is not None and Client.unconfirmed_recovery_key(self.path) is None:
                # Signed in, the signup not finished (not after one finished without its
                # key confirmed: that was said once, with `tj recovery-key new`: R25 F3).
                output.message(f"Note: {unfinished_note(*unfinished, True, self.path)} and see it.")
            self.unlock_once()
            opener = partial(Client.open, self.path, **self.kept["unlock"])
        return asyncio.run(self._session(work, opener))

    def read(self, work: Callable[[Client], Awaitable[T]]) -> T:
        """Run a command that shows what this account's other devices or other people may
        have changed: sync first, one try without retries; when that fails, say on stderr
        when this device last synced (`synced_first`), then show what the device has."""

        async def synced(client: Client) -> T:
            await synced_first(client)
            return await work(client)

        return self.run(synced)

    def unlock(self) -> dict[str, Any]:
        """The passphrase of a locked profile: $TJ_PASSPHRASE, else a hidden prompt."""
        from client_sdk import Client

        if not Client.needs_passphrase(self.path):
            return {}
        if "TJ_PASSPHRASE" in os.environ:
            return {"passphrase": os.environ["TJ_PASSPHRASE"]}
        instead = "this profile is locked: set TJ_PASSPHRASE to its passphrase"
        try:
            return {"passphrase": secret_prompt("Passphrase", instead=instead)}
        except click.ClickException as failure:  # `--json`: the SDK's subject for it
            from client_sdk.errors import PASSPHRASE_NEEDED

            setattr(failure, JSON_SAID, (PASSPHRASE_NEEDED, failure.format_message(), None))
            raise

    def unlock_once(self) -> None:
        """Ask a locked profile's passphrase now (`unlock`), once for the whole command: each
        later `run` opens the profile with it instead of asking again (`run` calls this).
        Called early by a command that must not wait on a person part-way (`tj measure
        take`: nothing is asked between a safety answer and its message, or its save)."""
        if "unlock" not in self.kept:
            self.kept["unlock"] = self.unlock()

    async def _session(
        self, work: Callable[[Client], Awaitable[T]], opener: Callable[[], Awaitable[Client]]
    ) -> T:
        from client_sdk.transport import AnswerWait, answer_wait

        told: list[str] = []

        def waiting(url: str, limit: float) -> None:
            if not told:
                told.append(url)
                output.message(
                    f"Waiting for the server at {url} to answer (tj gives up after {limit:g} s "
                    "without an answer; Ctrl-C stops)..."
                )

        on_terminal = stderr_is_terminal()
        wait = AnswerWait(
            no_answer_s=self.server_wait,
            notice_s=WAIT_NOTICE_S if on_terminal else None,
            notice=waiting if on_terminal else None,
        )
        with answer_wait(wait):
            client = await opener()
            output.this_account(client.profile.server_url, client.username)
            client.journals.when_named_by_id(name_journal_named_by_id)
            try:
                return await work(client)
            except TJError as error:
                if signed_out(error):  # the line says how to send what waits here (NU35 #5)
                    ctx = click.get_current_context(silent=True)
                    if ctx is not None:
                        cause = signed_out_cause(error)
                        ctx.meta[LOGIN_AGAIN] = await login_again(client, cause)
                raise
            finally:
                await client.close()


NAMED_BY_ID = "named by id"
"""`ctx.meta` key of the root context: the words of this command that named a journal by the
start of its id, already said (`name_journal_named_by_id`): once each, however often the
command looks the journal up."""


async def name_journal_named_by_id(words: str, journal: Journal, readers: list[str]) -> None:
    """Before a command that writes or shares (WRITING_COMMANDS) acts on a journal the user
    named by the start of its id (the SDK's `client.journals.when_named_by_id`), when
    someone else reads it (for `tj share` and `tj brief`, always): which journal that is,
    and who reads it, on stderr, once ("Note: '5721' is the journal 'Work' (id 5721feeb),
    read by drsmith."), so that sharing it or writing there with a mistyped id is never
    unsaid (fix30c). Only for words the user gave on the command line (an id this CLI passes
    on itself is said where it is printed); it asks nothing more than the command did."""
    ctx = click.get_current_context(silent=True)
    if ctx is None or words not in typed_words(ctx):
        return
    running = output.command_words()
    if running not in WRITING_COMMANDS or (not readers and running not in SHARING_COMMANDS):
        return  # a read; or no one else reads it, and the command shares nothing
    said: set[str] = ctx.find_root().meta.setdefault(NAMED_BY_ID, set())
    if words in said:
        return
    said.add(words)
    read = f", read by {output.and_words(readers)}" if readers else ", read by no one else yet"
    output.message(
        f"Note: {output.quoted(words)} is the journal {output.quoted(journal.name)} (id "
        f"{journal.id[:8]}){read}.",
        wrap=True,
    )


SHARING_COMMANDS = frozenset({"share", "brief"})
"""Commands that share what a journal holds with someone (`name_journal_named_by_id` names a
journal they were given by the start of its id even when no one else reads it yet)."""

WRITING_COMMANDS = SHARING_COMMANDS | {
    "write", "mood", "import", "note", "assign", "homework add", "goal add", "measure take",
    "safety plan", "safety crisis-line", "private-notes add", "set-aside move",
    "journal rename", "journal default",
}  # fmt: skip
"""Commands that write into the journal they are given (or choose where writes go, `journal
default`), or share it: `name_journal_named_by_id` names a journal given to one of them by
the start of its id when someone else reads it. A read names none (its output does)."""


def typed_words(ctx: click.Context) -> set[str]:
    """Every text value of the command's parameters and its groups' (as given on the
    command line, or their defaults), without the whitespace around it, as the SDK compares
    a journal's words (`client_sdk.context.typed_words`): " 5721" pasted with a space names
    the journal "5721" does, and is said as it is (rev31a F2)."""
    found: set[str] = set()
    while ctx is not None:
        for value in ctx.params.values():
            values = value if isinstance(value, (list, tuple)) else [value]
            found |= {v.strip() or v for v in values if isinstance(v, str)}
        ctx = ctx.parent  # type: ignore[assignment]
    return found


@contextlib.contextmanager
def nothing_deleted_yet() -> Iterator[None]:
    """Within it, a failure to reach the server (NetworkError) is said with "nothing was
    deleted" (`NOTHING_DELETED`): the checks a deletion makes before it deletes anything."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta[NOTHING_DELETED] = True
    yield  # an error leaves it set, for the command's error line
    if ctx is not None:
        ctx.meta.pop(NOTHING_DELETED, None)


def stderr_is_terminal() -> bool:
    """Whether stderr is a terminal: someone watches it (a waiting notice is for them)."""
    return sys.stderr.isatty()


pass_home = click.make_pass_decorator(Home)


PASSWORD_INSTEAD = "no password given: pass --password-file or set TJ_PASSWORD"
NEW_PASSWORD_INSTEAD = "no new password given: pass --new-password-file or set TJ_NEW_PASSWORD"


SECRET_WAITS: list[str] = []
"""The prompts of the secrets being awaited now (`secret_prompt`): a wait on a person, with
no bound, which a signal the command otherwise holds off must still end
(`cli.measures.hangups_wait_for_the_flag`)."""


def secret_prompt(prompt: str, *, instead: str, confirm: bool = False) -> str:
    """A secret typed on a terminal, hidden (and typed twice when `confirm`). When stdin is
    not a terminal (a pipe, a file, /dev/null), its next line is the secret (and the line
    after it the confirmation), read without a prompt and without getpass's GetPassWarning,
    since there is no echo to hide (NU18 C13). Raises click.ClickException, one line saying
    `instead` (how else to give it), when stdin ends before the line (NU18 C10). While it
    waits, `prompt` is in SECRET_WAITS."""
    SECRET_WAITS.append(prompt)
    try:
        return _secret(prompt, instead=instead, confirm=confirm)
    finally:
        SECRET_WAITS.pop()


def _secret(prompt: str, *, instead: str, confirm: bool) -> str:
    """`secret_prompt`'s reading."""
    if sys.stdin.isatty():
        return str(click.prompt(prompt, hide_input=True, confirmation_prompt=confirm, err=True))
    while True:
        chosen = piped_line(instead)
        if not confirm:
            return chosen
        try:
            again = piped_line(instead)
        except click.ClickException:  # one line only: say that the second confirms it (NU32 #1)
            how = instead.split(": ", 1)[-1]
            raise Failed(
                "only one line on standard input: a new secret is read twice from it (the "
                f"second line confirms the first); or {how}",
                output.UNANSWERED,
            ) from None
        if again == chosen:
            return chosen
        output.message("Error: The two entered values do not match.")


def piped_line(instead: str) -> str:
    """The next line of a stdin that is not a terminal, without its line ending. Read from
    file descriptor 0 by the reader a questionnaire's answers are read by (`cli.piped`), not
    through `sys.stdin`, whose buffer would take the answers piped after it; byte by byte on
    a pipe, so that what follows stays on stdin for whatever reads it next."""
    from cli import piped

    if piped.stdin_is_a_pipe_or_file():
        text = piped.read_text_line(piped.awake(), ahead=False)  # a signal ends its wait
    else:  # stdin replaced (click's test runner): read as it reads
        text = sys.stdin.readline() or None
    if text is None:
        raise Failed(f"{instead}, or run tj on a terminal to type it", output.UNANSWERED)
    return text.removesuffix("\n").removesuffix("\r")


def read_secret_file(path: Path) -> str:
    """The first line of a file (--password-file, --new-password-file), without its line
    ending (LF, CRLF or CR), read as piped text is (`decoded_text`): UTF-8, or UTF-16 or
    UTF-32 with their byte order mark, and one leading U+FEFF dropped (NU56 #5: a file saved
    by Windows Notepad begins with one, and its password was "wrong")."""
    from client_sdk.models import decoded_text  # not at start-up

    try:
        text = decoded_text(path.read_bytes()).removeprefix("\ufeff")
    except OSError as error:
        raise click.FileError(str(path), hint=str(error)) from None
    except UnicodeDecodeError:
        text = "\x00"  # said below, as a file of another encoding
    # NU57 #12: both were sent as a password, and told as a wrong one.
    if "\x00" in text:
        raise Failed(
            f"{output.path_word(path)} is not UTF-8 text (a file saved as UTF-16 needs its "
            "byte order mark): nothing was sent; save it as UTF-8",
            "file",
        )
    lines = text.splitlines()
    if not lines or not lines[0]:
        raise Failed(
            f"{output.path_word(path)} holds no password on its first line: nothing was sent",
            "file",
        )
    return lines[0]


LOGIN_UNREACHABLE = "login unreachable"
"""The subject `tj login` gives a network error of its own sign-in (`HINTS`: NU39 #7)."""

KEPT_KEY_MAYBE_LIVE = "kept key maybe live"
"""The subject of `tj recovery-key forget-kept --yes` refused (rev32d F4: never dropped
unasked, the only copy of a live account's key)."""

CONFIRM_COMMAND = "confirm COMMAND"
"""How CLI_SUBJECTS names the subjects of unanswered confirmations (`output.confirm_subject`):
"confirm" and the command's words ("confirm delete"); `is_cli_subject` takes each."""


def is_cli_subject(subject: str) -> bool:
    """Whether `subject` is one of the CLI's own `--json` error subjects (CLI_SUBJECTS, a
    "confirm COMMAND" among them)."""
    head = f"{output.CONFIRM} "
    return subject in CLI_SUBJECTS or (subject.startswith(head) and subject != CONFIRM_COMMAND)


CLI_SUBJECTS: Mapping[str, str] = MappingProxyType(
    {
        "usage": "a command line that cannot be read: an unknown option, a missing argument",
        "declined": "a question answered no (or a typed name that did not match): nothing done",
        CONFIRM_COMMAND: "a question confirming the command's own action that standard "
        "input ended before answering (or that could not be asked): 'confirm' and the "
        "command's words after tj ('confirm delete', 'confirm journal delete', 'confirm "
        "unshare'): nothing done; the error's answered_by names the flag that answers it "
        "(--yes); a question about what the SDK refused has that refusal's subject instead",
        output.UNANSWERED: "a secret (a password, a new recovery key's words) that standard "
        "input ended before giving: answered_by null, as no flag answers it",
        "file": "a file, folder or standard input that cannot be read or written as needed, "
        "or that is not there",
        "editor": "the editor failed or a draft is still open in one; what was written is "
        "kept as a draft when there is any",
        "draft journal": "tj write --draft FILE without --journal, for a draft written for "
        "another journal than the default one, or tj measure take --draft FILE without "
        "--journal, for answers kept with no journal: nothing saved; the message names the "
        "commands",
        "interrupted": "stopped by Ctrl-C: the message says what became of the work",
        "bug": "an unexpected error in tj",
        LOGIN_UNREACHABLE: "tj login could not reach the server to sign in",
        KEPT_KEY_MAYBE_LIVE: "tj recovery-key forget-kept --yes refused for a recovery key "
        "whose account may exist, never shown (any kept key that reads: unfinished, "
        "unconfirmed or set aside): nothing dropped; asked without --yes",
    }
)
"""The `--json` error object's subjects of the CLI's own (README's `--json` paragraph):
each with what it means. Every other subject is the SDK's (`client_sdk.errors.SUBJECTS`):
the CLI says an SDK error's subject, and its own failures of the SDK's kinds ("share ended",
"client", "owner's own", ...) with the SDK's word."""

HINTS = {
    "journal": f"see {output.command_text('tj journal list')} ({output.command_text('tj sync')} first if it was just shared with you)",
    "no default journal": f"add {output.command_text('--journal NAME')}, or choose your default journal with "
    f"{output.command_text('tj journal default NAME')} ({output.command_text('tj journal list')} lists yours)",
    "shared default": f"{output.command_text('tj journal default ID')} with its id above, or add "
    f"{output.command_text('--yes')}",
    "wider default": f"add {output.command_text('--journal JOURNAL')} naming where it goes "
    f"({output.command_text('tj journal list')}), or {output.command_text('--even-if-shared')} "
    "to write it into your default journal all the same",
    "result journal": f"add {output.command_text('--journal JOURNAL')} naming where it goes "
    f"({output.command_text('tj journal list')})",
    "document": f"try {output.command_text('tj sync')}",
    "sync": f"run {output.command_text('tj sync')}",
    "set-aside change": f"see {output.command_text('tj set-aside list')}",
    "share ended": f"the owner shares it again with {output.their_command_text('tj share')}",
    "unconfirmed unshare": f"{output.command_text('tj sync')} when the server can be reached, then {output.command_text('tj logout')}; or "
    f"{output.command_text('tj logout --yes')} logs out anyway",
    "renamed elsewhere": f"{output.command_text('tj journal list')} shows its name now; {output.command_text('tj journal rename JOURNAL NEW_NAME')} names it again",
    "device": f"see {output.command_text('tj devices')}",
    "prompt": f"see {output.command_text('tj prompt list')}",
    "profile": f"run {output.command_text('tj signup URL USERNAME')} or {output.command_text('tj login URL USERNAME')}",
    "profile address": f"run {output.command_text('tj login URL USERNAME')} with that address and username; "
    f"meanwhile {output.command_text('tj export --out DIR')} saves this device's copy",
    "unfinished signup": f"run {output.command_text('tj signup URL USERNAME')} (or {output.command_text('tj login')}) again with them; to give "
    f"that account up instead, {output.command_text('tj recovery-key forget-kept --account ID')} (its id above)",
    "signup not on server": f"{output.command_text('tj signup URL USERNAME')} with that password makes it again; "
    f"{output.command_text('tj recovery-key forget-kept --account ID')} (its id above) gives it up",
    # "session ended", "account maybe deleted": `with_hint` names this profile's server and
    # username (`output.account_command`), never URL USERNAME where they are known
    "fingerprint": f"they see it with {output.their_command_text('tj fingerprint')}; pass --fingerprint or --trust-on-first-use",
    "daylio mood": "pass it as --mood LABEL=N",
    "ended brief": f"ask the client for a new one (they run {output.their_command_text('tj brief')})",
    "brief not journal": f"read it with {output.command_text('tj briefs')} ({output.command_text('tj show ID')} shows one)",
    "app update": f"update the app on this device, then run {output.command_text('tj sync')}",
    "items journal": f"share an entry with someone: {output.command_text('tj share-entry ENTRY_ID USERNAME')}; a "
    f"journal: {output.command_text('tj share JOURNAL USERNAME')}",
    LOGIN_UNREACHABLE: "nothing was changed on this device: run the same command again once "
    "the server answers",
    "no answer": "nothing on this device was lost; try again once it answers (a hung server, "
    f"or a stalled network or proxy; {output.command_text('tj --server-wait SECONDS')} waits longer)",
}
"""The CLI's advice for an SDK error, by `TJError.subject` (the SDK's messages name no
command)."""


class AccountNotFound(click.ClickException):
    """`Error: ...`, exit status ACCOUNT_NOT_FOUND_EXIT."""

    exit_code = ACCOUNT_NOT_FOUND_EXIT


OTHER_KIND_HINTS = {
    "entry": ("tj show {id}", "shows it"),
    "note": ("tj notes", "lists it"),
    "prompt": ("tj notes", "lists it"),
    "measure": ("tj measure show {id}", "shows it"),
    "goal": ("tj goal show {id}", "shows it"),
    "homework": ("tj homework show {id}", "shows it"),
    "assignment": ("tj assignments", "lists it"),
    "private_note": ("tj private-notes", "lists it"),
    "journal": ("tj list --journal {id}", "lists its entries"),
    "checkin": ("tj goal show {id}", "shows it"),
}
"""The command that shows a document an id given for another kind named instead
(`WrongKind.kind`: an entry's id given to `tj goal show`, a goal's to `tj show`; NU33 #7; a
journal's or a goal's check-in's to `tj show` or `tj discuss`, NU37 #6), `{id}` its short id
(a check-in's: its goal's), with what the command does."""


ID_LISTS = {
    "entry": "tj list",
    "note": "tj notes",
    "prompt": "tj prompt list",
    "measure": "tj measure list",
    "goal": "tj goal list",
    "homework": "tj homework list",
    "assignment": "tj assignments",
    "private_note": "tj private-notes",
    "safety_flag": "tj safety flags",
}
"""The command listing the ids of a document kind, named when what was given for one is no
id at all (BAD_VALUE with `names` "kind": a goal's title for `tj goal checkin`, a client's
name for `tj safety ack`; nu85 F1). Titles and names are not taken instead: a title is not
unique (two goals "Walk"), and a flag acknowledged is a clinical act on one exact flag."""


class ValueRefused(click.ClickException):
    """A bad value of an option or argument: one line, `Error: Invalid value for '--mood': 11
    is not in the range 1<=x<=10.`, with click's exit status for usage mistakes (2), not
    click's usage and help lines around it (NU30 F8)."""

    exit_code = 2


SUBJECT_EXITS: dict[str, type[click.ClickException]] = {
    "signup not on server": AccountNotFound,
    "you named": ValueRefused,  # a value refused as given (BAD_VALUE's, NU45 #4)
    BAD_VALUE: ValueRefused,  # a value refused as given: 2, as a bad option value (NU35 #8)
    WEAK_PASSWORD: ValueRefused,  # a new password or passphrase refused: a value, as above
}
"""The exception (so the exit status) for an SDK error, by `TJError.subject`, when not 1."""


CODE_HINTS = {
    "device_quota_exceeded": f"on a device still signed in, {output.their_command_text('tj devices')} lists "
    f"them and {output.their_command_text('tj devices revoke ID')} signs one out",
}
"""The CLI's advice for a server error code (`TJError.code`) where the subject says nothing."""


def with_hint(
    error: TJError,
    verbose: bool = False,
    synced: bool = False,
    login: str | None = None,
    tj: str = "tj",
    by_option: bool = True,
    journal_given: bool = True,
) -> str:
    """The error's message, with the CLI's advice for its subject (or code) if there is one;
    with `verbose`, the server's error code (or the network failure's type) and the server's
    own words after it. `synced`: the command synced just now (`synced_first`), so
    something not on this device is not there after a sync either: "try `tj sync`" is not
    said (NU33 #7). `login`: for an error saying this device is signed out, how to sign it in
    again and send what waits on it (`login_again`, NU35 #5). `tj`: the words that start a
    command for this profile (`profile_words`), put in every `tj` command of the advice
    (`built_for_profile`; NU50 F4 for the advice that saves this device's copy), except
    the commands another person runs on their device (`output.their_command`).
    `by_option`: the command names a journal with `--journal` (`journal_by_option`);
    `journal_given`: it was given one (else an archived journal is the default one)."""
    hint = HINTS.get(error.subject or "") or CODE_HINTS.get(error.code or "")
    if error.subject == BAD_VALUE and error.names.get("kind") in ID_LISTS:  # nu85 F1
        hint = f"{output.command_text(ID_LISTS[error.names['kind']])} shows the ids"
    if error.subject == WRONG_PASSPHRASE_SUBJECT:  # nu80 F2: a way on when it is forgotten
        hint = forgotten_passphrase()
    if error.subject == "journal" and "renamed" in error.names:  # no sync will bring it
        hint = f"see {output.command_text('tj journal list')}"
    if error.subject == "no default journal" and "journal id" in error.names:
        from client_sdk.models import ID_SHOWN  # not at start-up

        ident = error.names["journal id"][:ID_SHOWN]  # chosen by its id: no name served stands in
        hint = (
            f"{output.command_text(f'tj journal default {ident}')} keeps writing there; "
            f"{output.command_text('tj journal default ID')} chooses another "
            f"({output.command_text('tj journal list')} lists yours); or add "
            f"{output.command_text('--journal NAME')}"
        )
    if default_unconfirmed(error):  # the command tried a sync first (`found_after_sync`)
        hint = (
            f"run {output.command_text('tj sync')} once the server can be reached, then the same "
            "command again"
        )
    if error.subject == "share ended" and (
        "can share it with you again" in str(error) or "with this account ended" not in str(error)
    ):  # the message names the owner who can, already: not said twice; or it is not a write
        hint = None  # refused by an ended share (a flag, a client): its words say what is left
    if error.subject == "session ended":  # this profile's server and username, if known
        hint = (
            f"{output.account_command('login')} signs in again; if it refuses the right "
            f"password, {output.command_text('tj export --out DIR')} saves this device's copy "
            f"(before any {output.command_text('tj logout')})"
        )
    if error.subject == "account maybe deleted":  # this profile's server and username
        hint = (
            f"if you do not know a new password, {output.account_command('recover')} sets one "
            f"with the recovery key; {output.command_text('tj export --out DIR')} saves this "
            f"device's copy (before any {output.command_text('tj logout')})"
        )
    if error.subject in SIGNUP_HINTS and {"server", "username", "account"} <= error.names.keys():
        hint = signup_hint(error)  # the signup's own address, name and id (rev33b F5)
    if error.subject == "profile address" and {"address", "username"} <= error.names.keys():
        hint = f"run {profile_address_hint(error)}"  # never URL USERNAME (nu83 F4)
    if login is not None and signed_out(error):
        login, said, safety = login.partition(UNSENT_SAFETY)  # told last (`login_again`)
        text = f"{error}: {login}"
        if error.subject == "session ended":  # the password may have changed elsewhere
            text += (
                f"; if it refuses the right password, {output.command_text(f'{tj} export --out DIR')} "
                f"saves this device's copy (before any {output.command_text(f'{tj} logout')})"
            )
        text += said + safety
    elif synced and error.subject == "document":
        text = f"{error} (it synced just now): check the id"
    elif error.subject in SAID:  # a command with the error's names in (NU45 #4)
        text = SAID[error.subject](error)
    elif isinstance(error, ScopeNeeded):  # the CLI's flags, never the SDK's keywords
        text = f"{error.situation}. {scope_advice(error)}"
    elif isinstance(error, StillShared):  # what they still read, and the commands (R33 F3)
        named = (*error.reading, *error.unsure)
        ids = error.journal_ids if len(error.journal_ids) == len(named) else ("",) * len(named)
        ends = "; ".join(
            output.command(["tj", "unshare", output.journal_word(j, ident), error.member])
            for j, ident in zip(named, ids, strict=True)
        )
        text = f"{error.situation}. To end it: {ends}"
    elif isinstance(error, WrongKind) and error.kind in OTHER_KIND_HINTS:  # NU33 #7
        words, does = OTHER_KIND_HINTS[error.kind]
        short = output.short_id(error.id)
        advice = output.command([short if w == "{id}" else w for w in words.split()])
        text = f"{error}: {advice} {does}"
    elif isinstance(error, KeyChangedError) and error.username:  # the command (NU45 #4)
        text = error.said(output.verify_words(error.username))
    elif isinstance(error, SameJournalName):  # the CLI's flag and command (NU45 #4)
        text = output.same_name_error_text(error, by_option=by_option)
    elif isinstance(error, JournalArchived):  # the command with its name in (NU32 #12)
        unarchive = [
            "tj",
            "journal",
            "unarchive",
            output.journal_word(error.journal, error.journal_id),
        ]
        text = f"{error}: {output.command(unarchive)}"
        if by_option and not journal_given:  # the default journal, used as none was named
            other = output.command_text("tj journal default NAME")
            text += (
                f"; it is your default journal, where a command given no --journal writes: "
                f"give --journal NAME, or choose another default with {other}"
            )
    elif isinstance(error, CostLowered):  # the commands that take the new cost (REV-KDF F3)
        login = output.command(["tj", "login", error.server_url, error.username])
        text = (
            f"{error}: only if you changed the password on another device, run {output.command_text('tj logout')}, "
            f"then {login} on this one; if you did not, do neither (the server may be "
            "weakening the hash)"
        )
    elif isinstance(error, CostBelowMinimum):  # the CLI's switch, not the SDK's parameter
        text = (
            f"{error.situation}; refusing to derive keys. An account made for tests with "
            "TJ_INSECURE_TEST_KDF=1 is signed in to with TJ_INSECURE_TEST_KDF=1 too (tests "
            "only); for a real account, the server is asking for a weaker password hash than "
            "tj accepts"
        )
    else:
        said = lapsed_unshare(error) if error.subject == "wider default" else str(error)
        if error.names.get("advice") == "new recovery key":  # account.NEW_RECOVERY_KEY
            said += f" ({output.command_text('tj recovery-key new')})"
        text = f"{said}: {hint}" if hint else said
    text = built_for_profile(text, tj)  # the commands built with names (`output.command`)
    if verbose:
        code = error.code or (type(error.__cause__).__name__ if error.__cause__ else None)
        # the server's words: marks in them are shown as escapes, never as a command
        text += f" (code: {output.marks_shown(code or type(error).__name__)})"
        text += f" (the server said: {output.marks_shown(error.detail)})" if error.detail else ""
    return text


WRONG_PASSPHRASE_SUBJECT = "passphrase"
"""`client_sdk.errors.WRONG_PASSPHRASE` (not imported at start-up): a passphrase that does not
open this device's locked profile."""


def forgotten_passphrase() -> str:
    """The advice after "wrong passphrase for this profile" (nu80 F2): try it again, or, when
    it is forgotten, a way on that loses nothing the server holds and keeps everything of this
    device. Nothing opens the profile without its passphrase (the lock is never weakened), so
    the home's folder is set aside whole (a `mv` to a free name beside it, `.locked`), the
    device signs in again in a new folder at the same path and fetches the journals; what
    this device wrote and never synced stays only in the folder set aside, with its drafts
    (files, readable), and reaches the server from there if the passphrase comes back."""
    ctx = click.get_current_context(silent=True)
    home = ctx.find_object(Home) if ctx is not None else None
    path = (home.path if home is not None else default_home()).absolute()
    aside = path.with_name(f"{path.name}.locked")
    number = 2
    while aside.exists() or aside.is_symlink():
        aside = path.with_name(f"{path.name}.locked-{number}")
        number += 1
    sync = output.command(["tj", "--home", str(aside), "sync"])
    return (
        "try it again; if it is forgotten, nothing can open this device's keys (the passphrase "
        "never left it), but nothing the server holds is lost: "
        f"{output.command(['mv', str(path), str(aside)])} sets this device's folder aside, "
        f"then {output.command_text('tj login URL USERNAME')} signs this device in again and "
        "fetches your journals; only what this device wrote and never synced does not reach "
        f"the server (it stays in the folder set aside, locked: {sync} sends it if you "
        "remember the passphrase; the drafts there are plain files, "
        f"{output.command_text('tj write --draft FILE')} saves one)"
    )


def built_for_profile(text: str, tj: str) -> str:
    """`text` with each `tj ...` command the CLI built in it for this profile's user
    (`output.command`, never a name's imitation of one, never `output.their_command`'s)
    started by `tj` (`profile_words`) instead."""
    return profiled(text, tj)


def scope_advice(error: ScopeNeeded) -> str:
    """The commands that choose what a member reads (NU21 C7): the fields they read before
    when there were some, else the whole journal or some fields (`with_hint` puts this
    profile's --home in each command: `built_for_profile`)."""
    journal = output.journal_word(error.journal or "", error.journal_id or "")
    share = ["tj", "share", journal, error.member]
    full = (
        "the whole journal (everything you keep in it: entries in full, goals, questionnaire "
        f"answers, homework, safety plan; also what was written before): "
        f"{output.command([*share, '--full'])}"
    )
    if error.fields:
        again = output.command([*share, "--only", ",".join(error.fields)])
        return f"To share the {output.plain_list(error.fields)} with them again: {again}; {full}"
    fields = output.command([*share, "--only", "FIELDS"])
    return f"To share some fields: {fields} (e.g. mood,scores); {full}"


def one_line_value_error(error: click.BadParameter) -> click.ClickException:
    """`error` as one `Error:` line naming the option and what it takes ("Invalid value for
    '--mood': 11 is not a whole number from 1 to 10."); a missing option or argument keeps
    click's usage lines (they show what to give)."""
    if isinstance(error, click.MissingParameter):
        return error
    text = error.format_message()
    kind = error.param.type if error.param is not None else None
    if (
        isinstance(kind, (click.IntRange, click.FloatRange))
        and not (kind.min_open or kind.max_open)
        and " is not " in error.message
    ):
        given = error.message.split(" is not ", 1)[0]  # click's "11 is not in the range ..."
        text = text.replace(error.message, f"{given} is not {range_words(kind)}.")
    return ValueRefused(output.shown(output.one_line(text), prose=True))


def range_words(kind: click.IntRange | click.FloatRange) -> str:
    """ "a whole number from 1 to 10", "a number of at least 0": the values a range takes
    (its bounds included: tj's ranges have no open bound)."""
    number = "a whole number" if isinstance(kind, click.IntRange) else "a number"
    if kind.min is not None and kind.max is not None:
        return f"{number} from {kind.min} to {kind.max}"
    if kind.min is not None:
        return f"{number} of at least {kind.min}"
    return f"{number} of at most {kind.max}"


def plain_word(arg: str, ends: str = "name") -> str:
    """A text the user gave on the command line, as `tj` reads it (`PlainText`, after
    parsing): made plain as text piped in is (`client_sdk.plain_text`): one leading byte
    order mark dropped, CRLF and a lone CR read as a line break. Then, by `ends`: "name" (a
    journal's, a device's, a client's name, `--journal`), without the line breaks that end
    it when it held a CR (`"$(cat name.txt)"` from a Windows file: the shell drops the last
    LF, not the CR before it), else returned as it is when it held neither; "line" (a title,
    a tag, a note), without the line breaks around it (one inside stays, for the command to
    judge); "text" (an entry's text, a note's), without the line breaks that end it, as
    stdin. Pure."""
    from client_sdk.models import plain_text

    if ends == "line":
        return plain_text(arg).strip("\n")
    if ends == "text":
        return plain_text(arg).rstrip("\n")
    if not arg.startswith("\ufeff") and "\r" not in arg:
        return arg
    plain = plain_text(arg)
    return plain.rstrip("\n") if "\r" in arg else plain


class ServerWait(click.FloatRange):
    """`--server-wait`'s range (1 to 3600 s). A test setting, as TJ_INSECURE_TEST_KDF is for
    Argon2id: $TJ_TEST_SERVER_WAIT_LEAST (seconds), read only when set, lowers its least, so
    that the tests of a hung server wait a fraction of a second per request instead of 1 s
    (the same code path and outcome). Never for real use: a real server may well be silent
    for a second."""

    @property
    def min(self) -> float | None:  # what click checks and what the refusal names
        least = os.environ.get("TJ_TEST_SERVER_WAIT_LEAST")
        return float(least) if least is not None else self._least

    @min.setter
    def min(self, value: float | None) -> None:
        self._least = value


class PlainText(click.types.StringParamType):
    """The click type of every parameter that is the user's own text (names, `--journal`,
    titles, tags, notes, texts): its value made plain (`plain_word`) once click has parsed
    the arguments, so that a byte order mark never decides whether an argument is an option
    or a text (`tj write "$(cat list.txt)"` of a Notepad list "- milk"), and never touches a
    path, an id, a username or a URL (their parameters are of other types: a file name that
    ends in a CR is another file's name). `ends` as in `plain_word`."""

    name = "text"

    def __init__(self, ends: str) -> None:
        self.ends = ends

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        return plain_word(str(super().convert(value, param, ctx)), self.ends)


PLAIN_NAME = PlainText("name")
"""A name the user gives (a journal's, a device's, a client's, a template's, `--journal`)."""
PLAIN_LINE = PlainText("line")
"""A short text of the user's: a title, a tag, a goal's why, a check-in's note."""
PLAIN_TEXT = PlainText("text")
"""The user's text: an entry's, a note's, a private note's, a safety plan's."""


def journal_by_option(group: click.Group, ctx: click.Context) -> bool:
    """Whether the command `ctx` ran names its journal with `--journal` (a group's
    commands, `tj journal ...`, are taken to): else it takes the journal in its place
    (`tj unshare JOURNAL MEMBER`), and a hint says the id alone."""
    name = ctx.invoked_subcommand
    found = group.get_command(ctx, name) if name else None
    if found is None or isinstance(found, click.Group):
        return True
    return any("--journal" in p.opts for p in found.params if isinstance(p, click.Option))


class TJGroup(click.Group):
    """Turns SDK errors (and file-system errors) into one line and exit status 1; any other
    error too (a bug, e.g. data from another account no check foresaw, R13 finding 1): a
    traceback only with TJ_TRACEBACK=1. A bad option value, of `tj` or of any command, is one
    line too, with exit status 2 (`one_line_value_error`)."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:  # tj's own options (--home, --password-file); a command's are parsed in invoke
            return super().make_context(info_name, args, parent, **extra)
        except click.BadParameter as error:
            raise one_line_value_error(error) from None
        except BrokenPipeError:  # `tj --help | head -1`
            stdout_closed()
            raise click.exceptions.Exit(STDOUT_CLOSED_EXIT) from None

    def invoke(self, ctx: click.Context) -> Any:
        """The command, its failures made one line (`failing`), said as JSON on stdout too
        when it was asked for (`--json`, `json_asked`)."""
        output.STDERR_CLOSED.clear()  # this command's own (a test runs many in one process)
        output.JSON_PRINTED.clear()
        output.ERROR_EXTRA.clear()
        given = [*getattr(ctx, "_protected_args", ()), *ctx.args]  # before click takes them
        try:
            return self.failing(ctx)
        except click.ClickException as failure:
            if json_asked(self, ctx, given):
                said = getattr(failure, JSON_SAID, None)
                subject, text, code = said or (
                    failure_subject(failure),
                    failure.format_message(),
                    None,
                )
                answered_by = (
                    failure.answered_by if isinstance(failure, output.Unanswered) else None
                )
                output.error_json(subject, text, code, failure.exit_code, answered_by)
            raise

    def failing(self, ctx: click.Context) -> Any:
        """Run the command; an error of any kind becomes one `Error:` line (a ClickException
        whose `JSON_SAID` holds its subject, words and code where the SDK gave them)."""
        try:
            ready_for_ctrl_c()  # started: Ctrl-C is this command's "Stopped: ..." from here
            result = super().invoke(ctx)
            if ctx.meta.get(NOT_DELIVERED):
                ctx.exit(NOT_DELIVERED_EXIT)
            if output.STDERR_CLOSED:  # done, its notes unseen: as a closed stdout ends
                ctx.exit(STDOUT_CLOSED_EXIT)
            return result
        except click.BadParameter as error:
            raise one_line_value_error(error) from None
        except TJError as error:
            verbose = bool(ctx.params.get("verbose"))
            failure = SUBJECT_EXITS.get(error.subject or "", click.ClickException)
            home = ctx.find_object(Home)
            text = with_hint(
                error,
                verbose,
                bool(ctx.meta.get(SYNCED_NOW)),
                ctx.meta.get(LOGIN_AGAIN),
                shlex.join(profile_words(home.path)) if home is not None else "tj",
                journal_by_option(self, ctx),
                bool(ctx.meta.get(JOURNAL_GIVEN)),
            )
            if isinstance(error, NetworkError) and ctx.meta.get(NOTHING_DELETED):
                text = f"nothing was deleted: {text}"
            if isinstance(error, NetworkError) and ctx.meta.get(UNSENT_OFFLINE):
                text += ctx.meta[UNSENT_OFFLINE]  # the flags still here, told last
            if ctx.meta.get(LEFT_BEFORE_FAILURE):  # those that left before it failed
                text += ctx.meta[LEFT_BEFORE_FAILURE]
            made = failure(output.shown(output.one_line(text), prose=True))
            setattr(made, JSON_SAID, (error.subject, output.one_line(text), error.code))
            raise made from None
        except BrokenPipeError:  # stdout closed early (`tj list | head -1`): quiet (NU35 #9)
            stdout_closed()
            ctx.exit(STDOUT_CLOSED_EXIT)
        except OSError as error:
            text = output.one_line(output.os_error_text(error))
            made = click.ClickException(text)
            setattr(made, JSON_SAID, ("file", text, None))
            raise made from None
        except click.ClickException as error:
            if isinstance(error, click.NoSuchOption) and error.option_name == "--home":
                # `tj show ID --home DIR`: not "Did you mean '--help'?" (NU54 F13)
                setattr(error, "possibilities", [])  # noqa: B010 (Final in Click's types)
                setattr(  # noqa: B010
                    error,
                    "message",
                    "--home goes before the command: "
                    + output.command_text("tj --home DIR COMMAND ..."),
                )
            # An error's words may hold another account's names: through `shown` as every
            # other line (rev-lead L2), and only the CLI's command spans in backticks (prose).
            # Click types `message` Final; show() reads it.
            if not hasattr(error, JSON_SAID):  # the words as given, for `--json`
                setattr(error, JSON_SAID, (failure_subject(error), error.format_message(), None))
            setattr(error, "message", output.shown(error.message, prose=True))  # noqa: B010
            raise
        except KeyboardInterrupt:  # Ctrl-C, in any command: not click's bare "Aborted!"
            interrupted(ctx)
        except click.Abort as abort:
            if isinstance(abort.__context__, EOFError):  # a prompt's input ended (NU35 #9)
                raise output.Unanswered(
                    "standard input ended before a question was answered: stopped there, and "
                    "what it asked for was not done"
                ) from None
            if isinstance(abort.__context__, KeyboardInterrupt):  # Ctrl-C at a question
                interrupted(ctx)
            raise
        except click.exceptions.Exit:
            raise
        except Exception as error:  # a bug (ours, or data no check foresaw): one line, no traceback
            if os.environ.get("TJ_TRACEBACK"):
                raise
            # its words may hold another account's data: shown, as every other error's
            text = output.one_line(
                f"unexpected error ({type(error).__name__}: {error}): a bug in tj, "
                "please report it (TJ_TRACEBACK=1 shows the traceback)"
            )
            made = click.ClickException(output.shown(text, prose=True))
            setattr(made, JSON_SAID, ("bug", text, None))
            raise made from None


INTERRUPTED_EXIT = 130
"""The exit status of a command stopped by Ctrl-C (128 + SIGINT, as a shell gives)."""

JSON_ASKED = "tj.json"
"""Set (`ctx.meta`, shared by every context of the run) once `--json` was read (`ask_json`)."""
JSON_SAID = "tj_json_said"
"""The attribute of a command's ClickException holding (subject, words, server code) for its
`--json` error object (`output.error_json`): the SDK error's subject and code, and its words
before they were made safe for a terminal (JSON escapes what it must)."""


def ask_json(ctx: click.Context, _: click.Parameter, value: bool) -> bool:
    """`--json`'s callback: note that the command's output, a failure's too, is JSON. Eager:
    read before the command's other options, so that a bad value of one is said as JSON."""
    if value:
        ctx.meta[JSON_ASKED] = True
    return value


def json_asked(group: click.Group, ctx: click.Context, given: list[str]) -> bool:
    """Whether the command that ran (or failed to start) was given `--json`: read
    (`JSON_ASKED`), or, for a command line click could not read, among the words `given` to
    `tj` after its own options (before any "--") of a command that takes `--json`."""
    if ctx.meta.get(JSON_ASKED):
        return True
    words = given[: given.index("--")] if "--" in given else given
    if "--json" not in words:
        return False
    command: click.Command | None = group
    for word in words:
        if not isinstance(command, click.Group):
            break
        if not word.startswith("-"):
            command = command.get_command(ctx, word)
    return command is not None and any(p.name == "as_json" for p in command.params)


def failure_subject(failure: click.ClickException) -> str | None:
    """The `--json` error object's subject of a failure the CLI itself said (not the SDK's):
    "value" (BAD_VALUE, the SDK's subject for a value refused as given: a bad option or
    argument value, whichever of the two read it), "usage" (a command line that cannot be
    read: an unknown option, a missing argument), "declined" (a question answered no),
    the subject of a question standard input ended before answering (`Unanswered.subject`:
    what it asks about, else what it confirms, "confirm COMMAND"), a `Failed`'s own, else
    None."""
    from client_sdk.errors import BAD_VALUE

    if isinstance(failure, (click.BadParameter, ValueRefused)):
        return BAD_VALUE
    if isinstance(failure, click.UsageError):
        return "usage"
    if isinstance(failure, output.Declined):
        return "declined"
    if isinstance(failure, output.Unanswered):
        return failure.subject  # what it asks about (UNANSWERED: the command's own action)
    if isinstance(failure, Failed):
        return failure.subject
    return None


SIGN_IN_AGAIN = "tj.sign_in_again"
"""The key, in click's context meta, of the command that signs this device in, for
`interrupted` to name when a login stopped by Ctrl-C left no profile (nu80 F10)."""


ASKS_THE_SERVER = frozenset(
    {"share", "unshare", "leave", "brief", "account", "password", "recovery-key", "devices"}
)
"""Commands whose change is made on the server (who reads a journal, the account, its
devices), not saved on this device first: one stopped by Ctrl-C may not have made it, and
no `tj sync` makes it later (`interrupted`)."""


def interrupted(ctx: click.Context) -> NoReturn:
    """A command stopped by Ctrl-C (NU51 F15: click's bare "Aborted!", exit 1): what became
    of the work, and exit status INTERRUPTED_EXIT. What a command had saved is kept (each
    change is saved on this device before it is sent, and a sync stopped halfway loses
    nothing: the next one sends and fetches the rest); `tj sync` is named for this profile
    (`profile_words`). With no account on this device (`tj signup` or `tj login` stopped at
    its password prompt), there is nothing to send and `tj sync` would fail: only that, and
    for a `tj login`, the command that signs it in (`SIGN_IN_AGAIN`, set as it starts: the
    SDK leaves no profile of a login stopped halfway, whose session it ended; nu81 F3)."""
    from client_sdk.profile import profile_exists

    home = ctx.find_object(Home)
    path = home.path if home is not None else default_home()
    again = output.command([*profile_words(path), "sync"])
    if not profile_exists(path):
        text = "Stopped: this device is not signed in to an account"
        if SIGN_IN_AGAIN in ctx.meta:  # a login stopped after it asked the server (nu80 F10)
            text += f"; {ctx.meta[SIGN_IN_AGAIN]} signs it in"
        text += "."
    elif ctx.invoked_subcommand == "sync":
        text = f"Stopped: nothing was lost; run {again} again."
    elif output.STOPPED in ctx.meta:  # the command said what became of its work (NU55 F3)
        text = ctx.meta[output.STOPPED]
    elif ctx.invoked_subcommand in ASKS_THE_SERVER:  # NU52 F2: an unshare may not have happened
        shares = output.command([*profile_words(path), "shares"])
        text = (
            "Stopped before it finished: what it asks of the server may not have been done; "
            f"run it again to be sure ({shares} says who reads your journals now)."
        )
    else:
        text = f"Stopped: what this device had saved is kept; {again} sends what waits to be sent."
    click.echo("", err=True)  # after the terminal's "^C"
    output.message(text)
    if ctx.meta.get(JSON_ASKED):
        output.error_json("interrupted", text, None, INTERRUPTED_EXIT)
    ctx.exit(INTERRUPTED_EXIT)


json_option = click.option(
    "--json",
    "as_json",
    is_flag=True,
    is_eager=True,
    callback=ask_json,
    help='Print JSON with stable keys instead of text (on failure too: an object "error").',
)


def tag_filter_argument(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> tuple[str, ...]:
    """A click callback for a repeated `--tag` filter (entries with any of the tags): each
    value made plain, and also each part of it between commas (`tags_argument`), so that
    "work,sleep" finds entries tagged work or sleep, and a tag that holds a comma (written
    by an app, or imported) is still found by its whole name (REV-CARE2 F3). Each value is
    made plain by its type (PLAIN_LINE)."""
    found = list(value)
    for one in value:
        found += [part.strip() for part in one.split(",") if part.strip() and part != one]
    return tuple(dict.fromkeys(found))


def tags_argument(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> tuple[str, ...]:
    """A click callback for a repeated `--tag` (or `--untag`): each value made plain by its
    type (PLAIN_LINE), and split at its commas: `--tag work,sleep` is two tags, as every
    table shows an entry's tags ("work, sleep"), where one tag "work,sleep" read as two
    (NU41 #13). A value of nothing but commas and white space is refused (exit 2); one
    with no comma is left for the command to judge, as before."""
    tags: list[str] = []
    for one in value:
        if "," not in one:
            tags.append(one)
            continue
        parts = [part.strip() for part in one.split(",") if part.strip()]
        if not parts:
            raise click.BadParameter(f"{one!r} holds no tag (tags are separated by commas)")
        tags += parts
    return tuple(tags)


def take_password_file(ctx: click.Context, _: click.Parameter, value: Path | None) -> None:
    """`--password-file` given after the command: the command's Home reads it (NU31 F5)."""
    home = ctx.find_object(Home)
    if value is not None and home is not None:
        ctx.obj = replace(home, password_file=value)


password_file_option = click.option(
    "--password-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    expose_value=False,
    callback=take_password_file,
    help="Read the password from the first line of FILE (else $TJ_PASSWORD, else a prompt); "
    "also taken before the command, as `tj --password-file FILE ...`.",
)
"""`--password-file` on a command that reads a password: the same as tj's own option."""
device_option = click.option(
    "--device-name",
    type=PLAIN_NAME,
    metavar="NAME",
    help="Name of this device in `tj devices`, kept by the server in clear (default: the name "
    "this home's device had when signing in again to the same account, also after `tj "
    'logout`, else "device"; never the host name).',
)
JOURNAL_GIVEN = "tj.journal_given"
"""`click.Context.meta` key: the command was given `--journal` (`journal_option`), so an error
about its journal is not about the default journal."""


def _journal_given(ctx: click.Context, _: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        ctx.meta[JOURNAL_GIVEN] = True
    return value


journal_option = click.option(
    "--journal",
    "journal_name",
    type=PLAIN_NAME,
    metavar="NAME",
    help="Journal name or id (default: your default journal, `tj journal default`).",
    callback=_journal_given,
)
journal_filter_option = click.option(
    "--journal",
    "journal_name",
    type=PLAIN_NAME,
    metavar="NAME",
    help="Only this journal (name or id; owner/name for a shared one). Default: every journal.",
)


NEAR_EMOTIONS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        **dict.fromkeys(
            ("happy", "glad", "joyful", "cheerful"),
            ("content", "excited", "grateful", "proud", "relieved", "hopeful"),
        ),
        **dict.fromkeys(("good", "fine", "okay", "ok"), ("calm", "content")),
        **dict.fromkeys(("peaceful", "relaxed", "serene"), ("calm", "content", "relieved")),
        **dict.fromkeys(
            ("worried", "nervous", "stressed", "afraid", "fearful", "panicky"),
            ("anxious", "scared", "overwhelmed"),
        ),
        **dict.fromkeys(
            ("depressed", "down", "low", "upset", "unhappy", "hurt", "miserable"),
            ("sad", "lonely", "tired"),
        ),
        **dict.fromkeys(("mad", "annoyed", "irritated", "furious"), ("angry", "frustrated")),
        **dict.fromkeys(("exhausted", "sleepy", "drained"), ("tired", "overwhelmed")),
        **dict.fromkeys(("guilty", "embarrassed"), ("ashamed",)),
        "thankful": ("grateful",),
        "confident": ("proud", "hopeful"),
        "isolated": ("lonely",),
    }
)
"""Words often typed for a feeling that is not one of the named emotions (`EMOTIONS`), each
with the named ones nearest in meaning, as a refusal offers them ("happy": content,
excited, ...). The project's own plain-language table (the named emotions are this app's
list, not a clinical instrument's); a word that could mean either of two feelings ("bored")
is left out rather than guessed."""


def emotion_hint(value: str) -> str:
    """What a refusal of `value` as an emotion adds: " (did you mean 'hopeful'?)" for a
    near-spelling of a named one; " (the nearest named ones: 'content', ...)" for a word of
    NEAR_EMOTIONS, also mistyped (" (for 'happy', the nearest named ones: ...)" of "hapy");
    "" otherwise. Pure."""
    from client_sdk.models import close_names, did_you_mean, quoted_name

    word = value.strip().lower()

    def nearest(key: str) -> str:
        return ", ".join(quoted_name(name) for name in NEAR_EMOTIONS[key])

    if word in NEAR_EMOTIONS:
        return f" (the nearest named ones: {nearest(word)})"
    # short words: "bored" is not a typo of "tired" (difflib's 0.6), "hopful" is
    close = close_names(word, [*EMOTIONS, *NEAR_EMOTIONS], cutoff=0.75)
    if close and close[0] in NEAR_EMOTIONS:
        return f" (for {quoted_name(close[0])}, the nearest named ones: {nearest(close[0])})"
    return did_you_mean(word, EMOTIONS, cutoff=0.75)


class EmotionChoice(click.Choice[str]):
    """The named emotions (`EMOTIONS`, any case); a name that is none of them is refused with
    the closest one when there is one ("'Hopful' is not a named emotion (did you mean
    'hopeful'?): anxious, calm, ..."), as a mistyped journal or client is, or the nearest in
    meaning of a word often typed for a feeling (`emotion_hint`: "happy", "hapy")."""

    def __init__(self) -> None:
        super().__init__(EMOTIONS, case_sensitive=False)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            hint = emotion_hint(str(value))
            self.fail(
                f"{output.quoted(value)} is not a named emotion{hint}: {', '.join(EMOTIONS)}",
                param,
                ctx,
            )


EMOTION = EmotionChoice()
"""`--emotion`'s type, with a did-you-mean for a typo."""

emotion_option = click.option(
    "--emotion",
    "emotions",
    type=EMOTION,
    metavar="NAME",  # the names in the help, which click wraps: not one line of 137 (NU37 #8)
    multiple=True,
    help=f"A named emotion: {', '.join(EMOTIONS)}; repeat for several.",
)


@click.group(
    cls=TJGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="TJ_HOME",
    default=default_home,
    show_default="$XDG_DATA_HOME/therapy-journal or ~/.local/share/therapy-journal",
    help="Local profile directory: one account on one device [env: TJ_HOME].",
)
@click.option(
    "--password-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the password from the first line of FILE (else $TJ_PASSWORD, else a prompt).",
)
@click.option(
    "--server-wait",
    type=ServerWait(min=1, max=3600),
    envvar="TJ_SERVER_WAIT",
    default=SERVER_WAIT_S,
    show_default=True,
    metavar="SECONDS",
    help="Give up on a server that sends nothing for this long (a hung server, a stalled "
    "proxy): the command stops with one line, nothing lost [env: TJ_SERVER_WAIT].",
)
@click.option(
    "--insecure-test-kdf",
    is_flag=True,
    envvar="TJ_INSECURE_TEST_KDF",
    hidden=True,
    help="TEST ONLY, never for real accounts: use the weakest Argon2id cost "
    "(INSECURE_TEST_COST) so test suites run fast [env: TJ_INSECURE_TEST_KDF=1].",
)
@click.option(
    "--verbose",
    is_flag=True,
    help="On an error, also print its code (the server's, e.g. auth_failed, or the network's).",
)
@click.version_option(package_name="therapy-journal-sync", prog_name="tj")
@click.pass_context
def cli(
    ctx: click.Context,
    home: Path,
    password_file: Path | None,
    server_wait: float,
    insecure_test_kdf: bool,
    verbose: bool,
) -> None:
    """Therapy Journal: an end-to-end encrypted journal that syncs between your devices.

    The server stores only encrypted records; your password never leaves this device.

    \b
    Examples:
      tj signup https://journal.example.org ana
      tj write --mood 7 --tag sleep "Slept better today."
      tj list
      tj --home ~/phone-profile login https://journal.example.org ana
    """
    home = home.expanduser()
    if ctx.get_parameter_source("home") is not ParameterSource.DEFAULT and not showable(str(home)):
        raise click.BadParameter(
            "a profile directory whose path holds a backtick, a control character or one a "
            "terminal does not show is refused: the commands tj prints name it, and would "
            "not read as what they run; use another directory",
            param_hint="'--home' / TJ_HOME",
        )
    ctx.obj = Home(home, password_file, insecure_test_kdf, server_wait)
    PROFILE.set(shlex.join(profile_words(home)))  # every command printed names this profile
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())
        ctx.exit(0)


STDOUT_CLOSED_EXIT = 141
"""Exit status when the reader of stdout went away (`tj list | head -1`): 128 + SIGPIPE, as a
shell reports a command that a closed pipe stopped."""


def stdout_closed() -> None:
    """The reader of stdout closed it (BrokenPipeError): point stdout at /dev/null, so that
    nothing more written, nor the flush at exit, fails again, and say nothing (Python's
    documented way, "Note on SIGPIPE" in the signal module's docs)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file behind it (a test's runner)
        pass


def main() -> None:
    try:
        cli(prog_name="tj")
    except KeyboardInterrupt:  # Ctrl-C before a command's own handling (`interrupted`) begins
        sys.exit(INTERRUPTED_EXIT)
    except BrokenPipeError:  # closed while click itself wrote (help, an error's line)
        stdout_closed()
        sys.exit(STDOUT_CLOSED_EXIT)


# --- account ------------------------------------------------------------------------------


@cli.command()
@click.argument("url")
@click.argument("username")
@device_option
@json_option
@password_file_option
@pass_home
def signup(home: Home, url: str, username: str, device_name: str | None, as_json: bool) -> None:
    """Create an account on the server at URL; sign this device in.

    Prints the recovery key ONCE: write it down and keep it offline. It is the only way
    back into your journal if you forget your password.

    \b
    Example:
      tj signup https://journal.example.org ana --device-name laptop
    """
    from client_sdk import Client
    from client_sdk.models import normalize_username
    from client_sdk.profile import profile_exists
    from client_sdk.transport import normalize_url

    normalize_url(url)  # an address holding a password: refused before any question (rev32d F1)
    name = normalize_username(username)
    finishing = Client.unfinished_signup(home.path)
    finished = Client.unconfirmed_recovery_key(home.path)
    if finished is not None:  # a signup that finished without its key shown (R25 F1)
        finishing = None
    if finishing is not None and Client.unfinished_signup_gives_way(home.path, url):
        finishing = None  # answered by no journal server: set aside for this one (rev32c F3)
    if finishing is not None and finishing[1] != name:
        password = ""  # the SDK refuses another account here before any password is used
    elif finished is not None and not profile_exists(home.path) and finished[1] != name:
        password = ""  # the SDK refuses a new account here (it would overwrite that copy)
    elif finishing is None and profile_exists(home.path) and (finished or ("", ""))[1] != name:
        password = ""  # the SDK refuses a new account on a home signed in (nu80 F13)
    elif finished is not None and finished[1] == name:
        output.message(
            f"The signup of {finished[1]} at {finished[0]} finished earlier on this device: "
            "signing in to that account, and checking the recovery key it kept then; if the "
            f"server no longer has it (deleted on another device), a new account {name} is "
            "made with this password instead."
        )
        password = home.password_twice("Password")
    elif finishing is not None:
        output.message(
            f"This device holds the interrupted signup of {finishing[1]} at {finishing[0]}, "
            "whose recovery key was never shown: finishing it."
        )
        password = home.password("The password you chose then")
    else:
        password = home.new_password("Choose a password", known_words(username, device_name))
    opener = partial(
        Client.signup,
        url,
        username,
        password,
        home=home.path,
        device_name=device_name,
        **home.kdf_cost(),
        **(home.unlock() if finishing or finished else {}),  # a locked profile it left
        keep_until_shown=True,  # dropped once printed (below): a crash before shows it again
    )
    shown: list[Client] = []
    aside_before = set_aside_copies(home.path)

    async def created(client: Client) -> dict[str, Any]:
        shown.append(client)
        return await new_account(client)

    try:
        account = home.run(created, opener)
    except (TJError, OSError, KeyboardInterrupt) as error:
        if isinstance(error, TJError) and error.subject == OTHER_ACCOUNT_HERE:
            raise Failed(home_taken(home, url, username, error), OTHER_ACCOUNT_HERE) from None
        unfinished = Client.unfinished_signup(home.path)
        if isinstance(error, TJError) and error.subject == USERNAME_TAKEN and unfinished is None:
            # nu84 F7: most often one's own account, signed up on another device
            login = output.command_text(shlex.join(["tj", "login", url, name]))  # profiled
            raise Failed(
                f"{with_hint(error)}; if it is your own account, sign it in on this device "
                f"instead: {login}",
                USERNAME_TAKEN,
            ) from None
        if (
            unfinished is None
            or Client.unconfirmed_recovery_key(home.path) is not None
            or getattr(error, "subject", None)
            in ("unfinished signup", "kept recovery key", "signup maybe made here")
        ):
            raise
        note = unfinished_note(*unfinished, profile_exists(home.path), home.path)
        text = with_hint(error) if isinstance(error, TJError) else str(error)
        if isinstance(error, TJError) and error.subject == "not a journal server":
            from client_sdk.client import UNANSWERED_SIGNUP_WORDS

            note = kept_unanswered_note(*unfinished, home.path)  # said in the CLI's words
            text = text.replace(f"; {UNANSWERED_SIGNUP_WORDS}", "")
        if isinstance(error, KeyboardInterrupt):  # said here, whole: not `interrupted`'s line
            click.echo("", err=True)  # after the terminal's "^C"
            output.message(f"Stopped: {note}.")
            raise click.exceptions.Exit(INTERRUPTED_EXIT) from None
        raise Failed(output.one_line(f"{text}; {note}"), "unfinished signup") from None
    aside = set_aside_copies(home.path) - aside_before
    if as_json:
        if aside:  # a new account made over an earlier one's kept key: where that key went
            account["recovery_key_set_aside"] = sorted(aside)
        output.print_json(account)
    else:
        if finished is not None and aside:
            output.message(
                f"The server no longer knew the account {account['username']} this device "
                "signed up earlier (deleted from another device, or the server lost or hides "
                f"it): account {account['username']} created anew; this "
                "device is signed in. The recovery key of the earlier account stays set aside "
                f"in {', '.join(sorted(aside))} ({output.command_text('tj recovery-key forget-kept')} drops it)."
            )
        elif finished is not None:
            output.message(f"Signed in as {account['username']}.")
        elif aside:  # an unfinished signup answered by no journal server (rev32c F3)
            output.message(
                f"Account {account['username']} created; this device is signed in. "
                + set_aside_words(home.path, aside)
            )
        elif finishing is not None and account["created"]:
            output.message(
                f"The server did not have the account {account['username']}: the interrupted "
                "signup never reached it, or the account was deleted since (from another "
                f"device?). Made it now, holding nothing but this device's new journal; "
                "this device is signed in."
            )
        elif finishing is not None:
            output.message(
                f"Finished the signup of {account['username']}; this device is signed in."
            )
        else:
            output.message(f"Account {account['username']} created; this device is signed in.")
        if account["recovery_key"] is not None:
            output.data(f"Recovery key: {account['recovery_key']}")
        output.data(f"Fingerprint:  {account['fingerprint']}")
    if account.get("signup_session_ended"):  # finished by a login (nu83 F2)
        output.message(lost_session_line(str(account["signup_session_ended"])))
    if account["recovery_key"] is None:  # the kept key could not be confirmed (R23 F2)
        why = str(account["recovery_key_not_shown"])
        output.message(f"{why[:1].upper()}{why[1:]}.")
        return
    recovery_key_warning()
    shown[0].recovery_key_shown()  # shown: the copy kept for an interrupted signup goes


def home_taken(home: Home, url: str, username: str, error: TJError) -> str:
    """Why `tj signup` of `username` at `url` is refused on `home`, signed in to an account
    (`error`: InvalidInput, subject OTHER_ACCOUNT_HERE), and how to sign up in another home:
    `--home NEW_DIR`, or $TJ_HOME (nu80 F13: "choose another home directory" read as $HOME);
    signed in to `username` itself, the signup command names USERNAME (another account
    needs another name), and the login that signs `username` in on another device is said
    (nu81 F4)."""
    holder = error.names.get("username", "")
    other = output.command_text(shlex.join(["tj", "--home", "NEW_DIR", "signup", url, username]))
    where = (
        "NEW_DIR a new folder of its own; every command for that account then takes "
        f"{output.command_text('--home NEW_DIR')} before its name, or set TJ_HOME=NEW_DIR"
    )
    if holder == username:  # another account needs another name (nu81 F4)
        other = output.command_text(
            shlex.join(["tj", "--home", "NEW_DIR", "signup", url]) + " USERNAME"
        )
        login = output.command_text(shlex.join(["tj", "--home", "NEW_DIR", "login", url, holder]))
        return (
            f"{home.path} is signed in to {holder} already: nothing was asked or sent. To make "
            f"another account, sign it up under another name in another home: {other} "
            f"({where}); to sign {holder} in on another device: {login}"
        )
    held = f"the account {holder}" if holder else "an account"
    out = (
        f"; or log {holder} out here with {output.command_text('tj sync')}, then "
        f"{output.command_text('tj logout')}, which deletes {holder}'s data on this device"
        if holder
        else ""
    )
    return (
        f"{home.path} is signed in to {held}: nothing was asked or sent. Sign {username} up "
        f"in another home: {other} ({where}){out}"
    )


def profile_address_hint(error: TJError) -> str:
    """The `tj login` (at the address and as the username `error` names: subject "profile
    address") that fixes a profile whose kept address the SDK refuses, and how to save the
    device's copy meanwhile (nu83 F4: never URL USERNAME where both are known)."""
    user = error.names.get("username", "")
    login = output.command(
        [
            "tj",
            "login",
            address_word(error.names.get("address")),
            user if pasteable(user) else "USERNAME",
        ]
    )
    return (
        f"{login}; meanwhile {output.command_text('tj export --out DIR')} saves this device's copy"
    )


SIGNUP_HINTS = ("unfinished signup", "signup not on server")
"""The subjects whose advice names the unfinished signup's own address, username and account
id (`signup_hint`, from the error's `names`), not URL, USERNAME and ID (rev33b F5)."""


def signup_hint(error: TJError) -> str:
    """The advice for an error about an unfinished signup (SIGNUP_HINTS), its commands
    naming the signup's address, username and account id (`error.names`)."""
    server, username = address_word(error.names["server"]), error.names["username"]
    user = username if pasteable(username) else "USERNAME"
    signup = output.command(["tj", "signup", server, user])
    ident = error.names["account"]
    forget = output.command(
        ["tj", "recovery-key", "forget-kept", "--account", ident if pasteable(ident) else "ID"]
    )
    if error.subject == "unfinished signup":
        login = output.command(["tj", "login", server, user])
        return (
            f"run {signup} (or {login}) again with its password; to give that account up "
            f"instead, {forget} (asked first)"
        )
    return f"{signup} with that password makes it again; {forget} (asked first) gives it up"


KEPT_NOT_SHOWN = "the address in this device's profile (not shown: it may hold a password)"
"""What `tj whoami` shows of a kept address from which no host can be shown
(`transport.shown_url`: one that reads two ways, rev34a F1)."""


def address_word(url: str | None) -> str:
    """A server address as a printed command names it (rev33b F5): the address as every
    message shows one (`transport.shown_url`: never a user name or password, a query or a
    fragment, which a kept file edited by hand may hold; the SDK refuses them in any address
    it keeps: `normalize_url`), without a trailing "/"; "URL" when there is none, or it would
    not paste back exactly (`pasteable`). Pure."""
    from client_sdk.transport import shown_url  # not at start-up

    scheme, separator, rest = shown_url(url or "").partition("://")
    if not separator or scheme.lower() not in ("http", "https") or not rest.split("/")[0]:
        return "URL"
    word = f"{scheme.lower()}://{rest.rstrip('/')}"
    return word if pasteable(word) else "URL"


def login_words(home: Path, url: str | None, username: str | None) -> str:
    """The `tj login` command (for the profile at `home`) that signs in as `username` at
    `url` (`address_word`; rev33b F5: never a literal URL where the address is known)."""
    user = username if username is not None and pasteable(username) else "USERNAME"
    return output.command([*profile_words(home), "login", address_word(url), user])


def set_aside_words(home: Path, aside: set[str]) -> str:
    """What became of the recovery keys of earlier signups of this home that no Therapy
    Journal server answered, set aside just now (`aside`: their paths), and how to finish
    such a signup (rev32d F4: a login to its account at any address of its server takes the
    copy back and shows its key); never that dropping it is harmless (it may be the only
    copy of a live account's key)."""
    from client_sdk import Client

    kept = [k for k in Client.kept_recovery_keys(home) if str(k.path) in aside]
    if kept and all(k.name_made_at for k in kept):  # nu83 F13: belongs to no account there
        return (
            "The recovery key of the earlier signup on this device, which no Therapy Journal "
            f"server answered, is set aside in {', '.join(sorted(aside))}: "
            f"{no_account_words(kept[0].username or '', kept[0].name_made_at)}."
        )
    logins = [login_words(home, k.server_url, k.username) for k in kept if k.username is not None]
    return (
        "The recovery key of the earlier signup on this device, which no Therapy Journal "
        f"server answered, stays set aside in {', '.join(sorted(aside))}, never shown: that "
        "signup may have made its account (a proxy in front of the server may have failed "
        f"after making it); if so, {' or '.join(logins) or 'a login to it'} with its password, "
        "at any address of that server, finishes it and shows its recovery key. Drop it "
        f"({output.command_text('tj recovery-key forget-kept')}) only once you know no such "
        "account exists."
    )


def set_aside_copies(home: Path) -> set[str]:
    """The paths of the recovery keys `home` keeps set aside (R27 F2)."""
    from client_sdk import Client

    return {str(kept.path) for kept in Client.kept_recovery_keys(home) if kept.state == "set aside"}


def unfinished_note(url: str, username: str, signed_in: bool, home: Path) -> str:
    """What to do about a signup that did not finish (the SDK keeps it: pending_signup.py);
    `signed_in`: the server created the account and this device holds its profile at
    `home` (named in the command: `profile_words`)."""
    state = (
        "the account exists and this device is signed in"
        if signed_in
        else "the account may exist on the server"
    )
    return (
        f"the signup of {username} did not finish ({state}; its recovery key was not shown "
        f"yet): run {output.command([*profile_words(home), 'signup', url, username])} again with the same "
        "password to finish it"
    )


def kept_unanswered_note(url: str, username: str, home: Path) -> str:
    """What to do about a signup answered by no Therapy Journal server (rev32c F3: the SDK
    keeps it, as the server behind a proxy's error page may have made the account)."""
    again = output.command([*profile_words(home), "signup", url, username])
    forget = output.command_text("tj recovery-key forget-kept")
    login = login_words(home, url, username)
    return (
        f"if it is the right address (a proxy in front of the server may have failed after "
        f"the account was made), run {again} again with the same password to finish the "
        f"signup: its recovery key is kept on this device until then; a signup at another "
        f"address sets it aside, kept ({login} with that password, at any address of the "
        f"server, finishes it and shows its key; {forget} drops it, once you know no such "
        "account exists)"
    )


def lost_session_line(device_id: str) -> str:
    """The line `tj signup`, `tj login` and `tj recover` say when finishing a signup signed
    out the session its lost reply opened (`Client.signup_session_ended`, hex; nu83 F2)."""
    return (
        f"Signed out the session this device's signup opened ({device_id[:12]}): its reply was "
        "lost on the way, so no device of yours held it (only what stood in between saw it)."
    )


def recovery_key_warning() -> None:
    output.message(
        "WARNING: store the recovery key somewhere safe and offline now: it is "
        "shown only this once, and without it a forgotten password loses your journal."
    )


async def new_account(client: Client) -> dict[str, Any]:
    """`tj signup`'s JSON (`created`: the account was made on the server just now, not
    found there: `Client.account_created`); `recovery_key_not_shown` (why) only when
    `recovery_key` is null:
    a finished signup whose kept key the server did not confirm (R23 F2)."""
    account = {
        "username": client.username,
        "created": client.account_created,
        "recovery_key": client.recovery_key,
        "fingerprint": await client.shares.fingerprint(),
    }
    if client.recovery_key_not_shown is not None:
        account["recovery_key_not_shown"] = not_shown_words(client.recovery_key_not_shown)
    if client.signup_session_ended is not None:  # nu83 F2
        account["signup_session_ended"] = client.signup_session_ended
    return account


def not_shown_words(why: str) -> str:
    """`Client.recovery_key_not_shown` with the CLI's command (NU45 #4: the SDK's names
    none): "... if not, make one now with `tj recovery-key new` (which also drops ...)"."""
    from client_sdk.pending_signup import FORGET_KEPT, MAKE_ONE_NOW  # not at start-up

    forget = output.command_text("tj recovery-key forget-kept")
    return why.replace(
        MAKE_ONE_NOW, f"if not, make one now with {output.command_text('tj recovery-key new')}", 1
    ).replace(f"({FORGET_KEPT})", f"({forget})")


@cli.command()
@click.argument("url")
@click.argument("username")
@device_option
@password_file_option
@json_option
@pass_home
def login(home: Home, url: str, username: str, device_name: str | None, as_json: bool) -> None:
    """Sign this device in to an existing account.

    \b
    Fetches your journals right away (a progress bar shows on a long first sync).
    Finishes a signup interrupted on this device, but never makes an account: if the
    server does not have it (deleted on another device, or the signup never arrived),
    it says so and exits with status 5; `tj signup` makes it again. Signed in but the
    first sync failed: it says so and exits with status 6; `tj sync` fetches them. A
    first sync that found records withheld, a journal it could not sync or a change
    not delivered: it warns and exits as `tj sync` does (3, 1 or 4).

    \b
    Example:
      tj --home ~/phone-profile login https://journal.example.org ana
    """
    from client_sdk import Client
    from client_sdk.transport import normalize_url

    # An address holding a user name or password is refused first, in words that never
    # repeat it, before the stop line below can print it (rev32d F1).
    normalize_url(url)
    # a stop from here on leaves the home signed out: the stop line names this login (nu81
    # F3: said only once it had asked the server)
    click.get_current_context().meta[SIGN_IN_AGAIN] = output.command(
        [*profile_words(home.path), "login", url, username]
        + (["--device-name", device_name] if device_name is not None else [])
    )
    home_free_for(home, url, username, "login")  # before the password is asked
    output.this_account(url, username)  # named in the advice of a refused password
    password = home.password("Password")
    opener = partial(
        Client.login,
        url,
        username,
        password,
        home=home.path,
        device_name=device_name,
        **home.minimum_cost(),
        **home.unlock(),
        keep_until_shown=True,
    )
    finishing = (
        Client.unfinished_signup(home.path) is not None
        and Client.unconfirmed_recovery_key(home.path) is None
    )
    shown: list[Client] = []
    aside_before = set_aside_copies(home.path)

    async def signed_in(client: Client) -> dict[str, Any]:
        shown.append(client)
        if client.recovery_key is None:
            return {
                "username": client.username,
                "recovery_key": None,
                "recovery_key_not_shown": (
                    not_shown_words(client.recovery_key_not_shown)
                    if client.recovery_key_not_shown is not None
                    else None
                ),
            } | (
                {"signup_session_ended": client.signup_session_ended}
                if client.signup_session_ended is not None
                else {}
            )
        return await new_account(client)

    from client_sdk import NetworkError, RateLimited
    from client_sdk.errors import NETWORK

    try:
        account = home.run(signed_in, opener)
    except NetworkError as error:  # NU39 #7: what it left, and what to do (`HINTS`)
        if error.subject in (None, NETWORK) and not isinstance(error, RateLimited):
            error.subject = LOGIN_UNREACHABLE
        raise
    name = account["username"]
    aside = set_aside_copies(home.path) - aside_before
    if aside:  # an unanswered signup set aside, not this account's (rev32d F4)
        finishing = False
        output.message(set_aside_words(home.path, aside))
        account["recovery_key_set_aside"] = sorted(aside)  # as `tj signup --json` has it
    if account["recovery_key"] is not None:
        output.message(
            f"Finished the signup of {name}; this device is signed in."
            if finishing
            else f"The recovery key this device kept from the signup of {name}, never shown, "
            "is confirmed as the account's: here it is, this once."
        )
        if not as_json:  # in its JSON below
            output.data(f"Recovery key: {account['recovery_key']}")
            output.data(f"Fingerprint:  {account['fingerprint']}")
        recovery_key_warning()
        shown[0].recovery_key_shown()
    elif account.get("recovery_key_not_shown") is not None:  # R23 F2, R25 F3
        why = str(account["recovery_key_not_shown"])
        output.message(
            f"Finished the signup of {name}; {why}."
            if finishing
            else f"{why[:1].upper()}{why[1:]}."
        )
    if account.get("signup_session_ended"):  # nu83 F2
        output.message(lost_session_line(str(account["signup_session_ended"])))
    output.message(f"Signed in as {name}; fetching your journals...")
    status, last = first_sync(home, f"Signed in as {name} on this device")
    if status in (FIRST_SYNC_FAILED_EXIT, INTERRUPTED_EXIT):
        raise SystemExit(status)
    for twin in home.run(namesakes):
        # A signup finished here by a login: its own session, whose reply was lost on the
        # way, is most likely the namesake; never "a logout" (nu83 F2).
        earlier = (
            "the session this device's signup opened, whose reply was lost on the way (only "
            "what stood in between saw it), or another earlier session of this device"
            if finishing
            else "this device's earlier session (a logout that could not tell the server)"
        )
        output.message(
            f"Another device named {output.quoted(twin.name)} ({twin.id[:12]}, last seen "
            f"{output.local_time(twin.last_seen_at)}) is still signed in to this account: if "
            f"it is {earlier}, "
            f"{output.command([*profile_words(home.path), 'devices', 'revoke', twin.id[:12]])} ends it."
        )
    if last is not None:
        output.message(last)
    if as_json:
        output.print_json(account | {"action": "signed in"})
    if status != 0:
        raise SystemExit(status)


def home_free_for(home: Home, url: str, username: str, verb: str) -> None:
    """Refuse `tj login` or `tj recover` (`verb`) of `username` at `url`, before any secret
    is asked, on a home that can never take that account (`Client.check_home_for`): one
    signed in to another account is refused with both ways out, another home (`tj --home
    NEW_DIR login ...`) or that account logged out here after a sync, and what logging it
    out deletes: its data on this device, with how many of its items have changes that never
    reached the server (or that it may have some, when they cannot be counted)."""
    from client_sdk import Client

    try:
        asyncio.run(Client.check_home_for(home.path, username))
    except InvalidInput as error:
        if error.subject != OTHER_ACCOUNT_HERE:
            raise
        raise Failed(
            other_account_here(home, url, username, verb, error), "other account here"
        ) from None


def other_account_here(home: Home, url: str, username: str, verb: str, error: TJError) -> str:
    """Why a sign-in of `username` is refused on `home`, signed in to another account
    (`error`: InvalidInput, subject OTHER_ACCOUNT_HERE), and what to do (`home_free_for`)."""
    holder = error.names.get("username", "another account")
    unsynced = error.names.get("unsynced", "")
    if unsynced == "0":
        lost = f"every change of {holder}'s has reached the server"
    elif unsynced:
        count = int(unsynced)
        lost = (
            f"{output.plural(count, 'item', 'items')} of {holder}'s "
            f"{'has' if count == 1 else 'have'} changes that have not reached the server and "
            "would be lost"
        )
    else:
        lost = f"any change of {holder}'s that has not reached the server would be lost"
    other = output.command_text(shlex.join(["tj", "--home", "NEW_DIR", verb, url, username]))
    sync, logout = output.command_text("tj sync"), output.command_text("tj logout")
    return (
        f"{home.path} is signed in to the account {holder}, not {username}: nothing was asked "
        f"or sent. Sign in to {username} in another home: {other}; or log {holder} out here "
        f"with {sync}, then {logout}, which deletes {holder}'s data on this device ({lost})"
    )


def first_sync(home: Home, signed_in: str) -> tuple[int, str | None]:
    """The first sync of a device just signed in (`tj login`, `tj recover`), its summary and
    warnings said as `tj sync` says them. Returns the status the command exits with once done
    (`sync_exit_status`; FIRST_SYNC_FAILED_EXIT when the sync failed, INTERRUPTED_EXIT when
    Ctrl-C stopped it, said
    here) and, when the sync ran but did not finish well, the command's last line: it starts
    with `signed_in` ("Signed in as ana on this device"), says the sign-in stands, what went
    wrong and the `tj sync` to run (NU38 #5)."""

    def said(report: SyncReport) -> None:  # printed before its sign-ins are marked seen
        if (flags := output.safety_line(report)) is not None:
            output.message(flags)
        output.tell_synced(report)
        output.sync_warnings(report)
        for line in output.flags_sent_lines(report):  # a flag held while signed out
            output.message(line, wrap=True)  # nu78 F5

    try:
        report = home.run(partial(sync_told, show=said))
    except (TJError, KeyboardInterrupt, click.Abort) as error:
        # Ctrl-C too (NU41 #5): the device is signed in all the same, which click's
        # "Aborted!" did not say.
        why = (
            f"the first sync failed: {str(error).rstrip('.')}"
            if isinstance(error, TJError)
            else "the first sync was stopped"
        )
        output.message(
            ("" if isinstance(error, TJError) else "\n")  # after the terminal's "^C"
            + f"{signed_in}, but {why}; your journals are not on this device yet: run "
            f"{output.command([*profile_words(home.path), 'sync'])}."
        )
        # Stopped by Ctrl-C: 130 as every command stopped so, not the status of a failure
        # (a script tells the user's Ctrl-C from a network failure: NU62 F8).
        stopped = not isinstance(error, TJError)
        return (INTERRUPTED_EXIT if stopped else FIRST_SYNC_FAILED_EXIT), None
    words = first_sync_words(report)
    last = None if words is None else f"{signed_in}, but its first sync {words}."
    return sync_exit_status(report), last


async def namesakes(client: Client) -> list[DeviceInfo]:
    """The other devices signed in to this account under this device's name (NU39 #6: a
    logout that could not reach the server left the old session, and the next login made a
    second "phone"); none when the server's list cannot be had. Under the default name
    ("device", given no --device-name), only a session this home's `tj logout` ended
    (`devices.sessions_after_logout`): every home signed in without a name shares it, and a
    live device in another home is never named as one to sign out (nu81 F6)."""
    from client_sdk import TJError as SdkError
    from client_sdk.devices import sessions_after_logout
    from client_sdk.models import DEFAULT_DEVICE_NAME

    try:
        devices = await client.devices.list()
    except SdkError:
        return []
    here = next((d for d in devices if d.current), None)
    if here is None:
        return []
    twins = [d for d in devices if not d.current and d.name == here.name]
    if here.name != DEFAULT_DEVICE_NAME:
        return twins
    ended = sessions_after_logout(client.home, client.transport.base_url, client.username)
    return [d for d in twins if bytes.fromhex(d.id) in ended]


@cli.command()
@click.option(
    "--yes",
    "-y",
    is_flag=True,
    help="Do not ask. Changes that never reached the server still stop the logout (nothing "
    "deleted) unless --discard-unsynced is given too.",
)
@click.option(
    "--discard-unsynced",
    is_flag=True,
    help="Lose the changes on this device that never reached the server, its drafts kept, and "
    "the copies of your journals the server no longer serves (asked without it).",
)
@json_option
@pass_home
def logout(home: Home, yes: bool, discard_unsynced: bool, as_json: bool) -> None:
    """Sign this device out and delete its local data.

    Tries one last sync first; asks before dropping changes that never reached the server,
    drafts kept, or a copy of your journal the server no longer serves (with --yes, refuses
    instead, naming them: --discard-unsynced says to lose them).
    A change written after that question (by another tj or app on this device) stops the
    logout, deleting nothing.
    With --yes that sync is one quick try (at most 10 s), and telling the server takes at
    most 10 s more: a server that does not answer never holds a logout for longer.

    \b
    Example:
      tj logout
      tj logout --yes
      tj logout --yes --discard-unsynced
    """
    from cli import editor

    # Before anything: an entry being written in an editor would lose its draft (NU56 #4).
    editor.refuse_open_drafts(home.path, output.command_text("tj logout"))
    pending = home.run(partial(pending_after_sync, quick=yes))
    unsynced, refused, login, copies, known = (
        pending.unsynced, pending.refused, pending.login, pending.copies, pending.known
    )  # fmt: skip
    # No sync (and no login again) sends a change the server refused for good: when those are
    # all there is, the advice is to keep their words (NU73 F2).
    stuck = bool(unsynced) and not pending.sendable
    keep_refused = output.command_text("tj set-aside list --json > refused.json")
    # A safety flag among them is named, never counted as any change: deleted, it never
    # reaches them, and an export keeps no flag's delivery (NU74 F1).
    flags = pending.flags
    exporting = output.command_text("tj export --out DIR")
    export_keeps = (
        f"save their words first with {exporting}" if flags else f"save them first with {exporting}"
    )
    # how to send them is said once, with the rest (nu76 F9: twice in one message)
    flags_said = flags_lost_words(flags, "" if stuck else None)
    drafts = len(editor.drafts_kept(home.path))
    # Writing never saved (kept drafts) and the only copy this device knows of a journal the
    # server no longer serves (deleted elsewhere, or withheld) are lost as unsynced changes are:
    # --yes alone agrees to none of them, --discard-unsynced to all.
    # One thing lost is "it", several "them".
    one = not unsynced and drafts + len(copies) == 1
    lose = "it" if one else "them"
    if unsynced or drafts or copies:
        # the same keys in the --yes refusal's error object as in the question's, unanswered
        # (nu77 F3): an app asking its user first has the flags to warn of and the counts
        output.ERROR_EXTRA.update(
            unsent_flags=pending.flag_rows,
            unsynced=unsynced,
            unsynced_kinds=dict(pending.kinds),
            drafts=drafts,
        )
    if (unsynced or drafts or copies) and yes and not discard_unsynced:
        lost, keep = [], []
        if unsynced and stuck:
            items = unsynced_items(pending.kinds, unsynced)
            lost.append(
                f"changes to {items} on this device never reached "
                "the server, which refused them for good (set aside): no sync sends them"
            )
            keep.append(
                f"To keep their words, save them first with {keep_refused} or "
                f"{output.command_text('tj export --out DIR')}"
            )
        elif unsynced:
            items = unsynced_items(pending.kinds, unsynced)
            lost.append(f"changes to {items} on this device have not reached the server")
            send = (
                f"if your account still exists, {login}, then log out"
                if login is not None
                else f"run {output.command_text('tj sync')} when the server can be reached, then log out"
            )
            refused_too = (
                f" (the server refused {output.plural(refused, 'change', 'changes')} of them for "
                f"good: no sync sends those, {keep_refused} keeps their words)"
                if refused
                else ""
            )
            sent = " and send the safety flag" if len(flags) == 1 else " and send the safety flags"
            keep.append(
                f"To keep them{sent if flags else ''}, {send}, or {export_keeps}{refused_too}"
            )
        if drafts:
            lost.append(
                f"{editor.drafts_text(drafts, home.path)} {editor.are(drafts)} on this device only"
            )
            # each draft's own command, the journal it was written for in it
            keep.append(f"Save {editor.them(drafts)} first ({editor.saved_by(home.path)})")
        if copies:
            lost.append(copies_text(copies))
        # one sentence: "; " before each but the first, which starts it (NU74 F4)
        kept = "".join(
            f"{line if n == 0 else line[:1].lower() + line[1:]}; " for n, line in enumerate(keep)
        )
        raise Failed(
            "; and ".join(lost)
            + f": logging out would lose {lose} for good, so nothing was deleted.{flags_said} "
            + kept
            + f"{output.command_text('tj logout --yes --discard-unsynced')} logs out and loses {lose}",
            "unsynced changes",
        )

    lost_drafts = (
        f"{editor.drafts_text(drafts, home.path)} on this device {editor.are(drafts)} deleted "
        f"with its local data: save {editor.them(drafts)} first "
        f"({editor.saved_by(home.path)})."
    )
    # The flag that skips a question below: --yes alone refuses to lose what it asks about
    # (never "pass --yes to skip the question" when --yes would then refuse).
    skip = (
        f"--yes --discard-unsynced (which loses {lose})"
        if unsynced or drafts or copies
        else "--yes"
    )
    # The drafts are named, with their commands, before the first question, whichever it is
    # (NU73 F2: after a "y" to the copies' question, with no command).
    drafts_told = not drafts or yes
    if copies and not yes:  # the server's word alone would drop them: said, and asked
        only_copy = copies_text(copies)
        output.message(only_copy[0].upper() + only_copy[1:] + ".", wrap=True)
        question = f"Log out and delete {'it' if len(copies) == 1 else 'them'}"
        if not drafts_told:
            output.message(lost_drafts, wrap=True)
            question += " and the draft" if drafts == 1 else " and the drafts"
            drafts_told = True
        output.confirm(
            f"{question}?",
            abort=True,
            err=True,
            skip=skip,
            subject=UnsyncedChanges.subject,  # what the SDK's logout refuses without the answer
        )
    # One question at most before the changes below (asked with them, when there are).
    if login is not None and not yes and not unsynced:  # maybe the last copy (NU54 F17)
        output.message(
            "The server no longer accepts this device's session: it was signed out, or your "
            "account was deleted from another device, and then this device's copy of your "
            "journals may be the only one left. Logging out deletes it: save it first with "
            f"{output.command_text('tj export --out DIR')}. If your account still exists, "
            f"{login}." + ("" if drafts_told else f" {lost_drafts}"),
            wrap=True,
        )
        question = "Log out and delete this device's copy"
        if not drafts_told:
            question += " and its draft" if drafts == 1 else " and its drafts"
            drafts_told = True
        output.confirm(f"{question}?", abort=True, err=True, skip=skip)
    elif not drafts_told and not unsynced:
        output.message(lost_drafts)
        output.confirm("Log out anyway?", abort=True, err=True, skip=skip)
    if unsynced and not yes and not discard_unsynced:
        if not drafts_told:
            output.message(lost_drafts)
        items = unsynced_items(pending.kinds, unsynced)
        if stuck:  # refused for good: no sync nor login sends them (NU73 F2)
            output.message(
                f"Changes to {items} on this device never reached "
                "the server, which refused them for good (set aside): no sync sends them, and "
                f"logging out deletes them for good. Save their words first with {keep_refused} "
                f"or {exporting}.{flags_said}"
            )
        elif login is not None:  # `tj sync` cannot send them (NU35 #5): `tj login` can
            output.message(
                f"Changes to {items} on this device have not "
                f"reached the server, and this device was signed out, so {output.command_text('tj sync')} cannot send "
                f"them; logging out deletes them for good. To keep them, if your account "
                f"still exists: {login}, then log out; or {export_keeps}.{flags_said}"
            )
        else:
            output.message(
                f"Changes to {items} on this device have not "
                f"reached the server and will be lost: run {output.command_text('tj sync')} when the server can be "
                f"reached, or {export_keeps}.{flags_said}"
            )
        if refused and not stuck:
            output.message(
                f"The server refused {output.plural(refused, 'change', 'changes')} of them for "
                f"good: no sync sends those, {keep_refused} keeps their words."
            )
        output.confirm(
            "Log out anyway?", abort=True, err=True, skip=skip, subject=UnsyncedChanges.subject
        )
    # Checked again once answered, under a lock held until the data is deleted: an editor
    # opened while the question waited is seen, and none opens meanwhile (NU57 #1).
    with editor.closed_to_editors(home.path, output.command_text("tj logout")):
        # The local data goes either way, and a server not told is said below with what to do:
        # waiting for it is bounded as a quick sync is (NU31 F1: 5 minutes before).
        told = quickly(home)
        # Stopped from here on, the server may have ended the session already (NU55 F4).
        sync, again = (output.command([*profile_words(home.path), w]) for w in ("sync", "logout"))
        output.stopped_unsaved(
            "Stopped before the logout finished: the server may already have ended this "
            "device's session. "
            f"{sync} says whether it did, and if so how to log in again; {again} finishes the "
            "logout."
        )
        # Unsynced changes: the user agreed above to lose the items counted (none when none
        # was found, so nothing was asked), or with --discard-unsynced to lose any (NU45 #3);
        # --yes alone agrees to none (refused above when there were). More found when the SDK
        # counts (written meanwhile by another program on this home) stop the logout with
        # nothing deleted (S8-1).
        agreed: bool | int = True if discard_unsynced else unsynced
        # The copies of gone journals: those asked about (or holding nothing no other journal
        # here holds, so never asked), every one with --discard-unsynced; one the server
        # withholds after the question stops the logout in the SDK, nothing deleted.
        copies_agreed: bool | frozenset[str] = True if discard_unsynced else known
        done = told.run(partial(logging_out, force=yes, agreed=agreed, copies=copies_agreed))
        for share in done.unconfirmed:  # forgotten with --yes: said, never silently (REV-OWED2 G4)
            output.message(
                f"Ending the share of {share} was not confirmed and this device no longer tries: "
                "if they are still listed as a member on another of your devices, end it there."
            )
        if done.discarded:  # said with --yes too: it skips the question, never the notice
            output.message(
                f"Changes to {unsynced_items(pending.kinds, done.discarded)} that had not "
                "reached the server were discarded."
            )
        for flag in done.flags_discarded:  # named, never only counted (NU74 F1)
            who = output.and_words(list(flag.members)) or "the people it was for"
            named = flag.named()
            never = flag_left_words(flag)[1]
            output.message(
                f"{named[:1].upper()}{named[1:]} for {who} was deleted with them, unsent: "
                f"{who} {never} get it. If you want them to know, tell {who} yourself."
            )
        for line in editor.removed_drafts_lines(home.path):  # plain text: this device's data
            output.message(line)
        if done.copies_deleted:  # agreed to above: said, never silently
            names = output.and_words([output.quoted(name) for name in done.copies_deleted])
            output.message(
                f"The read-only {'copy' if len(done.copies_deleted) == 1 else 'copies'} of "
                f"{names}, no longer on the server, went with it."
            )
        if as_json:
            said: dict[str, object] = {
                "discarded": done.discarded,
                "server_told": done.server_told,
                "copies_deleted": list(done.copies_deleted),
                # rows as `tj safety flags --json` gives them in "flags", counted before the deletion
                "flags_discarded": [
                    next((r for r in pending.flag_rows if r.get("id") == f.flag_id), f.to_dict())
                    for f in done.flags_discarded
                ],
            }
            output.print_json(said | {"action": "signed out", "device_id": done.device_id})
        # The histories of earlier values (`tj history`...) were this device's alone: gone
        # with its data, said so (NU62 F18: deleted without a word).
        history = (
            "the earlier values the history commands listed (tj history ID...) went with it (only "
            "this device kept them)"
        )
        if done.server_told:
            output.message(f"Signed out; the local data of this device was deleted: {history}.")
            return
        output.message(
            f"This device's local data was deleted ({history}), but the server could not be reached to sign "
            "it out: the server still lists this device as signed in until you run "
            f"{output.their_command(['tj', 'devices', 'revoke', output.short_id(done.device_id)])} "
            "on another of your devices "
            "(or until its session ends, 30 days after its login by default)."
        )


async def logging_out(
    client: Client, *, force: bool, agreed: bool | int, copies: bool | frozenset[str] = True
) -> LoggedOut:
    """`client.logout`, `agreed`: the items with unsynced changes the user agreed to lose
    (True: any, `--yes`); `copies`: the read-only copies of the account's gone journals
    (ids, hex) the user agreed to lose (True: any). More found (written meanwhile by
    another `tj` or app on this home: S8-1), or another copy (a journal the server withheld
    meanwhile), stop it with one line saying so (both, when both) and what to run; nothing
    is deleted."""
    try:
        return await client.logout(force=force, discard_unsynced=agreed, discard_copies=copies)
    except UnsyncedChanges as error:
        one = len(error.copies) == 1
        gone = (
            f"the {'journal' if one else 'journals'} "
            f"{output.and_words([output.quoted(name) for name in error.copies])} "
            f"{'is' if one else 'are'} no longer on the server (deleted on another device, or "
            "withheld by it) since you were asked, and this device holds the only copy it "
            "knows of"
        )
        if error.copies and not error.count:
            raise Failed(
                f"{gone[0].upper()}{gone[1:]}. Nothing was deleted: run "
                f"{output.command_text('tj logout')} again to be asked about "
                f"{'it' if one else 'them'}.",
                "unsynced changes",
            ) from None
        items = unsynced_items({}, error.count)  # more than counted: by kind unknown
        found = (
            f"Changes to {items} on this device have not reached "
            f"the server, more than the {error.agreed} you agreed to lose: some were written "
            f"while logging out (by another {output.command_text('tj')} or app using this device)"
            if error.agreed
            else f"Changes to {items} were written on this device "
            f"while logging out (by another {output.command_text('tj')} or app using it) and have not reached the "
            "server"
        )
        then = (
            # its flags named once, below (`flags_lost_words`), never in the login's words too
            f"but the server already signed this device out: "
            f"{await login_again(client, name_flags=not error.flags)}"
            if error.signed_out
            else f"and this device is still signed in: run {output.command_text('tj sync')} to send them, then "
            f"{output.command_text('tj logout')} again"
        )
        if error.copies:  # both stopped it: both named
            found += f"; and {gone}"
        # a flag among them named, never only counted (NU74 F1); how to send it said above
        flags = flags_lost_words(list(error.flags), None)
        raise Failed(f"{found}. Nothing was deleted, {then}.{flags}", "unsynced changes") from None


async def username_of(client: Client) -> str:
    return client.username


@dataclass(frozen=True)
class GoneCopy:
    """The read-only copy this device holds of one of the account's own journals that the
    server no longer serves (`Journal.read_only_copy` and `Journal.own`), with what of it no
    other journal here holds: what a logout loses of it (`gone_copies`)."""

    name: str
    journal_id: str
    entries: int
    """Its entries (the trash's included) that no live journal of the account's here holds
    (same time, title and text)."""
    results: int
    """Its questionnaire results no live journal of the account's here holds (same
    questionnaire, time and answers)."""
    others: int
    """Its other items (goals, notes, a safety plan...), never looked for elsewhere."""
    held_elsewhere: bool
    """Some of its entries or results are in another journal here (restored from an export,
    say): what it holds is not "the only copy" of all of them."""


def copies_text(copies: list[GoneCopy]) -> str:
    """The words of `tj logout` for the read-only copies of the account's own journals that
    the server no longer serves (`gone_copies`): this device may hold the only copy; one
    whose entries or results are partly in another journal here counts those it alone
    holds (never "the only copy" of a journal just restored into another). Each is named
    by its id in the command that keeps it."""
    names = output.and_words([output.quoted(copy.name) for copy in copies])
    one = len(copies) == 1
    parts = []
    for copy in copies:
        keeps = output.command(
            ["tj", "export", "--journal", output.short_id(copy.journal_id), "--out", "DIR"]
        )
        of = "" if one else f" of {output.quoted(copy.name)}"
        if not copy.held_elsewhere:
            known = "it knows of" if one else f"it knows of {output.quoted(copy.name)}"
            parts.append(f"this device holds the only copy {known}, and {keeps} keeps it")
            continue
        counted = [
            output.plural(copy.entries, "entry", "entries") if copy.entries else "",
            output.plural(copy.results, "questionnaire result", "questionnaire results")
            if copy.results
            else "",
            output.plural(copy.others, "other item", "other items") if copy.others else "",
        ]
        what = output.and_words([c for c in counted if c])
        lost = copy.entries + copy.results + copy.others
        parts.append(
            f"{what} of this device's read-only copy{of} {'is' if lost == 1 else 'are'} in no "
            f"other journal here (the rest is), and {keeps} keeps {'it' if lost == 1 else 'them'}"
        )
    return (
        f"the {'journal' if one else 'journals'} {names} {'is' if one else 'are'} no longer "
        f"on the server (deleted on another device, or withheld by it): " + "; ".join(parts)
    )


async def gone_copies(client: Client) -> list[GoneCopy]:
    """The read-only copies of this account's own journals the server no longer serves that
    hold something no other journal here holds (`GoneCopy`): those a logout would lose. A
    copy whose every entry and result another live journal of the account's holds (same
    entry time, title and text; same questionnaire, time and answers), and nothing else, is
    not one: what it holds stays on the server there. Works offline."""
    journals = await client.journals.list()
    copies = [j for j in journals if j.read_only_copy and j.own]
    if not copies:
        return []
    live = [j for j in journals if j.own and not j.read_only_copy and j.helper is None]
    held_entries: set[tuple[object, ...]] = set()
    held_results: set[tuple[object, ...]] = set()
    for journal in live:
        for entry in await client.entries.list(journal.id, include_deleted=True):
            held_entries.add((entry.created_at, entry.title, entry.body))
        for result in await client.measures.list(journal.id):
            held_results.add((result.measure, result.taken_at, result.answers))
    found = []
    for copy in copies:
        held = await client.journals.contents(copy.id)
        its_entries = await client.entries.list(copy.id, include_deleted=True)
        its_results = await client.measures.list(copy.id)
        entries_elsewhere = sum(
            (e.created_at, e.title, e.body) in held_entries for e in its_entries
        )
        results_elsewhere = sum(
            (r.measure, r.taken_at, r.answers) in held_results for r in its_results
        )
        gone = GoneCopy(
            copy.name,
            copy.id,
            max(held.get("entry", 0) - entries_elsewhere, 0),
            max(held.get("measure", 0) - results_elsewhere, 0),
            sum(n for kind, n in held.items() if kind not in ("entry", "measure")),
            held_elsewhere=bool(entries_elsewhere or results_elsewhere),
        )
        if gone.entries or gone.results or gone.others or not gone.held_elsewhere:
            found.append(gone)
    return found


@dataclass(frozen=True)
class Pending:
    """What logging out would drop (`pending_after_sync`)."""

    unsynced: int
    """Items with changes that never reached the server (`Client.unsynced_changes`)."""
    sendable: int
    """Of them, those a sync can still send (`unsynced_changes(sendable=True)`): the others'
    changes the server refused for good (set aside)."""
    refused: int
    """Changes set aside (`Client.set_aside`)."""
    login: str | None
    """When this device is signed out, how to sign it in again and send them (`login_again`)."""
    copies: list[GoneCopy]
    """The read-only copies of this account's own journals the server no longer serves that
    hold something no other journal here holds (`gone_copies`)."""
    known: frozenset[str]
    """The ids (hex) of every read-only copy of the account's own journals, those among
    `copies` included."""
    flags: list[UndeliveredFlag]
    """The safety flags among the `unsynced` items (`Safety.unsent`: not sent, or sent with
    no answer confirming the server stored them), which never reach their members once
    deleted (NU74 F1)."""
    flag_rows: list[dict[str, Any]]
    """Their rows, as `tj safety flags --json` gives them in "flags" (`syncing.unsent_rows`)."""
    kinds: dict[str, int] = field(default_factory=dict)
    """The `unsynced` items by kind (`Client.unsynced_kinds`)."""


async def pending_after_sync(client: Client, *, quick: bool = False) -> Pending:
    """What logging out would drop (`Pending`), after one last sync: with the transport's
    retries, or one quick try (`quick_sync`) when the user already agreed to drop them (`tj
    logout --yes`)."""
    login = None
    try:
        output.tell_after_sync(await (quick_sync(client) if quick else client.sync()))
    except TJError as error:  # offline or signed out: the count below tells what would be lost
        if signed_out(error):
            login = await login_again(client, signed_out_cause(error))
    copies = await gone_copies(client)
    known = frozenset(j.id for j in await client.journals.list() if j.own and j.read_only_copy)
    unsynced, refused = await client.unsynced_changes(), len(await client.set_aside())
    sendable = await client.unsynced_changes(sendable=True) if unsynced else 0
    from cli.syncing import unsent_rows

    flags = await client.safety.unsent() if unsynced else []
    rows = await unsent_rows(client, flags) if flags else []
    kinds = await client.unsynced_kinds() if unsynced else {}
    return Pending(unsynced, sendable, refused, login, copies, known, flags, rows, kinds)


def flag_left_words(flag: UndeliveredFlag) -> tuple[str, str]:
    """Where the safety flag `flag` (`Safety.unsent`) stands, in words ("has NOT left this
    device"), and whether its members then get it, once deleted here: "will never", or "may
    never" for one a push carried with no answer (the server may hold it). Pure."""
    from client_sdk.safety import JOURNAL_GONE, NO_ANSWER, REFUSED, WITHHELD

    if flag.cause == WITHHELD:
        return (
            "may NOT have reached them: the server acknowledged it but has not served it back",
            "may never",
        )
    if flag.cause == NO_ANSWER and flag.reason:
        return (
            "may have left this device (a push that carried it got no answer; the server "
            f"refused it since: {flag.reason})",
            "may never",
        )
    if flag.cause == NO_ANSWER and flag.stopped:
        return (
            "may have left this device (the sync stopped before this device recorded the "
            "server's answer)",
            "may never",
        )
    if flag.cause == NO_ANSWER:
        return "may NOT have left this device (the server never confirmed storing it)", "may never"
    if flag.cause == REFUSED:
        why = f" ({flag.reason})" if flag.reason else ""
        return f"has NOT reached the server, which refused it{why}", "will never"
    if flag.cause == JOURNAL_GONE:
        return "was refused by the server, as its journal is no longer on it", "will never"
    return "has NOT left this device", "will never"


UNSYNCED_WORDS = {
    "entry": ("entry", "entries"),
    "goal": ("goal", "goals"),
    "checkin": ("goal check-in", "goal check-ins"),
    "note": ("note", "notes"),
    "prompt": ("prompt", "prompts"),
    "measure": ("questionnaire result", "questionnaire results"),
    "safety_plan": ("safety plan", "safety plans"),
    "crisis_line": ("crisis line", "crisis lines"),
    "safety_flag": ("safety flag", "safety flags"),
    "safety_ack": ("safety-flag acknowledgement", "safety-flag acknowledgements"),
    "assignment": ("assignment", "assignments"),
    "homework": ("homework entry", "homework entries"),
    "private_note": ("private note", "private notes"),
    "brief": ("brief", "briefs"),
    "journal": ("journal created here", "journals created here"),
}
"""How `unsynced_items` names each kind of `Client.unsynced_kinds`, and `counted_kinds` each
document kind, in the order they name them (another kind: "other item")."""


def unsynced_items(kinds: dict[str, int], count: int) -> str:
    """The `count` items with changes that never reached the server, by kind as `kinds`
    (`Pending.kinds`) counts them, "1 entry, 1 questionnaire result and 1 safety flag" (nu76
    F9: a result and a flag were "2 items (entries, goals, notes...)"); when `kinds` does not
    add up to `count` (more written meanwhile), "5 items (entries, goals, notes...)". Pure."""
    if not kinds or sum(kinds.values()) != count:
        return f"{output.plural(count, 'item', 'items')} (entries, goals, notes...)"
    return counted_kinds(kinds)


def counted_kinds(kinds: dict[str, int]) -> str:
    """ "311 entries, 4 questionnaire results and 1 safety plan": the counts of `kinds`
    (document kind -> how many) in UNSYNCED_WORDS order, kinds of none left out; "" for
    none. Pure."""
    order = list(UNSYNCED_WORDS)
    ranked = sorted(
        kinds.items(),
        key=lambda kind: (
            kind[0] not in order,
            order.index(kind[0]) if kind[0] in order else 0,
            kind[0],
        ),
    )
    return output.and_words(
        [
            output.plural(n, *UNSYNCED_WORDS.get(kind, ("other item", "other items")))
            for kind, n in ranked
            if n
        ]
    )


def flags_lost_words(flags: list[UndeliveredFlag], send: str | None) -> str:
    """The safety flags `flags` a logout would delete (`Pending.flags`), each named (date,
    item 9's answer, its id) with whom it is for, in sentences for `tj logout`'s question and
    refusal: deleted, it never reaches them; `send`: how to send them first ("" when no sync
    can: refused for good; None when the message says it already, never twice: nu76 F9),
    else tell them directly. Never advises an export for them: it
    keeps a flag's words, not its delivery (no import sends one; NU74 F1). "" for none. Pure."""
    said = ""
    for flag in flags:
        who = output.and_words(list(flag.members)) or "the people it is for"
        named = flag.named()
        left, never = flag_left_words(flag)
        said += (
            f" {named[:1].upper()}{named[1:]} for {who} {left}: logging out deletes it, and "
            f"{who} {never} get it."
        )
    if not flags:
        return ""
    who = output.and_words(sorted({m for flag in flags for m in flag.members})) or "them"
    they = "it" if len(flags) == 1 else "they"
    then = (
        f"If {they} cannot be sent first, tell {who} yourself"
        if send is None
        else f"{send[:1].upper()}{send[1:]}, or tell {who} yourself"
        if send
        else f"Tell {who} yourself"
    )
    return f"{said} {then} (an export keeps no safety flag's delivery: no import sends one)."


SIGN_OUT_OTHERS = click.option(
    "--sign-out-others/--keep-others",
    default=None,
    help="Sign your other devices out too, or keep them (asked when not given, on a terminal).",
)


@cli.command()
@click.argument("url")
@click.argument("username")
@device_option
@SIGN_OUT_OTHERS
@click.option(
    "--new-password-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the new password from FILE (else $TJ_NEW_PASSWORD, else --password-file or "
    "$TJ_PASSWORD, else a prompt).",
)
@password_file_option
@json_option
@pass_home
def recover(
    home: Home,
    url: str,
    username: str,
    device_name: str | None,
    sign_out_others: bool | None,
    new_password_file: Path | None,
    as_json: bool,
) -> None:
    """Get back in with the recovery key, choose a new password, get a new recovery key.

    The recovery key is read from $TJ_RECOVERY_KEY, else asked for (hidden). Once used it is
    retired: a NEW recovery key is printed ONCE; write it down and keep it offline (the
    old one, and any copy of it, no longer works). Your other devices stay signed in unless
    you sign them out (you are asked, or pass --sign-out-others): do, if one may be in
    someone else's hands.

    The new password comes from --new-password-file or $TJ_NEW_PASSWORD (as for `tj
    password change`), else from --password-file or $TJ_PASSWORD, else a prompt (typed
    twice). Its first sync is told, and ends the command's status, as `tj login`'s.

    \b
    Example:
      tj recover https://journal.example.org ana
      tj recover https://journal.example.org ana --sign-out-others
    """
    from client_sdk import Client
    from client_sdk.keys import parse_recovery_key
    from client_sdk.transport import normalize_url

    normalize_url(url)  # an address holding a password: refused before any question (rev32d F1)
    home_free_for(home, url, username, "recover")  # before the recovery key is asked
    recovery_key = os.environ.get("TJ_RECOVERY_KEY") or secret_prompt(
        "Recovery key", instead="no recovery key given: set TJ_RECOVERY_KEY"
    )
    parse_recovery_key(recovery_key)  # a typo is said before the new password is asked
    words = known_words(username, device_name)
    if new_password_file is not None or "TJ_NEW_PASSWORD" in os.environ:  # NU31 F4
        password = new_password(new_password_file, words)
    else:
        password = home.new_password("New password", words, NEW_PASSWORD_INSTEAD)
    opener = partial(
        Client.recover,
        url,
        username,
        recovery_key,
        password,
        home=home.path,
        device_name=device_name,
        **home.kdf_cost(),
        **home.unlock(),
    )
    from client_sdk.profile import profile_exists

    signed_in_here = profile_exists(home.path)  # to this account (`home_free_for`)
    try:
        name, new_key, ended = home.run(name_and_recovery_key, opener)
    except AuthError as error:
        if error.subject != "recovery key" or not signed_in_here:
            raise
        raise Failed(
            f"{error}. This device was signed in to {username}: if this key worked before, it "
            "may have been replaced by a recovery on another device (which also set a new "
            f"password); then {output.no_way_back()}",
            error.subject,
        ) from None
    output.message(f"New password set; this device is signed in as {name}.")
    if ended is not None:  # an unfinished signup taken back and finished (nu83 F2)
        output.message(lost_session_line(ended))
    show_new_recovery_key(new_key, "the recovery key you just used no longer works", as_json)
    output.message("Fetching your journals...")
    status, last = first_sync(home, f"Signed in as {name} on this device")
    try:
        offer_sign_out(home, sign_out_others, "")
    except TJError as error:  # recovered all the same: say what could not be done
        output.message(
            f"Your other devices could not be listed: {error}. See {output.command_text('tj devices')}."
        )
    if last is not None:
        output.message(last)
    if as_json:
        recovered = {"action": "recovered", "username": name, "recovery_key": new_key}
        if ended is not None:
            recovered["signup_session_ended"] = ended
        output.print_json(recovered)
    if status != 0:
        raise SystemExit(status)


async def name_and_recovery_key(client: Client) -> tuple[str, str, str | None]:
    """(username, new recovery key, `Client.signup_session_ended`) of a recovery."""
    assert client.recovery_key is not None  # set by Client.recover
    return client.username, client.recovery_key, client.signup_session_ended


def show_new_recovery_key(key: str, old: str, as_json: bool = False) -> None:
    """Print a new recovery key once (stdout, the only place it ever appears; with
    `as_json`, the caller's JSON holds it), with what became of the old one (`old`) and the
    same warning as at signup."""
    if not as_json:
        output.data(f"New recovery key: {key}")
    output.message(
        f"WARNING: {old}. Store the new recovery key somewhere safe and offline now: it is "
        "shown only this once, and without it a forgotten password loses your journal."
    )


@cli.group("recovery-key")
def recovery_key() -> None:
    """Manage your recovery key.

    \b
    Example:
      tj recovery-key new
      tj recovery-key forget-kept
    """


@recovery_key.command("new")
@SIGN_OUT_OTHERS
@password_file_option
@json_option
@pass_home
def recovery_key_new(home: Home, sign_out_others: bool | None, as_json: bool) -> None:
    """Make a new recovery key and retire the current one (needs the server).

    Do it when your recovery key may have been seen, photographed or copied, or was kept
    on a device that is lost. The new key is printed ONCE; from then on the old one, and
    every copy of it, can no longer be used to get in, and the server signs out any device
    that got in with it alone (without setting a new password). Your password and journals
    are not changed, and your other devices stay signed in unless you sign them out (you
    are asked, or pass --sign-out-others): do, if one may be in someone else's hands.
    What a copy already let someone read (your account's keys) a new key cannot take
    back: see protocol.md 4.9. The password comes from --password-file, $TJ_PASSWORD or a
    prompt.

    \b
    Example:
      tj recovery-key new
      tj recovery-key new --sign-out-others
    """
    password = home.password("Password")

    async def replaced(client: Client) -> str:
        try:
            return await client.replace_recovery_key(password, **home.minimum_cost())
        except AuthError as error:
            raise Failed(await wrong_password_words(client, error), error.subject) from None

    key = home.run(replaced)
    output.message("Recovery key replaced.")
    show_new_recovery_key(
        key,
        "your old recovery key no longer works to get in, and devices that got in with it "
        "alone were signed out; devices signed in with your password stay signed in unless "
        "you sign them out",
        as_json,
    )
    try:
        offer_sign_out(home, sign_out_others, "")
    except TJError as error:  # replaced all the same: say what could not be done
        output.message(
            f"Your other devices could not be listed: {error}. See {output.command_text('tj devices')}."
        )
    if as_json:
        output.print_json({"action": "recovery key replaced", "recovery_key": key})


KEPT_STATES = {
    "unfinished": "its signup did not finish",
    "unconfirmed": "the server did not confirm it as the account's",
    "set aside": "set aside when this device signed the name up again",
    "damaged": "the file does not read",
}
UNANSWERED_STATE = (
    "no Therapy Journal server answered its signup, so its account may exist all the same "
    "(made behind a proxy's error page) with this key, never shown, as its only copy"
)
"""What `tj recovery-key forget-kept` says of a key whose signup no journal server answered
(`KeptRecoveryKey.unanswered`), set aside or not (rev32d)."""


def no_account_words(username: str, server: str) -> str:
    """Why a kept key set aside probably belongs to no account at `server` (`KeptRecoveryKey.
    name_made_at`, nu83 F13): that server, asked through the signup's own address, holds
    `username` as the account this device's own later signup made; nothing ties that address
    to the server it led to at the signup, so the key stays maybe live (rev33e F1)."""
    return (
        f"the server at {server}, asked through that signup's own address, holds {username} "
        "as the account this device's later signup made, so that signup probably made no "
        "account there; but nothing proves which server that address led to then (a proxy, "
        "a moved name), so it may still be the only copy of another server's account's key: "
        "--yes never drops it; once you are sure, answer y to "
        f"{output.command_text('tj recovery-key forget-kept')}"
    )


MAYBE_LIVE_STATES = ("unfinished", "unconfirmed", "set aside")
"""The states (KEPT_STATES) of a kept key that may be the only copy of a live account's
recovery key, never shown: every one but "damaged" (a file that does not read shows no key to
any sign-in). `forget-kept --yes` never drops one (rev33b F1)."""


@recovery_key.command("forget-kept")
@click.option(
    "--account",
    "account_id",
    metavar="ID",
    help="Only the key kept for this account id (as listed; any unique prefix).",
)
@click.option("--damaged", is_flag=True, help="Only the kept files that do not read.")
@click.option("--yes", is_flag=True, help="Do not ask (for scripts).")
@json_option
@pass_home
def recovery_key_forget_kept(
    home: Home, account_id: str | None, damaged: bool, yes: bool, as_json: bool
) -> None:
    """Drop the recovery keys this device keeps, never shown (no server needed).

    A signup keeps its recovery key on this device, sealed under the password, until it is
    shown: while the signup is unfinished, when the server did not confirm the key, and set
    aside when this device signed the same name up again because the server no longer had
    the account. Lists them, then asks; drops only what it listed, and only if unchanged
    meanwhile. Drop one only if you have a newer recovery key (`tj recovery-key new`) or the
    account is gone for good: it may be the only copy of a key that still reaches your
    journal. Dropping an unfinished signup's gives that signup up. A key that reads may be
    the only copy of a live account's key, never shown (its signup may have made the account
    whatever came back; a finished signup's account exists; one set aside is such a key):
    --yes never drops one, only files that do not read (a key set aside whose server,
    asked through its signup's address, holds the name as the account this device's later
    signup made probably opens no account there, said so, but is asked for all the same);
    it is asked for, with what is lost said; a login to that account, at any address of its
    server, shows it instead.

    \b
    Example:
      tj recovery-key forget-kept
      tj recovery-key forget-kept --account 3f2a --yes
      tj recovery-key forget-kept --damaged
    """
    from client_sdk import Client

    if not Client.kept_recovery_keys(home.path):
        # The state asked for already: not an error (NU21 C5).
        output.message("This device keeps no recovery key: nothing to drop.")
        if as_json:
            output.print_json({"action": "dropped kept recovery keys", "dropped": 0})
        return
    kept = Client.kept_recovery_keys(home.path, account_id)  # an ambiguous id: refused now
    if damaged:
        kept = [k for k in kept if k.state == "damaged"]
    if not kept:
        which = "" if account_id is None else f" of an account {account_id!r}"
        which += " that does not read" if damaged else ""
        raise Failed(f"{home.path} keeps no recovery key{which}", "file")
    for copy in kept:
        who = (
            "unknown account" if copy.username is None else f"{copy.username} at {copy.server_url}"
        )
        account = "" if copy.account_id is None else f" (account {copy.account_id})"
        state = KEPT_STATES[copy.state]
        if copy.name_made_at:  # nu83 F13: its server holds the name as another account
            state = f"{state}; {no_account_words(copy.username or '', copy.name_made_at)}"
        elif copy.unanswered:
            login = login_words(home.path, copy.server_url, copy.username)
            state = (
                f"{state}; {UNANSWERED_STATE}: {login} with its password, at any address of "
                "that server, shows it if the account exists"
            )
        output.message(f"  {who}{account}: {state}; {copy.path}")
    # Every key that reads may be a live account's, never shown: an unfinished signup's
    # request may have been stored whatever came back (a lost reply, a 5xx, a proxy's page,
    # forged or not), a finished one's account exists, and one set aside is such a key; a
    # signup refused before being stored keeps nothing (rev32d F4, rev33b F1).
    maybe_live = [k for k in kept if k.state in MAYBE_LIVE_STATES]  # name_made_at too: rev33e F1
    if yes and maybe_live:  # never dropped unasked
        logins = (
            " or ".join(
                dict.fromkeys(
                    login_words(home.path, k.server_url, k.username)
                    for k in maybe_live
                    if k.username is not None
                )
            )
            or "a login to its account"
        )
        raise Failed(
            f"not dropped: {'this key' if len(kept) == 1 else 'these keys'} may be the only "
            "copy of the recovery key of an account that exists, never shown (its signup may "
            "have made the account whatever the server answered, and no server confirmed the "
            f"key in force): {logins} with its password signs in and shows it if it is "
            "still the account's key; run "
            f"{output.command_text('tj recovery-key forget-kept')} without "
            f"{output.command_text('--yes')} to be asked, once you know it is not needed",
            KEPT_KEY_MAYBE_LIVE,
        )
    if not yes:
        # Declined: nothing done, said as `tj brief` says "Not shared.", exit 0 (NU21 C5).
        lost = (
            " If its account exists, its recovery key is lost with it: a forgotten password "
            "then loses that account's journals"
            if maybe_live
            else ""
        )
        # A key that may be live is dropped only at a "y" (--yes refuses it, above): the
        # question left unanswered names that way, never --yes (nu83 F3).
        answer = (
            'answer "y" to the question, at a terminal or piped ('
            + output.command_text(
                "echo y | " + shlex.join([*profile_words(home.path), "recovery-key", "forget-kept"])
            )
            + f"): {output.command_text('--yes')} does not drop a key that may be live"
        )
        if not output.confirm(
            f"Drop {'this recovery key' if len(kept) == 1 else 'these recovery keys'} for good? "
            f"It may be the only copy of one that still reaches your journal.{lost}",
            err=True,
            skip=answer if maybe_live else "--yes",
        ):
            output.message("Nothing dropped.")
            if as_json:
                output.print_json({"action": "dropped kept recovery keys", "dropped": 0})
            return
    dropped = Client.forget_kept_recovery_keys(home.path, listed=kept)  # only if unchanged
    output.message(
        f"Dropped {output.plural(len(dropped), 'kept recovery key', 'kept recovery keys')}."
    )
    if as_json:
        output.print_json({"action": "dropped kept recovery keys", "dropped": len(dropped)})


@cli.group()
def password() -> None:
    """Manage your password.

    \b
    Example:
      tj password change
    """


@password.command("change")
@click.option(
    "--new-password-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the new password from FILE (else $TJ_NEW_PASSWORD, else a prompt).",
)
@SIGN_OUT_OTHERS
@password_file_option
@json_option
@pass_home
def password_change(
    home: Home, new_password_file: Path | None, sign_out_others: bool | None, as_json: bool
) -> None:
    """Change your password (needs the server).

    Your other devices stay signed in: they keep their keys and go on syncing, and need the
    new password only to sign in again. If one may be in someone else's hands, sign the
    others out (you are asked, or pass --sign-out-others).

    The current password comes from --password-file, $TJ_PASSWORD or a prompt.

    \b
    Example:
      tj password change
      tj password change --sign-out-others
    """
    old = home.password("Current password")
    home.run(partial(change_password, home, old, new_password_file))
    offer_sign_out(home, sign_out_others, "Password changed.")
    if as_json:
        output.print_json({"action": "password changed"})


async def change_password(home: Home, old: str, path: Path | None, client: Client) -> None:
    """Ask for the new password once the profile is open: the rule counts the username as
    a word a guesser knows. Nothing else runs on the loop while the prompt waits."""
    new = new_password(path, [client.username])
    try:
        await client.change_password(old, new, **home.kdf_cost(), **home.minimum_cost())
    except AuthError as error:
        raise Failed(await wrong_password_words(client, error), error.subject) from None


async def wrong_password_words(client: Client, error: AuthError) -> str:
    """A password the server refused at `tj password change` or `tj recovery-key new`, on a
    device told by a sync that the password (or the recovery key) was changed on another
    device since its own sign-in (`Devices.replaced_elsewhere`), or whose server names such a
    change that no sync told yet (`Devices.changed_untold`): the error names that change
    and what is left to do, the new password first (the change may have been the user's own),
    then the recovery key, and giving the account up only if that is refused too; else the
    error as it is. Re-raises an error that is not a
    refused password (a device signed out)."""
    text = str(error)
    if not text.startswith(("the current password is wrong", "the password is wrong")):
        raise error
    try:
        replaced = await client.devices.replaced_elsewhere()
    except TJError:
        replaced = {}
    told = f"told by {output.command_text('tj sync')}"
    if "password" not in replaced:  # changed since this device's last look? (nu86 F5)
        try:
            untold = await client.devices.changed_untold()
        except TJError:
            untold = {}
        if "password" in untold:
            told = f"the server says so; {output.command_text('tj sync')} tells it"
        replaced = {**untold, **replaced}
    if "recovery key" in replaced:  # the old key was retired elsewhere: it does not work
        text = text.replace(" and the old one still works", "")
    if "password" not in replaced:
        if "recovery key" in replaced:
            when = output.local_time(replaced["recovery key"])
            text += f" (the recovery key was already changed on another device on {when})"
        return text
    when = output.local_time(replaced["password"])
    text += f": the password was changed on another device on {when} ({told})"
    recover = output.account_command("recover", "--sign-out-others")
    # Whose change it was is unknown: the user's own on another device, or someone else's.
    if "recovery key" in replaced:
        return (
            f"{text}, and the recovery key too: if you changed them yourself, give the new "
            f"password; if not, {recover} with the recovery key you hold sets a new one; if "
            f"that key is refused too, {output.no_way_back()}"
        )
    return (
        f"{text}: if you changed it yourself, give the new one; if not, {recover} with your "
        "recovery key sets a new one"
    )


def offer_sign_out(home: Home, sign_out_others: bool | None, done: str) -> None:
    """After a password change, a recovery or a new recovery key: say that the account's
    other devices stay signed in, and sign them out if `sign_out_others`, or if asked on a
    terminal when None. `done` (may be empty) is said first."""
    devices = home.run(lambda client: client.devices.list())
    others = [d for d in devices if not d.current]
    here = next((d.name for d in devices if d.current), None)
    lead = f"{done} " if done else ""
    if not others:
        if done:
            output.message(done)
        return
    names = output.device_names(others, here)  # this home's earlier session: not "this one"
    if sign_out_others is None:
        output.message(f"{lead}Your other devices stay signed in: {names}.")
        if sys.stdin.isatty():
            sign_out_others = output.confirm("Sign them out now?", default=False, err=True)
    elif done:
        output.message(done)
    if not sign_out_others:
        if sign_out_others is False:
            output.message(f"Your other devices stay signed in: {names}.")
        output.message(
            f"To sign one out later: {output.command_text('tj devices revoke ID')} (ids in {output.command_text('tj devices')})."
        )
        return
    home.run(lambda client: sign_out(client, [d.id for d in others]))
    count = output.plural(len(others), "other device", "other devices")
    output.message(f"Signed out {count}: {names}.")


async def sign_out(client: Client, device_ids: list[str]) -> None:
    for device_id in device_ids:
        await client.devices.revoke(device_id)


def prompt_new_password(prompt: str, instead: str, user_inputs: list[str]) -> str:
    """A new password typed twice, on a terminal after the rule is stated
    (passwords.PASSWORD_RULE); one the SDK would refuse (too short, or guessable, `user_inputs`
    counting as known words) is asked again with the reason. On a terminal the rule is
    checked right after the first entry, before "Repeat for confirmation" (NU33 #8: a weak
    password was refused only once typed twice). From a pipe nothing is asked, so the rule is
    not stated (a script without a password still gets one line, NU18 C10); the lines are read
    in pairs as before, and a refused pair gets the reason all the same. `instead` is said
    when stdin ends (see `secret_prompt`)."""
    from client_sdk.passwords import PASSWORD_RULE

    if sys.stdin.isatty():
        output.message(PASSWORD_RULE)
        while True:
            chosen = str(click.prompt(prompt, hide_input=True, err=True))
            if not password_accepted(chosen, user_inputs):
                continue
            again = str(click.prompt("Repeat for confirmation", hide_input=True, err=True))
            if again == chosen:
                return chosen
            output.message("Error: The two entered values do not match.")
    while True:
        chosen = secret_prompt(prompt, instead=instead, confirm=True)
        if password_accepted(chosen, user_inputs):
            return chosen


def password_accepted(chosen: str, user_inputs: list[str]) -> bool:
    """Whether the new-password rule (passwords.check_password) takes `chosen`; when not, say
    why (never the password) and that it is asked again."""
    from client_sdk.passwords import check_password

    try:
        check_password(chosen, user_inputs)
    except InvalidInput as refused:
        output.message(f"{str(refused).removesuffix('.')}; try again.")
        return False
    return True


def known_words(username: str, device_name: str | None) -> list[str]:
    """What a guesser holding the server's data knows of a user signing a device in: the
    username and the device's name ("device" by default), as the SDK counts them."""
    from client_sdk.models import default_device_name

    return [username, device_name or default_device_name()]


def new_password(path: Path | None, user_inputs: list[str]) -> str:
    if path is not None:
        return read_secret_file(path)
    if "TJ_NEW_PASSWORD" in os.environ:
        return os.environ["TJ_NEW_PASSWORD"]
    return prompt_new_password("New password", NEW_PASSWORD_INSTEAD, user_inputs)


@cli.command()
@click.argument("username", required=False)
@json_option
@pass_home
def fingerprint(home: Home, username: str | None, as_json: bool) -> None:
    """Show the safety number of your account, or of USERNAME's.

    Compare it with the other person's own `tj fingerprint` in person or on a call: if the
    numbers match, nobody (not even the server) swapped their keys.

    \b
    Example:
      tj fingerprint
      tj fingerprint drsmith --json
    """
    found = home.run(partial(safety_number, username))
    if as_json:
        output.print_json(found)
    else:
        output.data(found["fingerprint"])


async def safety_number(username: str | None, client: Client) -> dict[str, str]:
    """The safety number of `username`'s account (this account's without one), with the
    username as the server reads it (`normalize_username`: " DrSmith" is drsmith), never as
    typed."""
    from client_sdk.models import normalize_username

    if username is not None:
        username = normalize_username(username)
    return {
        "username": username or client.username,
        "fingerprint": await client.shares.fingerprint(username),
    }


@cli.command()
@json_option
@pass_home
def whoami(home: Home, as_json: bool) -> None:
    """Show which account this profile (--home) is signed in to: the username, the
    account's id, this device's name and id, the server's URL, and whether the keys are
    locked with a passphrase (`tj lock`).

    Read from this device's profile alone: no network, so it says what this device holds
    (a device signed out elsewhere still shows its account, and says it was signed out once a
    sync here learned it; `tj devices` asks the server).
    A locked profile is not asked for its passphrase: it says it is locked and this
    device's name, the rest being sealed with the keys (--json: null); with the passphrase
    in $TJ_PASSPHRASE it shows everything.

    \b
    Examples:
      tj whoami
      tj --home ~/.tj-phone whoami --json
    """
    from client_sdk import Client

    found: Identity | LockedIdentity
    if Client.needs_passphrase(home.path) and "TJ_PASSPHRASE" not in os.environ:
        found = asyncio.run(Client.locked_identity(home.path))
    else:

        async def read(client: Client) -> tuple[Identity, InvalidInput | None]:
            return await client.identity(), client.transport.refusal

        found, refusal = home.run(read)
        if refusal is not None:  # the address shown is not the one kept (nu83 F4)
            output.message(f"Warning: {refusal}", wrap=True)
            output.message(f"Run {profile_address_hint(refusal)}.", wrap=True)
    output.show_item(found, as_json, identity_text)


SEALED = "not readable while locked"
"""`tj whoami`'s words for what a locked profile seals with its keys."""


def identity_text(found: Identity | LockedIdentity) -> str:
    """`tj whoami` for people: one "label: value" line each, ids in their short form; on a
    locked profile not opened, what is sealed says so, and the last line how to see it."""
    from client_sdk.models import DEFAULT_DEVICE_NAME, LockedIdentity

    device = found.device_name or "(name not known on this device)"
    if isinstance(found, LockedIdentity):
        return output.fields_text(  # "Locked:" wrapped under its value (NU37 #8)
            (
                f"Username:    {SEALED}",
                f"Account:     {SEALED}",
                f"This device: {device} (id {SEALED})",
                f"Server:      {SEALED}",
                "Locked:      yes (a passphrase opens this device's keys, and the details "
                f"above: give it in $TJ_PASSPHRASE to see them here; {output.command_text('tj unlock')} removes it)",
            )
        )
    locked = (
        "yes (a passphrase opens this device's keys)"
        if found.locked
        else f"no ({output.command_text('tj lock')})"
    )
    this = f"{device} ({output.short_id(found.device_id)})"
    if found.device_name == DEFAULT_DEVICE_NAME:  # never read as "this device" in general
        this = (
            f"{output.device_word(device)} ({output.short_id(found.device_id)}), the default "
            f"name of a device signed in without --device-name: "
            f"{output.command_text('tj devices rename NAME')} names it"
        )
    ended: tuple[str, ...] = ()
    if found.account_erased:  # by this device: no login brings it back (NU56 #8)
        logout = output.command_text("tj logout")
        ended = (
            f"Signed out:  yes, the account was erased from this device (its local data "
            f"could not be deleted then): {logout} deletes what is left of it here",
        )
    elif found.signed_out_at is not None:  # a sync learned it: said here too (NU55 F8)
        login = output.command(["tj", "login", address_word(found.server_url), found.username])
        ended = (
            f"Signed out:  yes, as a sync here learned on {output.local_time(found.signed_out_at)} "
            f"(revoked from another device, or its session ended): {login} signs it in again",
        )
    return output.fields_text(
        (
            f"Username:    {found.username}",
            f"Account:     {output.short_id(found.account_id)}",
            f"This device: {this}",
            # "": kept with a part that may be a password, not shown (rev34a F1)
            f"Server:      {found.server_url or KEPT_NOT_SHOWN}",
            f"Locked:      {locked}",
            *ended,
        )
    )


# --- journals -----------------------------------------------------------------------------


@cli.group()
def journal() -> None:
    """Create, rename, archive, delete and list journals; show or choose the default one.

    \b
    Example:
      tj journal create Dreams
      tj journal rename Dreams "Night dreams"
      tj journal archive "Night dreams"
      tj journal list
      tj journal default
    """


@journal.command("create")
@click.argument("name", type=PLAIN_NAME)
@json_option
@pass_home
def journal_create(home: Home, name: str, as_json: bool) -> None:
    """Create a journal named NAME. Works offline, like writing: the journal is on this
    device at once and reaches the server at the next sync.

    \b
    Example:
      tj journal create Dreams
      tj write --journal Dreams "Flying again."
    """
    created, note = home.run(partial(then_sync, lambda client: client.journals.create(name)))
    if as_json:
        output.print_json(created.to_dict())
    else:
        changed = squeeze_note(name, created.name)
        output.message(f"Created journal {output.named(created.name)}{changed}; {note}.")


def squeeze_note(given: str, stored: str) -> str:
    """What `tj journal create` and `rename` add after the name a journal got when it is not
    the one given, but for its ends (a journal name keeps one space where the name given had
    a tab, a line break or several blanks: `client_sdk.journals.check_name`): " (each tab in
    the name given became one space: ...)"; "" when it is the one given (or another's).
    A tab was replaced silently (NU64 F12). Pure."""
    from client_sdk.models import and_words, squeezed

    inner = given.strip()
    if inner == stored or squeezed(inner) != stored:
        return ""
    found = []
    if "\t" in inner:
        found.append("tab")
    if "\n" in inner or "\r" in inner:
        found.append("line break")
    if any(c.isspace() and c not in " \t\n\r" for c in inner):
        found.append("blank character")
    if "  " in inner:
        found.append("run of spaces")
    what = and_words(found) or "blank"
    return f" (each {what} in the name given became one space: a journal name has one space between words)"


@journal.command("rename")
@click.argument("old_name", metavar="JOURNAL", type=PLAIN_NAME)
@click.argument("new_name", metavar="NEW_NAME", type=PLAIN_NAME)
@json_option
@pass_home
def journal_rename(home: Home, old_name: str, new_name: str, as_json: bool) -> None:
    """Rename your JOURNAL to NEW_NAME (needs the server). Your other devices, and a
    therapist you share it with, see the new name after their next sync.

    \b
    Example:
      tj journal rename Dreams "Night dreams"
    """

    async def renaming(client: Client) -> tuple[str, Journal]:
        before = await client.journals.get(old_name)  # its name, when named by its id
        return before.name, await client.journals.rename(before.id, new_name)

    (was, renamed), note = home.run(partial(then_sync, renaming))
    if as_json:
        output.print_json(renamed.to_dict())
    else:  # "; synced." as after `tj journal create` and `tj write` (NU32 #12)
        old, new = output.named_alike(was, renamed.name)
        changed = squeeze_note(new_name, renamed.name)
        output.message(f"Renamed journal {old} to {new}{changed}; {note}.")


@journal.command("default")
@click.argument("name", metavar="JOURNAL", type=PLAIN_NAME, required=False)
@click.option(
    "--yes",
    is_flag=True,
    help="Do not ask when JOURNAL is read by someone, or when your default journal until now "
    "is read by someone (or sends them safety flags) and JOURNAL is not or does not (for "
    "scripts).",
)
@click.option(
    "--even-if-shared",
    is_flag=True,
    help="Do not ask when JOURNAL is read by someone (--yes does it too; kept for scripts).",
)
@json_option
@pass_home
def journal_default(
    home: Home, name: str | None, yes: bool, even_if_shared: bool, as_json: bool
) -> None:
    """Show your default journal, or make your JOURNAL (its name or id) the default on this
    device. The default journal is where `tj write`, `tj mood`, `tj goal add`, `tj measure
    take` and every command given no --journal write: the journal made when you signed up,
    whatever you rename it, unless you choose another here. A choice is kept on this device
    only. Choosing a journal someone else reads (your therapist), by its name or its id, tj
    says who and asks first: what you write with no --journal would reach them. When your default journal until now is read
    by someone, or sends them safety flags, and JOURNAL is not read by them or sends them
    none, tj says so and asks first: what you write with no --journal, and a PHQ-9's safety
    flag, would no longer reach them. --yes: it does not ask, but says so all the same
    (--even-if-shared, kept for scripts, skips the first question only). An archived JOURNAL is chosen, with a note that
    nothing written with no --journal is saved until it is unarchived. Works offline.

    \b
    Example:
      tj journal default
      tj journal default "My journal"
    """
    from client_sdk.default_journal import READERS_LEFT, SHARED_DEFAULT
    from client_sdk.errors import NotFound
    from client_sdk.journals import command_name

    # the journal named, by its name and by `command_name`'s words: the question names it so
    chosen_name: list[str] = []
    # whose plan the message shows (NU74 F3), and the crisis lines shown with none (rev29c F2)
    shown: list[tuple[str | None, str | None, dict[str, str]]] = []
    already: list[bool] = []  # the journal named was the default already: nothing asked

    async def default(
        client: Client, agreed: frozenset[str]
    ) -> tuple[Journal | None, bool, NotFound | None]:
        if name is not None:
            with contextlib.suppress(TJError):  # set_default says what is wrong with it
                named = await client.journals.get(name)
                chosen_name[:] = [named.name, await command_name(client.journals, named.id)]
            before = await default_plan_shown(client)
            was = await default_journal_id(client)
            chosen = await client.journals.set_default(
                name,
                even_if_shared=SHARED_DEFAULT in agreed,
                leave_readers=READERS_LEFT in agreed,
            )
            after = await default_plan_shown(client)
            if before[1] != after[1]:
                shown[:] = [(before[0], after[0], after[2])]
            already[:] = [was == chosen.id]
            return chosen, False, None
        try:
            return await client.journals.default(), False, None
        except NotFound as refused:  # kept from before this version, no journal list since
            if default_unconfirmed(refused):
                return await client.journals.get(refused.names["default journal"]), True, None
            if refused.subject == "no default journal" and "journal id" in refused.names:
                return None, False, refused  # ended: a show says so, it is no error
            raise

    # to a journal someone reads (NU73 F9), away from its readers (NU72 F3): said, then asked
    def asked() -> str:  # by its name, typed as an id too (NU74 F5), quoted (nu77 F7)
        if not chosen_name:
            return (
                f"Make {output.quoted(str(name))} your default journal on this device all the same?"
            )
        named, words = chosen_name
        # with the words that name it alone, where its name does not ("1812" names two)
        alone = "" if words == named else f" (id {words})"
        return (
            f"Make {output.quoted(named)}{alone} your default journal on this device all the same?"
        )

    # what --yes confirmed, said all the same, both ways (nu78 F16; nu79 F5: toward a
    # journal someone reads it said nothing of them, the move that starts sending them
    # what you write)
    heard: list[Any] = []
    found, unconfirmed, ended = output.said_then_asked(
        lambda agreed: home.read(lambda client: default(client, agreed)),
        {SHARED_DEFAULT: asked, READERS_LEFT: asked},
        said=[
            *([SHARED_DEFAULT] if yes or even_if_shared else []),
            *([READERS_LEFT] if yes else []),
        ],
        heard=heard,
    )
    if found is None and ended is not None:
        from client_sdk.models import ID_SHOWN  # not at start-up

        ident = ended.names["journal id"]
        words = ended.situation or str(ended)
        if as_json:
            output.print_json({"default": None, "journal_id": ident, "why": words})
            return
        output.message(
            f"No default journal on this device: {words}. "
            f"{output.command_text(f'tj journal default {ident[:ID_SHOWN]}')} keeps writing there; "
            f"{output.command_text('tj journal default ID')} chooses another "
            f"({output.command_text('tj journal list')} lists yours)."
        )
        return
    assert found is not None  # (only a show of an ended adoption finds none)
    changed = shown[0] if shown else None
    if as_json:
        plans: dict[str, Any] = {} if name is None else {"safety_plan_shown": None}
        if changed is not None:  # whose plan every plan-less journal's message shows now
            plans["safety_plan_shown"] = {
                "before": changed[0],
                "now": changed[1],
                "crisis_lines": changed[2],
            }
        from client_sdk.errors import ReadersToConfirm

        for refused in heard:  # whom the change reaches or stops reaching, --yes said it
            if not isinstance(refused, ReadersToConfirm):
                continue
            if refused.subject == READERS_LEFT:
                plans["readers_left"] = [r.to_dict() for r in refused.readers]
                plans["flags_stop"] = [r.to_dict() for r in refused.flags]
            elif refused.subject == SHARED_DEFAULT:
                plans["readers_now"] = [r.to_dict() for r in refused.readers]
        if name is not None:  # nu79 F6: whether the command chose another journal
            plans["changed"] = not (already and already[0])
        output.print_json(found.to_dict() | ({"unconfirmed": True} if unconfirmed else {}) | plans)
    elif unconfirmed:
        output.message(
            f"Your default journal is {output.named(found.name)}, kept from what this device "
            "held before this version: unconfirmed until the next sync "
            f"({output.command_text('tj sync')} once the server can be reached); until then, a "
            "command given no --journal is refused, its text kept.",
            wrap=True,
        )
    elif name is None:
        output.message(f"Your default journal is {output.named(found.name)}.")
    elif already and already[0]:
        output.message(
            f"{output.named(found.name)} is already your default journal on this device: "
            "nothing changed."
        )
    else:
        output.message(f"Your default journal on this device is now {output.named(found.name)}.")
    if changed is not None and not as_json:
        output.message(plan_shown_text(found, *changed), wrap=True)
    if found.archived and not as_json:  # every write naming no journal is refused there
        unarchive = ["tj", "journal", "unarchive", output.journal_word(found.name, found.id)]
        output.message(
            f"Note: {output.quoted(found.name)} is archived: nothing written with no --journal "
            f"(an entry, a mood, a questionnaire) is saved until {output.command(unarchive)}.",
            wrap=True,
        )


async def default_journal_id(client: Client) -> str:
    """The id (hex) of this device's default journal, "" when it has none."""
    try:
        return (await client.journals.default()).id
    except TJError:
        return ""


ShownPlan = tuple[str | None, str | None, tuple[str, str] | None]
"""What the safety message for one journal shows (`SafetyPath.shown_plans`): its emergency
number, crisis line (a member's with who set it), and (id, name) of the journal whose plan it
shows; None for the built-in numbers, no line, no plan."""


async def default_plan_shown(
    client: Client,
) -> tuple[str | None, ShownPlan | None, dict[str, str]]:
    """What the safety message shows, by the SDK's own rule (`SafetyPath.shown_plans`, never a
    copy of it): the name of the journal whose plan the default journal's message shows
    (None: none written there), what that message shows (None: this device has no default
    journal), and the crisis line each journal of this account's that shows no plan shows
    (a member's, with who set it), by journal name."""
    try:
        default = await client.journals.default()
        shown = await client.safety.shown_plans()
    except TJError:
        return None, None, {}
    lines = {name: line for name, (_, line, plan) in shown.items() if plan is None and line}
    found = shown.get(default.name)
    if found is None:
        return None, None, lines
    return (found[2][1] if found[2] is not None else None), found, lines


def plan_shown_text(
    chosen: Journal, before: str | None, now: str | None, lines: dict[str, str]
) -> str:
    """What `tj journal default` adds when the safety message of every journal with no plan
    of its own shows another plan since (NU74 F3): the plan of `now` (the journal chosen;
    None: none written there, so the built-in numbers, with the crisis line a therapist set
    in a journal that shows no plan, `lines` by journal name: rev29c F2), no longer that of
    `before` (None: the built-in numbers), with the command that shows or writes the chosen
    one's."""
    word = output.journal_word(chosen.name, chosen.id)
    here = output.quoted(chosen.name)
    where = (
        "the safety message (shown when a PHQ-9's item 9 is answered above 0) in every journal "
        "with no safety plan of its own"
    )
    if now is not None:
        show = output.command(["tj", "safety", "plan", "--journal", word])
        was = f", no longer that of {output.quoted(before)}" if before is not None else ""
        return f"Note: {where} now shows the plan of {here}{was}; {show} shows it."
    write = output.command(["tj", "safety", "plan", "--journal", word, "--text", "TEXT"])
    copy = (
        " ("
        + output.command(
            ["tj", "safety", "plan", "--journal", word, "--copy-from", output.journal_word(before)]
        )
        + " copies that one)"
        if before is not None
        else ""
    )
    if not lines:
        shows = "only the built-in numbers,"
    else:
        set_there = "; ".join(
            f"in {output.quoted(name)}: {line}"
            for name, line in sorted(lines.items(), key=lambda item: item[0] != chosen.name)
        )
        shows = (
            "the built-in numbers, and the crisis line a therapist set in that journal "
            f"if one did ({set_there}),"
        )
    return (
        f"Note: {here} has no safety plan written: {where} now shows {shows} no longer "
        f"the plan of {output.quoted(str(before))}; {write} writes one{copy}."
    )


@journal.command("archive")
@click.argument("name", metavar="JOURNAL", type=PLAIN_NAME)
@json_option
@pass_home
def journal_archive(home: Home, name: str, as_json: bool) -> None:
    """Archive your JOURNAL (needs the server): its entries stay readable and searchable,
    it is listed last, and it takes no new entries until `tj journal unarchive`. A copy
    kept for your therapist (`tj share --only`) is only hidden: they still read it, and it
    still gets what you share (end that with `tj unshare`); the journal of items shared
    one by one takes no more items while archived.

    \b
    Example:
      tj journal archive "Night dreams"
    """

    async def archive(client: Client) -> tuple[Journal, bool]:
        done = await client.journals.archive(name)
        return done, done.id == await default_journal_id(client)

    (archived, default), note = home.run(partial(then_sync, archive))
    # its name, as NU32 #12's; its id when the name would not paste back (REV-S11B)
    word = output.journal_word(archived.name, archived.id)
    again = output.command(["tj", "journal", "unarchive", word])
    said = f"Archived journal {output.named(archived.name)}; {note}."
    if as_json:
        output.print_json(archived.to_dict() | {"action": "archived", "default": default})
    if archived.helper is None:
        output.message(f"{said} To write in it again: {again}.")
    elif archived.kept_for and not archived.kept_ended:  # nobody writes in a copy
        who = archived.kept_for
        end = output.command(["tj", "unshare", word, who])
        if archived.helper == "mirror":  # it keeps following its source
            output.message(
                f"{said} It is only hidden from your lists: {who} still reads it, and it "
                f"still gets what you share with them. To end that share: {end}; to list it "
                f"with your journals again: {again}.",
                wrap=True,
            )
        else:  # the journal of single items: nothing more goes in while archived
            output.message(
                f"{said} {who} still reads what it holds. To end that share: {end}; to share "
                f"more with them one by one, or to list it with your journals again: {again}.",
                wrap=True,
            )
    else:
        output.message(f"{said} To list it with your journals again: {again}.")
    if default:  # nothing written with no --journal is saved there now (NU74 F8)
        other = output.command(["tj", "journal", "default", "NAME"])
        output.message(
            f"Note: {output.quoted(archived.name)} is your default journal on this device: "
            "nothing written with no --journal (an entry, a mood, a questionnaire, whose "
            f"answers would not be saved) is saved until {again}, or until {other} chooses "
            "another.",
            wrap=True,
        )


@journal.command("unarchive")
@click.argument("name", metavar="JOURNAL", type=PLAIN_NAME)
@json_option
@pass_home
def journal_unarchive(home: Home, name: str, as_json: bool) -> None:
    """Take your JOURNAL out of the archive (needs the server).

    \b
    Example:
      tj journal unarchive "Night dreams"
    """

    async def unarchive(client: Client) -> tuple[bool, Journal]:
        was = (await client.journals.get(name)).archived
        return was, await client.journals.archive(name, archived=False)

    (was, back), note = home.run(partial(then_sync, unarchive))
    if as_json:
        output.print_json(back.to_dict() | {"action": "unarchived" if was else "unchanged"})
    if was:
        output.message(f"Journal {output.named(back.name)} is out of the archive; {note}.")
    else:
        output.message(f"Journal {output.named(back.name)} was not archived; nothing changed.")


@journal.command("delete")
@click.argument("name", metavar="JOURNAL", type=PLAIN_NAME)
@click.option("--yes", is_flag=True, help="Do not ask (for scripts).")
@json_option
@pass_home
def journal_delete(home: Home, name: str, yes: bool, as_json: bool) -> None:
    """Delete your JOURNAL and every entry in it, on the server and this device (needs the
    server). A therapist it was shared with keeps what they downloaded; your other devices
    keep a read-only copy until you delete it there too. Asks first: type the name. Words
    written on this device that are on no other device are counted in the question; while
    one of them was refused by the server (`tj set-aside list`), it refuses: keep them, drop
    them, then delete again (--yes refuses for any of them).

    \b
    Example:
      tj journal delete "Night dreams"
    """

    # Named once, strictly (a name a read-only copy shares with another journal names
    # neither), then deleted by its id: never another journal than the one asked about
    # (NU36 #1: a notice's name deleted the other, live journal of that name for good).
    # Words written on this device that are on no other device (NU65 F11): those set aside
    # refuse it, named with the steps that keep them (`advice.delete_unsent`); those still
    # waiting to be sent are counted in the question, which is the user's word to drop them.
    # A safety item a member may not have received is said before the question (and with
    # --yes), as `tj unshare` says it: deleting erases it from the server (NU66 F15).
    async def before(
        client: Client,
    ) -> tuple[
        Journal,
        dict[str, int],
        list[ShareInfo],
        UnsentChanges | None,
        tuple[list[str], frozenset[str]],
        bool,
    ]:
        from cli.erasure import undelivered_before_erasure

        unsent = None
        try:  # before asking (NU23 C8); what members may not have received is said below
            await client.journals.delete(name, check_only=True, discard_undelivered=True)
        except UnsentChanges as error:
            if yes or error.set_aside:
                raise
            unsent = error
        found = await client.journals.get(name, strict=True)
        undelivered = await undelivered_before_erasure(client, found.id)
        is_default = found.id == await default_id(client)
        if yes:
            return found, {}, [], None, undelivered, is_default
        held = await client.journals.contents(found.id)
        if found.read_only_copy and found.own:  # what of it is in its trash (NU66 F5)
            trashed = [
                e for e in await client.entries.trashed_in_copies() if e.journal_id == found.id
            ]
            if trashed:
                held = {**held, IN_TRASH: len(trashed)}
        return found, held, await client.shares.list(), unsent, undelivered, is_default

    with nothing_deleted_yet():
        found, held, shares, unsent, (undelivered, said), is_default = home.run(before)
    # NU68 F9: every write that names no journal fails after it, on every device
    choose = output.command_text("tj journal default NAME")
    default_said = (
        f" It is your default journal (where {output.command_text('tj write')} and other "
        "commands that name no journal write): after it, this device has none until you "
        f"choose one with {choose}."
        if is_default
        else ""
    )
    for line in undelivered:
        output.message(line, wrap=True)
    if not yes:
        typed = output.typed_answer(
            f"This deletes {deleted_text(found)} and everything in it for good "
            f"({contents_text(held)}{unsent_text(unsent)}), with no "
            f"trash{kept_by_members(found.id, shares)}.{default_said} "
            f"Type its name as this device knows it, {output.quoted(found.name)} (with or without "
            "the quotes), to confirm",
            err=True,
            default="",
            show_default=False,
        )
        # the name as typed, as it was given, or as the question quoted it (NU52 F7)
        shown = output.quoted(found.name)
        if typed.strip() not in (name.strip(), found.name.strip(), shown):
            case = (  # NU41 #13: other commands take any case of a name, this one does not
                f" (type it as it is written, {output.quoted(found.name)}: the case counts here)"
                if typed.strip().casefold() == found.name.strip().casefold()
                else ""
            )
            raise Failed(f"the name did not match{case}: nothing was deleted", "declined")

    async def delete(client: Client) -> None:
        if unsent is not None:  # only what the question counted: none set aside since, and
            try:  # no other item written meanwhile (by another program on this profile)
                await client.journals.delete(found.id, check_only=True, discard_undelivered=True)
            except UnsentChanges as now:
                asked = set(unsent.unsent_documents)
                if now.set_aside or not set(now.unsent_documents) <= asked:
                    raise
        await client.journals.delete(  # what members may not have received: what was said
            found.id, drop_unsent=unsent is not None, discard_undelivered=said
        )  # above only (another program on this profile may have sealed a flag meanwhile)

    home.run(delete)
    output.message(f"Deleted journal {output.named(found.name)} (id {found.id[:12]}).")
    if as_json:
        output.print_json({"action": "deleted", "journal_id": found.id, "name": found.name})
    if is_default:
        output.message(
            "This device has no default journal now (nor has another device that had it as "
            f"its default): choose one with {choose} ({output.command_text('tj journal list')} "
            "lists yours).",
            wrap=True,
        )


def unsent_text(unsent: UnsentChanges | None) -> str:
    """What the delete question adds to the journal's contents about words written on this
    device that are on no other device (NU65 F11): "; 1 of them was written on this device
    and is on no other device", "" for none."""
    if unsent is None:
        return ""
    n = unsent.documents_count
    if n == 1:
        return "; 1 of them was written on this device and is on no other device"
    return f"; {n:,} of them were written on this device and are on no other device"


def deleted_text(found: Journal) -> str:
    """The journal `tj journal delete` asks about, unmistakably: "Dreams (id e8f46fcd7a6b,
    gone from the server: this device's read-only copy)", "Dreams (id 94fb60f0f9ef)"
    (NU36 #1: two journals named alike, each holding one entry, read the same)."""
    state = ", gone from the server: this device's read-only copy" if found.read_only_copy else ""
    return f"{output.named(found.name)} (id {found.id[:12]}{state})"


def kept_by_members(journal_id: str, shares: list[ShareInfo]) -> str:
    """What deleting the journal of id `journal_id` (hex) leaves with others (NU22 C4, NU23
    C2): "; drsmith keeps what they already downloaded of it", and the entries shared one by
    one; "" when it is shared with nobody (by the verified chains `shares` were read from).
    By id, never by name: another journal may bear it (rev-nu36a F3)."""
    members = sorted({s.member for s in shares if journal_id in (s.journal_id, s.source_id)})
    said = ""
    if members:  # usernames: never plain_list, which words a field named "body" as "text"
        said = f"; {output.keep_downloaded(members)}"
    for member in sorted({s.member for s in shares if s.kind == "items"}):
        said += (
            f"; what you shared one by one with {member} stays in 'Shared with {member}' "
            f"({output.command(['tj', 'unshare', f'Shared with {member}', member])} ends it)"
        )
    return said


CONTENT_WORDS = {
    "entry": ("entry", "entries"),
    "goal": ("goal", "goals"),
    "measure": ("questionnaire result", "questionnaire results"),
    "homework": ("homework", "homework"),
    "safety_plan": ("safety plan", "safety plans"),
    "safety_flag": ("safety flag", "safety flags"),
    "note": ("note", "notes"),
    "assignment": ("assignment", "assignments"),
    "brief": ("brief", "briefs"),
    "private_note": ("private note", "private notes"),
}


IN_TRASH = "in trash"
"""`contents_text`'s key for how many of the entries are in the trash (said with them)."""


def contents_text(held: dict[str, int]) -> str:
    """ "10 entries, 2 goals, 1 questionnaire result", in CONTENT_WORDS order; "nothing yet";
    entries in the trash said with them when IN_TRASH counts them ("1 entry, in the trash")."""
    parts = [
        output.plural(held[kind], *CONTENT_WORDS[kind]) for kind in CONTENT_WORDS if held.get(kind)
    ]
    trashed = held.get(IN_TRASH, 0)
    if parts and trashed and held.get("entry"):
        parts[0] += (
            ", in the trash" if trashed == held["entry"] else f" ({trashed:,} of them in the trash)"
        )
    return ", ".join(parts) or "nothing yet"


@journal.command("list")
@json_option
@pass_home
def journal_list(home: Home, as_json: bool) -> None:
    """List the journals on this device: yours first, then those shared with you, then the
    copies kept of shares that ended (archived ones last in each), each by owner, then by
    name, ignoring case, as `tj shared-with-me` lists them; --json in the same order.

    \b
    Example:
      tj journal list --json
    """

    async def listed(client: Client) -> list[Journal]:
        # a copy of a share that ended is named as every other list names it ("ana/
        # Personal"; its role says the share ended); only the commands printed for it name
        # its owner by account (`tj shared-with-me`, `tj forget`'s refusal)
        return await client.journals.list()

    journals = home.read(listed)
    output.show_rows(journals, as_json, output.journals_table)
    hint = None if as_json else output.helper_hint(journals)
    if hint is not None:
        output.message(hint)


SIGNED_OUT_STALE = (
    "Until this device signs in again, nothing new reaches it (new safety flags included) "
    "and nothing written here leaves it."
)
"""Said after the "Not synced" line of a device whose session is over (`signed_out`)."""


def signed_out(error: TJError) -> bool:
    """Whether `error` says this device is signed out: revoked from another device, its
    session expired or ended (SIGNED_OUT_CODES, or the subject "session ended" or "session
    expired": a session the server forgot after it expired). `tj sync` cannot help then;
    `tj login` on this home can (NU35 #5)."""
    return error.code in SIGNED_OUT_CODES or error.subject in ("session ended", "session expired")


def erased_here_words(username: str, home: Path) -> str:
    """What is left on a device whose account was erased from it (`Client.erased_here`: its
    local data could not be deleted then) and the `tj logout` that deletes it."""
    logout = output.command([*profile_words(home), "logout"])
    return (
        f"the account {username} was erased from this device ({output.command_text('tj account delete')}) "
        f"and no longer exists; {logout} deletes what is left of it here"
    )


UNSENT_SAFETY = ". Safety: "
"""Starts each line `login_again` adds for a safety flag still on this device
(`Safety.unsent`): told after the rest of the advice."""


def signed_out_cause(error: TJError) -> str:
    """Why `error` (`signed_out`) keeps this device from syncing, in a word kept with the
    safety flags told for it (`Safety.unsent_to_tell`): "session expired", "session ended",
    else "signed out" (revoked, the account erased elsewhere)."""
    if error.subject in ("session ended", "session expired"):
        return error.subject
    return "signed out"


async def login_again(client: Client, cause: str = "signed out", *, name_flags: bool = True) -> str:
    """How a signed-out device (`signed_out`) is signed in again and sends the changes that
    wait on it: `tj login URL USERNAME` on this home keeps its store and pushes them, while
    `tj sync` fails until then and `tj logout` deletes them (NU35 #5: a user followed "run `tj
    sync`" in the logout warning and lost an entry). Names `--home` unless it is the default.
    A safety flag still on this device is told in full the first time for `cause`
    (`signed_out_cause`), then in one line (`unsent_reminder`) at each later failed sync;
    none with `name_flags` False (the caller names them in its own words: `logging_out`)."""
    if client.erased_here:  # no login brings it back (NU56 #8)
        return erased_here_words(client.username, client.home)
    user = client.username if pasteable(client.username) else "USERNAME"
    where = address_word(client.profile.server_url)
    command = output.command([*profile_words(client.home), "login", where, user])
    try:  # those the server refused for good (set aside) no login sends
        waiting = await client.unsynced_changes(sendable=True)
    except TJError:
        waiting = 0
    if not waiting:
        return f"{command} signs it in again"
    items = output.plural(waiting, "item", "items")
    try:  # a flag still here reaches nobody while signed out, and never if the account is gone
        unsent, again = await client.safety.unsent_to_tell(cause) if name_flags else ([], [])
    except TJError:
        unsent, again = [], []
    several = bool(unsent) and await output.several_journals(client)
    flags = unsent_words(unsent, several) + (
        f"{UNSENT_SAFETY}{unsent_reminder(again)}" if again else ""
    )
    return (
        f"{command} signs it in again and sends the changes to {items} waiting on it "
        f"({output.command([*profile_words(client.home), 'sync'])} cannot while it is signed "
        f"out; {output.command([*profile_words(client.home), 'logout'])} would delete them)" + flags
    )


def unsent_words(unsent: list[UndeliveredFlag], several: bool) -> str:
    """Each safety flag of `unsent` (`Safety.unsent`: still on this device) in full
    (`UndeliveredFlag.line`, with where the safety plan is: `output.plan_tell`, naming the
    flag's journal with `several`, the user's own journals more than one), each after
    UNSENT_SAFETY: the end of an error's line that keeps this device from sending them.
    Pure."""
    return "".join(
        f"{UNSENT_SAFETY}{said[:1].upper()}{said[1:].rstrip('.')}"
        for said in (
            u.line(tell=output.plan_tell(u.journal, u.journal_id, several)) for u in unsent
        )
    )


def left_words(left: list[UndeliveredFlag]) -> str:
    """Each safety flag of `left` (`Safety.left_in_failed_sync`: it left this device in the
    sync that then failed, the server acknowledged it) in the words of the "Safety:" line of
    a sync that sends one (`output.flags_sent_lines`), each after UNSENT_SAFETY: the end of
    the failed sync's error line, so it is never said only as failed. Pure."""
    said = ""
    for flag in left:
        who = ", ".join(flag.members) or "the people it is for"
        named = flag.named()
        said += (
            f"{UNSENT_SAFETY}{named[:1].upper()}{named[1:]} left this device before the sync "
            f"failed: the server acknowledged it, so {who} can get it at their next sync (sent, "
            f"not seen: {output.command_text('tj safety flags')} says when they acknowledge it)"
        )
    return said


def unsent_reminder(again: list[UndeliveredFlag]) -> str:
    """The one line `login_again` says, after the first telling, of the safety flags `again`
    still on this device (told in full at an earlier failed sync for the same cause), naming
    whom they are for; a login sends them unless the account was erased on another device,
    which this device cannot know. Pure."""
    from client_sdk.models import and_words

    count = len(again)
    who = and_words(sorted({m for u in again for m in u.members}))
    flags = f"safety flag for {who}" if count == 1 else f"{count} safety flags for {who}"
    them = "it" if count == 1 else "them"
    return (
        f"The {flags} you were told of still {'has' if count == 1 else 'have'} NOT left this "
        f"device: {who} cannot see {them} until you log in again, and never if your account "
        f"was deleted on another device; tell them yourself "
        f"({output.command_text('tj safety flags')})"
    )


class SyncTookTooLong(NetworkError):
    """The automatic sync of a command did not finish within its QUICK_SYNC_S: cancelled."""


WAIT_LESS = f"{output.command_text('tj --server-wait 2 ...')} gives up sooner"
"""Said with a quick sync cut off (`SyncTookTooLong`): how to wait less while a server hangs
(NU41 #12)."""


async def quick_sync(
    client: Client, progress: Progress | None = None, max_upload_wait: float = 0.0
) -> SyncReport:
    """One quick try to sync (QUICK_TRY: no retries, 2 s at most to connect), given
    QUICK_SYNC_S seconds in all (plus `max_upload_wait`, the upload limit's wait it may
    spend); raises SyncTookTooLong (a NetworkError) past that, the sync cancelled."""
    from client_sdk.transport import QUICK_TRY

    limit = QUICK_SYNC_S + max_upload_wait
    try:
        async with asyncio.timeout(limit):
            return await client.sync(progress, max_upload_wait=max_upload_wait, retry=QUICK_TRY)
    except TimeoutError:
        raise SyncTookTooLong(f"the server did not finish the sync within {limit:g} s") from None


def quickly(home: Home) -> Home:
    """`home` whose requests wait for the server's answer no longer than a command's quick
    sync takes in all (QUICK_SYNC_S; less with a shorter `tj --server-wait`): for a command
    that must ask the server itself and then goes on without it (`tj logout`, `tj shares`),
    bounded without cancelling anything part-way."""
    return replace(home, server_wait=min(home.server_wait, QUICK_SYNC_S))


def offline_reason(error: NetworkError, server_wait: float | None = None) -> str:
    """Why a command shows what this device holds, in the words of its "Not synced (...)"
    line: a quick sync cut off (`SyncTookTooLong`: "the server did not finish the sync within
    10 s"); a server that took the request and sent nothing for `server_wait` seconds (the
    command's `Home.server_wait`, `tj --server-wait`, by default) (a hung server, a stalled
    proxy: "the server did not answer within 5 s"; NU37 #11: `tj shares` said it "cannot be
    reached"); else "the server cannot be reached"."""
    from client_sdk.transport import NO_ANSWER

    if isinstance(error, SyncTookTooLong):
        return f"{error}; {WAIT_LESS}"
    if server_wait is None:
        ctx = click.get_current_context(silent=True)
        home = ctx.find_object(Home) if ctx is not None else None
        server_wait = home.server_wait if home is not None else None
    if error.subject == NO_ANSWER and not error.unsent and server_wait is not None:
        hint = f"; {WAIT_LESS}" if server_wait > 2 else ""  # NU41 #12
        return f"the server did not answer within {server_wait:g} s{hint}"
    return "the server cannot be reached"


async def sync_note(
    client: Client,
    max_upload_wait: float = 0.0,
    progress: Progress | None = None,
    *,
    tell_flags: bool = False,
) -> str:
    """Try to sync after a local change, which is already saved: one quick try (`quick_sync`:
    no retries, 2 s at most to connect, QUICK_SYNC_S in all), so that offline "saved
    locally" comes at once, and soon when the server does not answer; a failure never
    undoes the change. The server's upload limit is waited for up to
    `max_upload_wait` seconds (none after one change: the note says when the next sync
    uploads it). `tell_flags`: the new safety flags the sync brought are said on their own
    "Safety:" line (`output.safety_line`), as `synced_first` says them for a command that
    decides from them (`tj assign`: one arriving between its two syncs is never only
    "synced")."""
    try:
        report = await quick_sync(client, progress, max_upload_wait)
    except SyncTookTooLong as error:
        return f"saved locally; {error} ({WAIT_LESS}): will sync at the next try"
    except NetworkError:
        return OFFLINE_NOTE
    except TJError as error:
        if signed_out(error):  # NU35 #5
            again = await login_again(client, signed_out_cause(error))
            return f"saved locally; sync failed: {error}: {again}"
        return f"saved locally; sync failed: {error}"
    output.tell_after_sync(report)  # settled fields, departures, flags that left
    if tell_flags and (flags := output.safety_line(report)) is not None:
        output.message(flags)
    if (no_default := await no_default_line(client, report)) is not None:
        output.message(no_default, wrap=True)
    reminder = output.set_aside_reminder(report)
    if output.newly_set_aside(report):
        for line in await not_delivered_lines(client, report):
            output.message(line)
        if reminder is not None:
            output.message(reminder, wrap=True)
        not_delivered()
        count = len(output.newly_set_aside(report))
        return (
            f"synced; {output.plural(count, 'change was', 'changes were')} not delivered: the "
            f"server refused {'it' if count == 1 else 'them'} for good (above); kept on this "
            f"device, see {output.command_text('tj set-aside list')}"
        )
    if reminder is not None:
        output.message(reminder, wrap=True)
    if report.refused:
        failed = output.plural(report.refused, "record", "records")
        return f"synced; {failed} failed verification: see {output.command_text('tj sync')}"
    if report.problems:
        problems = output.plural(len(report.problems), "problem", "problems")
        return f"synced; {problems} with the server's answers: see {output.command_text('tj sync')}"
    if report.upload_limit is not None:
        text = output.upload_limit_text(report.upload_limit)
        return f"kept on this device, not all uploaded yet: {text[0].lower()}{text[1:-1]}"
    return "synced"


def sync_exit_status(report: SyncReport) -> int:
    """How a command whose sync's report it printed exits (`tj sync`; `tj login`, `tj recover`
    after their first sync): WITHHELD_EXIT when the server withheld records or stopped a pull
    before its end; 1 when a journal could not be synced (its access chain rolled back or
    forked, of a newer version of the app, or a share whose owner's keys were refused);
    NOT_DELIVERED_EXIT when a change of this device was set aside (for the first time:
    a result set aside before, sent again and refused again, `SetAside.refused_before`, is
    only reminded of; a safety flag is told at every sync); else 0. Pure."""
    if report.withheld or report.incomplete:
        return WITHHELD_EXIT
    if report.rollbacks or report.update_needed or report.refused_shares:
        return 1
    if output.newly_set_aside(report):  # told once: a change refused again exits 0
        return NOT_DELIVERED_EXIT
    return 0


def first_sync_words(report: SyncReport) -> str | None:
    """Why a first sync (`tj login`, `tj recover`) that ran did not finish well and what to
    do, in words for "... but its first sync <words>." (the warnings printed before it say
    the details); None when it did (`sync_exit_status` 0). Only what a later sync may bring
    (a pull the server stopped, a journal not synced) is told to run `tj sync` again: a change
    the server refused for good is pointed to `tj set-aside list`, as `tj sync` points to it
    (NU56 #2). Pure."""
    status = sync_exit_status(report)
    again = f"run {output.command_text('tj sync')} again later"
    if status == WITHHELD_EXIT:
        return (
            "is not complete: the server did not send every record (see the warning above); "
            + again
        )
    if status == 1:
        return f"could not sync every journal (see the warnings above); {again}"
    if status == NOT_DELIVERED_EXIT:
        count = len(output.newly_set_aside(report))
        return (
            f"could not deliver every change: the server refused "
            f"{output.plural(count, 'change', 'changes')} for good (see the warning above), "
            "which no later sync sends; kept on this device, see "
            f"{output.command_text('tj set-aside list')}"
        )
    return None


def not_delivered() -> None:
    """Have the running command exit with NOT_DELIVERED_EXIT once it has printed its output."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta[NOT_DELIVERED] = True


async def not_delivered_lines(client: Client, report: SyncReport) -> list[str]:
    """One line per document whose change the server refused for good in this sync, naming
    it and saying why in words (NU19 C11): "Not delivered: june made your access to
    june/Personal read-only: your note "Stale ..." was not delivered; it is kept on this
    device in `tj set-aside list`"."""
    kept = {change.record_id: change for change in await client.set_aside()}
    copies = [j for j in await client.journals.list() if j.read_only_copy]
    ended = {j.id for j in copies}
    own = {j.id for j in copies if j.own}  # deleted on another device (or withheld)
    lines, named = [], set()
    for record in output.newly_set_aside(report):
        change = kept.get(record.record_id)
        key = record.doc_id or record.record_id
        if key in named:
            continue
        named.add(key)
        if record.refused_withdrawal is not None:  # who can remove the note now
            words = output.withdrawal_words(record.refused_withdrawal)
            lines.append(f"Withdrawal not delivered: {words}.")
            continue
        if record.code == "forbidden" and record.journal_id in ended:  # no retry sends it
            drop = output.command_text(f"tj set-aside drop {output.short_id(key)}")
            why = (  # NU66 F8: one's own journal is not one "no longer shared with you"
                "the journal is no longer on the server"
                if record.journal_id in own
                else "the journal is no longer served to you"
            )
            if record.tried_again:  # every sync sends it again: never "no retry sends it"
                refuses = f"the server refuses it while {why}"
                if change is not None and change.kind == "measure":
                    move = f"tj set-aside move {output.short_id(key)} --journal JOURNAL"
                    how = (
                        f" ({refuses}: {output.command_text(move)} writes it into another journal)"
                    )
                else:  # a safety flag: dropped, it is never sent
                    how = f" ({refuses}; {drop} forgets it, and it is then never sent)"
            elif change is not None and change.kind == "entry":  # its words move as they are
                move = f"tj set-aside move {output.short_id(key)}"
                readers = await client.default_readers(key) if await has_default(client) else None
                if readers:  # the default is read by someone the entry was not written for
                    how = (
                        f" (no retry sends it, as {why}: "
                        f"{output.command_text(move + ' --journal JOURNAL')} writes it into "
                        f"another journal; your default journal is read by "
                        f"{output.named_list(readers)} too)"
                    )
                elif readers is not None:
                    how = (
                        f" (no retry sends it, as {why}: {output.command_text(move)} writes it "
                        "into your default journal, "
                        f"{output.command_text(move + ' --journal JOURNAL')} into another)"
                    )
                else:  # NU66 F10: it was the default journal, which is gone
                    choose = output.command_text("tj journal default JOURNAL")
                    how = (
                        f" (no retry sends it, as {why}: "
                        f"{output.command_text(move + ' --journal JOURNAL')} writes it into "
                        f"another journal; this device has no default journal now: {choose} "
                        "chooses one)"
                    )
            else:
                how = (  # NU57 #11: it named `tj set-aside retry`, which sends nothing of it
                    f" (no retry sends it, as {why}: keep its words with "
                    f"{output.command_text('tj set-aside list --json > refused.json')}, "
                    f"then {drop} forgets it)"
                )
        else:
            how = f" ({output.command_text('tj set-aside retry')} sends it again)"
        lines.append(
            record.line(change, kept=f" in {output.command_text('tj set-aside list')}{how}")
        )
    return lines


async def no_default_line(client: Client, report: SyncReport) -> str | None:
    """A notice when this sync found one of this account's own journals gone from the server
    (deleted on another device, or withheld) and this device has no default journal now: it
    was the default, and every command that names no journal fails until one is chosen.
    None otherwise."""
    from client_sdk.departures import GONE

    if not any(d.reason == GONE for d in report.departures):
        return None
    if await default_id(client) is not None:
        return None
    return (
        "Notice: this device has no default journal now (where "
        f"{output.command_text('tj write')} and other commands that name no journal write): "
        f"choose one with {output.command_text('tj journal default NAME')} "
        f"({output.command_text('tj journal list')} lists yours)."
    )


async def default_id(client: Client) -> str | None:
    """The id (hex) of this device's default journal (`client.journals.default`), None when
    it has none now (or must sync first to know it)."""
    from client_sdk.errors import TJError

    try:
        return (await client.journals.default()).id
    except TJError:
        return None


async def has_default(client: Client) -> bool:
    """Whether this device has a default journal now (`client.journals.default`)."""
    from client_sdk.errors import NotFound

    try:
        await client.journals.default()
    except NotFound:
        return False
    return True


async def synced_first(
    client: Client,
    doing: str = "showing",
    held: list[Departure] | None = None,
    *,
    needs_server: bool = False,
    tell_refused: bool = False,
    erased_owners: bool = False,
    tell_flags: bool = False,
) -> None:
    """Before a command shows what others sent (notes, flags, briefs, assignments) or exports:
    sync, one quick try (`quick_sync`) so a server that is down or does not answer costs
    little wait; when that fails,
    say on stderr when this device last synced ("<doing> what this device had at ..."), so
    nothing shown passes for current. `held`: the sync's departures are put there instead of
    told, for the command to tell those its own answer does not say (`tj unshare`).
    `needs_server`: for a command that changes something only the server can (`tj unshare`),
    an unreachable server raises that NetworkError here, before the command asks anything
    (NU24 C2); a sync that took too long or failed otherwise is said as above.
    `tell_refused`: the journals shared with this account that this device does not open
    (`SyncReport.refused_shares`: an owner whose keys it refused, a freed name's new holder)
    are said as `tj sync` says them (NU43 #9, NU46 #7: only `tj sync` said them; the
    caseload and `tj shared-with-me` now do too). `erased_owners`: then, once synced, the
    server is asked whether the owners of ended shares still have an account
    (`client.shares.ask_erased_owners`: its word for words only; NU49 F6), one try within
    what is left of the quick sync's QUICK_SYNC_S, ERASED_ASK_S at most (REV-S11 S11-2): an
    answer it does not give in time, or at all, changes nothing and the command goes on.
    `tell_flags`: the new safety flags the sync brought are said (`output.safety_line`), for
    a command that decides from them (`tj assign` of a PHQ-9)."""
    started = asyncio.get_running_loop().time()
    try:
        waiting = await client.unsynced_kinds() if await client.pending() else {}
        report = await quick_sync(client)
        if waiting and report.pushed:
            await tell_sent_earlier(client, waiting)
        output.tell_settled(report)
        if held is not None:
            held.extend(report.departures)
            report = replace(report, departures=[])
        output.tell_departures(report)
        if report.departures and output.stderr_on_terminal():
            # shown in full where the user reads it: `tj sync`'s "Earlier, fetched by other
            # commands" line does not say it again (nu83 F10); a script's `2>/dev/null` did
            # not show it, so it is kept for that line
            await client.mark_news_seen(report.departures)
        for line in output.flags_sent_lines(report):  # told it had NOT left
            output.message(line, wrap=True)  # nu78 F5
        if tell_flags and (flags := output.safety_line(report)) is not None:
            output.message(flags)
        if tell_refused:
            for refused in report.refused_shares:
                output.message(f"Warning: {output.refused_share_line(refused)}", wrap=True)
        ctx = click.get_current_context(silent=True)
        if ctx is not None:
            ctx.meta[SYNCED_NOW] = True
        if erased_owners:
            await ask_erased_owners(client, started)
        return
    except NetworkError as error:
        if needs_server and not isinstance(error, SyncTookTooLong):
            raise
        reason = offline_reason(error)
    except TJError as error:
        reason = f"sync failed: {error}"
        if signed_out(error):  # NU35 #5
            reason += f": {await login_again(client, signed_out_cause(error))}"
            await tell_not_synced(client, reason, doing)
            # not a moment offline: a month's session ended, and no sync brings anything
            # until a login, new safety flags included (a therapist's list goes stale)
            output.message(SIGNED_OUT_STALE, wrap=True)
            return
    await tell_not_synced(client, reason, doing)


async def tell_sent_earlier(client: Client, waiting: dict[str, int]) -> None:
    """Say on stderr what a command's own sync sent of the changes `waiting` on this device
    before it (`Client.unsynced_kinds`, by kind): "Sent 2 entries and 1 goal written earlier
    on this device to the server." (NU78 F13: written offline, they left without a word, and
    `tj sync` then said "nothing new"). Safety flags are left out: `flags_sent_lines` tells
    them in their own words."""
    left = await client.unsynced_kinds()
    sent = {
        kind: count - left.get(kind, 0)
        for kind, count in waiting.items()
        if kind != "safety_flag" and count > left.get(kind, 0)
    }
    if sent:
        items = unsynced_items(sent, sum(sent.values()))
        output.message(f"Sent {items} written earlier on this device to the server.", wrap=True)


ERASED_ASK_S = 2.0
"""The longest, in seconds, `synced_first` waits for the server's answer to whether the
owners of ended shares still have an account (`ask_erased_owners`): words only, never worth
holding a caseload that is already synced (REV-S11 S11-2)."""


async def ask_erased_owners(client: Client, started: float) -> None:
    """Ask `client.shares.ask_erased_owners` once (QUICK_TRY: no retry, no Retry-After
    waited for), within what is left of the QUICK_SYNC_S that began at `started` (the event
    loop's clock), ERASED_ASK_S at most; past it, or on any failure, it is cancelled or
    ignored: what this device was told before stands (words only)."""
    from client_sdk.transport import QUICK_TRY

    left = min(ERASED_ASK_S, QUICK_SYNC_S - (asyncio.get_running_loop().time() - started))
    if left <= 0:
        return
    try:
        async with asyncio.timeout(left):
            await client.shares.ask_erased_owners(retry=QUICK_TRY)
    except (TimeoutError, TJError):
        pass  # unanswered: what this device was told before stands (words only)


async def tell_not_synced(client: Client, reason: str, doing: str = "showing") -> None:
    """Say on stderr, in one line, that what follows is what this device held at its last
    sync (a time in local time), not the server's word now: "Not synced (the server cannot
    be reached): showing what this device had at its last sync, 2026-12-04 09:30.". A device
    that never finished a sync may hold part of the data (a first sync cut off part-way, NU37
    #10): "showing what this device holds: its first sync has not finished". Changes of
    this device the server does not hold (`unsynced_changes`: written offline since, or set
    aside) are shown too: their count is said (nu86 F2: "what this device had at its last
    sync" read as the server's copy while it held entries written offline since)."""
    last = await client.last_synced()
    if last is None:
        output.message(
            f"Not synced ({reason}): {doing} what this device holds: its first sync has not "
            "finished."
        )
        return
    when = f"at its last sync, {output.local_time(last)}"
    unsent = await client.unsynced_changes()
    mine = (
        f", and {unsent} change{'' if unsent == 1 else 's'} made on this device that the "
        "server does not hold yet"
        if unsent
        else ""
    )
    output.message(f"Not synced ({reason}): {doing} what this device had {when}{mine}.")


async def then_sync(change: Callable[[Client], Awaitable[T]], client: Client) -> tuple[T, str]:
    """Make a change, then push it if the server is reachable (see `sync_note`). A change
    to something not on this device yet, or naming no journal while this device's default
    journal awaits its first sync, is tried again after a sync (`found_after_sync`)."""
    return await found_after_sync(change, client), await sync_note(client)


async def found_after_sync(work: Callable[[Client], Awaitable[T]], client: Client) -> T:
    """`work(client)`; when what it names by id is not on this device (NotFound, subject
    "document": an entry, goal or note made on another device since this one synced), or
    when it names no journal and the default journal awaits its first sync
    (`default_unconfirmed`: the first write after an update from an older version), sync
    first (`synced_first`: one quick try, said when it fails) and try once more, as `tj
    show ID` and `tj write --prompt ID` do (NU25 C8: `tj goal checkin ID` and `tj edit ID`
    said "try `tj sync`" instead). A change that raises NotFound has written nothing."""
    from client_sdk.errors import NotFound

    try:
        return await work(client)
    except NotFound as missing:
        if default_unconfirmed(missing):
            doing = "finding your default journal in"
        elif missing.subject == "document":
            doing = "looking for it in"
        else:
            raise
    await synced_first(client, doing)
    return await work(client)


async def default_after_sync(work: Callable[[Client], Awaitable[T]], client: Client) -> T:
    """`work(client)`; when it names no journal and the default journal awaits its first
    sync (`default_unconfirmed`), sync first (`synced_first`: one quick try, said when it
    fails) and try once more. A call so refused has written nothing."""
    from client_sdk.errors import NotFound

    try:
        return await work(client)
    except NotFound as refused:
        if not default_unconfirmed(refused):
            raise
    await synced_first(client, "finding your default journal in")
    return await work(client)


def default_unconfirmed(error: TJError) -> bool:
    """Whether `error` refused a call naming no journal because this device took its default
    journal from what it held before this SDK and has not read a journal list since (subject
    "sync", `names` its id as "default journal"): a sync settles it, so a command syncs
    first (`found_after_sync`) and tries once more; refused again, the server could not be
    reached."""
    return error.subject == "sync" and "default journal" in error.names


def change_then_note(home: Home, change: Callable[[Client], Awaitable[object]]) -> None:
    """Run one change (a delete, a cancel), push it if the server is reachable, and print
    the sync note."""
    _, note = home.run(partial(then_sync, change))
    output.message(output.note_line(note))


# --- sync and devices ---------------------------------------------------------------------


@cli.group(invoke_without_command=True)
@json_option
@pass_home
def devices(home: Home, as_json: bool) -> None:
    """List the devices signed in to your account, or revoke one. "signed in": when each
    last signed in, by the account's sign-in log (the server's word; "not in the log" for
    one signed in more than 90 days ago or before the server kept it; --json
    "signed_in_at", null then). "session ends": the day a device's sign-in expires (30
    days after its login by default; `tj login` signs it in again).

    \b
    Examples:
      tj devices
      tj devices --json
      tj devices revoke 5e21b0
      tj devices acknowledge
    """
    if click.get_current_context().invoked_subcommand is not None:
        return

    async def listed(client: Client) -> tuple[list[DeviceInfo], dict[str, datetime]]:
        found = await client.devices.list()
        try:
            return found, await client.devices.last_sign_ins()
        except NotFound:  # a server from before the sign-in log
            return found, {}

    found, signed_in = home.run(listed)
    if as_json:
        output.print_json([output.device_dict(device, signed_in) for device in found])
    else:
        output.print_table(output.devices_table(found, signed_in))


def kept_on_revoked() -> str:
    """What `tj devices revoke` says after signing a device out (README's "Honest limits": a
    device keeps what it downloaded; a revoke ends its session and changes no key). Its `tj
    lock` is the revoked device's, run there: never given this home's --home (nu86 F10)."""
    return (
        "What it already downloaded stays on it, readable by whoever opens it, even if it was "
        f"locked ({output.their_command(['tj', 'lock'])} on it: a passphrase there guards its keys, not "
        "the entries in its store): only the device's own screen lock and disk encryption "
        "protect those. If your password may be known with it (saved on it, or written down "
        "nearby), change it, so that nobody signs it in again: "
        f"{output.command_text('tj password change --sign-out-others')}."
    )


@devices.command("revoke")
@click.argument("device_id", metavar="ID")
@click.option("--yes", "-y", is_flag=True, help="Do not ask (for scripts).")
@json_option
@pass_home
def devices_revoke(home: Home, device_id: str, yes: bool, as_json: bool) -> None:
    """Sign another device out remotely, e.g. a lost phone: it stops syncing (what it
    already downloaded stays readable on it, even locked: see README's "Honest limits"). ID may be a unique prefix, or the device's name when one
    device has it (as `tj devices` shows it); asks first, naming the device.
    To sign this device out, use `tj logout`.

    \b
    Example:
      tj devices revoke 5e21b0
      tj devices revoke tablet
    """
    from client_sdk.devices import find_device

    found = home.run(lambda client: client.devices.list())
    try:
        chosen = find_device(found, device_id)  # an id, a prefix, or a name (NU33 #6)
    except (InvalidInput, NotFound) as error:
        raise Failed(
            f"{error}: see {output.command_text('tj devices')} for the ids", error.subject
        ) from None
    if chosen.current:
        raise Failed(
            f"{output.quoted(chosen.name)} ({output.short_id(chosen.id)}) is this device: use {output.command_text('tj logout')} to "
            "sign it out",
            "device",
        )
    if not yes:
        output.confirm(
            f"Sign out {output.quoted(chosen.name)} ({output.short_id(chosen.id)}, last seen "
            f"{output.local_time(chosen.last_seen_at)})? It stops syncing; what it already "
            "downloaded stays readable on it. Anything written on it since it last synced "
            f"({output.local_time(chosen.last_seen_at)}), a safety flag too, never reaches "
            "your other devices or the people you share with unless it signs in again: this "
            "device cannot know what that is.",
            abort=True,
            err=True,
        )
    home.run(lambda client: client.devices.revoke(chosen.id))
    output.message(
        f"Signed out {output.device_word(chosen.name)} ({output.short_id(chosen.id)}): it can no "
        f"longer sync. {kept_on_revoked()}"
    )
    if as_json:
        output.print_json({"action": "signed out", "device_id": chosen.id, "name": chosen.name})


@devices.command("acknowledge")
@json_option
@pass_home
def devices_acknowledge(home: Home, as_json: bool) -> None:
    """Say that the password or recovery key changes this device was told of were yours
    (made on another of your devices): the advice of what to do if they were not you is then
    not repeated when a later sign-in is told. Changes nothing on the server; a later change
    is told, with its advice, again. Signing in again here (`tj login`) does it too.

    \b
    Example:
      tj devices acknowledge
    """
    forgotten = home.run(lambda client: client.devices.acknowledge_credential_changes())
    if as_json:
        output.print_json(
            {"action": "acknowledged", "changes": {k: v.isoformat() for k, v in forgotten.items()}}
        )
    if not forgotten:
        output.message("No password or recovery key change is waiting to be acknowledged.")
        return
    said = " and ".join(
        f"the {what} change of {output.local_time(at)}" for what, at in forgotten.items()
    )
    output.message(
        f"Acknowledged {said} as yours: later sign-ins are told without advice about it."
    )


@devices.command("rename")
@click.argument("words", metavar="[ID] NAME", nargs=-1, required=True)
@json_option
@pass_home
def devices_rename(home: Home, words: tuple[str, ...], as_json: bool) -> None:
    """Rename a device (ID: a unique prefix from `tj devices`; without it, this device).
    The server keeps device names in clear, like the list of devices.

    \b
    Example:
      tj devices rename "Work laptop"
      tj devices rename 5e21b0 "Old phone"
    """
    if len(words) > 2:
        raise click.UsageError("give at most a device id and a name (quote a name with spaces)")
    device_id, name = (None, words[0]) if len(words) == 1 else words
    name = plain_word(name)  # the name made plain as every name is (PLAIN_NAME); the id as given
    renamed = home.run(lambda client: client.devices.rename(device_id, name))
    output.message(
        f"Renamed device {output.short_id(renamed.id)} to {output.quoted(renamed.name)}."
    )
    if as_json:
        output.print_json({"action": "renamed", "device_id": renamed.id, "name": renamed.name})


# --- command modules: each registers its commands on `cli` when imported -------------------

from cli import (  # noqa: E402, F401
    care,
    entries,
    erasure,
    export,
    goals,
    insights,
    lock,
    measures,
    practice,
    private_notes,
    prompts,
    safety,
    search,
    setaside,
    sharing,
    syncing,
    trash,
)

if __name__ == "__main__":
    main()
