"""`tj share` and friends: sharing with a therapist, notes and prompts, the audit log.

Every command is one SDK call (`client.shares.grant`, `grant_entry`, `revoke`, `list`,
`with_me`, `log`, `verify`; `client.notes.add`, `list`); commands that write records sync after.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import click
from rich.table import Table

from cli import output
from cli.advice import ASKED_TERMS
from cli.dates import WORDS, no_such_day, padded_hour, parse_day
from cli.homes import profile_words
from cli.main import (
    PLAIN_NAME,
    PLAIN_TEXT,
    Failed,
    Home,
    cli,
    contents_text,
    json_option,
    offline_reason,
    pass_home,
    quick_sync,
    quickly,
    sync_note,
    synced_first,
    tell_not_synced,
    then_sync,
)
from cli.output import plain_list
from cli.tables import DATE, FIXED, ID, NAME, Column, fitted
from client_sdk import departures
from client_sdk.care_disclosure import DISCLOSABLE
from client_sdk.departures import Departure
from client_sdk.errors import (
    READ_ROLE,
    FlagsWouldStop,
    InvalidInput,
    NetworkError,
    NotFound,
    NotReadingNow,
    NotShared,
    ShareAlreadyEnded,
    SharedAgain,
    TJError,
)
from client_sdk.models import DEFAULT_DEVICE_NAME, normalize_username

if TYPE_CHECKING:
    from client_sdk import (
        AuditInfo,
        Client,
        HeldKeys,
        Journal,
        KeptCopy,
        MeasureResult,
        Note,
        SafetyFlag,
        SetAsideChange,
        SharedJournal,
        ShareInfo,
    )
    from client_sdk.private_notes import PrivateNote
    from client_sdk.schedule import Assignment
    from client_sdk.shares import EndedShares
    from client_sdk.undelivered import Undelivered

T = TypeVar("T")
DAY_FORMAT = "%Y-%m-%d"
MOMENT_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M")


NEVER: Literal["never"] = "never"


def parse_until(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> datetime | Literal["never"] | None:
    """YYYY-MM-DD (or `today`, `tomorrow`, `yesterday`: the words the other date options take)
    means through that whole day; YYYY-MM-DD HH:MM (or a word and HH:MM) that minute (local
    time); "never" lifts an end date. Raises click.BadParameter (exit 2) for a text that is
    no date, and for an end already past, in those words (NU35 #9: `--until yesterday` was
    refused as a wrong format)."""
    if value is None:
        return None
    text = value.strip()
    if text.lower() == NEVER:
        return NEVER
    end = _end_given(text)
    if end is None:
        impossible = no_such_day(text)  # shaped right, but no day of the calendar (NU22 C8)
        if impossible is not None:
            raise click.BadParameter(impossible)
        raise click.BadParameter(
            "give a date as YYYY-MM-DD, 'YYYY-MM-DD HH:MM', or today/tomorrow with an optional "
            "HH:MM"
        )
    if end <= datetime.now().astimezone():
        raise click.BadParameter(
            f"an end date cannot be in the past: {output.quoted(text)} is over; give a moment to come "
            "(today means through the end of today)"
        )
    return end


def _end_given(text: str) -> datetime | None:
    """The end `text` names (aware, local time): a day alone is through that day, so its
    following midnight; None for a text that names no date."""
    words = text.split(maxsplit=1)
    if words and words[0].lower() in WORDS:
        day = parse_day(words[0], date.today())
        if len(words) == 1:
            return (datetime.combine(day, time()) + timedelta(days=1)).astimezone()
        try:
            return datetime.combine(day, time.fromisoformat(padded_hour(words[1]))).astimezone()
        except ValueError:
            return None
    try:
        return (datetime.strptime(text, DAY_FORMAT) + timedelta(days=1)).astimezone()
    except ValueError:
        pass
    for pattern in MOMENT_FORMATS:
        try:
            return datetime.strptime(padded_hour(text), pattern).astimezone()
        except ValueError:
            continue
    return None


def parse_fields(ctx: click.Context, param: click.Parameter, value: str | None) -> list[str] | None:
    """A comma-separated list of entry fields, each one of DISCLOSABLE."""
    if value is None:
        return None
    fields = [f.strip().lower() for f in value.split(",") if f.strip()]
    unknown = [f for f in fields if f not in DISCLOSABLE]
    if unknown or not fields:
        raise click.BadParameter(f"fields are some of {','.join(DISCLOSABLE)}, comma-separated")
    return fields


fingerprint_option = click.option(
    "--fingerprint",
    metavar="CODE",
    help="The therapist's safety number, as they read it out from `tj fingerprint`; "
    "when it replaces other keys this device holds for THERAPIST, as `tj verify` would, "
    "that is said and asked first.",
)
trust_option = click.option(
    "--trust-on-first-use",
    is_flag=True,
    help="Accept the therapist's keys without comparing fingerprints (only the first time).",
)
only_option = click.option(
    "--only",
    metavar="FIELDS",
    callback=parse_fields,
    help=f"Share only these fields, comma-separated: {', '.join(DISCLOSABLE)}.",
)


# --- sharing --------------------------------------------------------------------------------


WITH_FLAGS = ("--full", "--role", "annotate", "--safety-flags")
"""The options of `tj share` that give a member every field and safety flags."""


@cli.command()
@click.argument("journal_name", metavar="JOURNAL", type=PLAIN_NAME)
@click.argument("therapist")
@click.option(
    "--role",
    type=click.Choice(["read", "annotate"]),
    help="read: they read the journal. annotate: they may also add notes and prompts. "
    "Without it, a current share keeps its role; a new one is read.",
)
@click.option(
    "--until",
    metavar="DATE",
    callback=parse_until,
    help=(
        "End the share then: YYYY-MM-DD or today/tomorrow (through that day), or "
        "'YYYY-MM-DD HH:MM' ('tomorrow 18:00': it ends as that minute begins, by each "
        "device's clock, with no grace), local time; 'never' lifts an end date. Without it, a "
        "current share keeps its end date. What is written after the end is not in a copy "
        "of some fields (--only), also once renewed: each is said, with the command that "
        "sends it."
    ),
)
@fingerprint_option
@trust_option
@only_option
@click.option(
    "--full",
    is_flag=True,
    help="Share the whole journal: everything in it, also what was written before (entries in "
    "full, goals, questionnaire answers, homework, safety plan), even where "
    "THERAPIST reads only some fields of it today (--only).",
)
@click.option(
    "--safety-flags/--no-safety-flags",
    default=None,
    help="Opt in: a PHQ-9 item 9 answered above 0 in JOURNAL seals a safety flag for its members. "
    "Never implied: renewing a share that ran out opts THERAPIST in only with --safety-flags "
    "(--no-safety-flags: the same as leaving it out, said explicitly). An answer given on "
    "another of your devices before it synced this share gets a flag at its next sync only "
    "if given at least 15 minutes after the share (devices' clocks can differ): in those "
    "first 15 minutes it gets none, so sync your other devices (tj sync) after sharing. "
    "Flags reach only someone who reads the whole journal: for someone who does not read it "
    "now (who never did, or whose share ended), that is said and asked first, whatever this "
    "device holds of it, even for an empty journal (not with --full or --yes).",
)
@click.option(
    "--yes",
    "-y",
    is_flag=True,
    help="With --only: do not ask, even if ending the whole-journal share means THERAPIST "
    "may never receive a safety flag or result, or gets no more safety flags, or the copy kept "
    "from a share of those fields that you ended gives them again what it holds; with --role "
    "read: do not ask, even if safety flags stop reaching THERAPIST; with --safety-flags: do "
    "not ask before sharing the whole journal with someone who does not read it now; with "
    "--fingerprint: do "
    "not ask before replacing other keys this device holds for THERAPIST (for scripts).",
)
@json_option
@pass_home
def share(
    home: Home,
    journal_name: str,
    therapist: str,
    role: str | None,
    until: datetime | Literal["never"] | None,
    fingerprint: str | None,
    trust_on_first_use: bool,
    only: list[str] | None,
    full: bool,
    safety_flags: bool | None,
    yes: bool,
    as_json: bool,
) -> None:
    """Share JOURNAL with THERAPIST (another account), or change the role or end date of
    your share with them.

    Ask your therapist to read out their `tj fingerprint` and pass it with --fingerprint:
    that proves the keys the server gave you are theirs. With --only, entries dated from
    now on are shared with just those fields (e.g. your mood, not your words; an entry
    dated earlier is not, even when written later: `tj share-entry` sends one), and
    questionnaire results and homework only if you name them: scores (score and band),
    answers (with each item's answer) or homework. If THERAPIST already reads the whole
    journal, that share ends first (the journal gets a new key), so from now on they read
    only those fields. Without --only, THERAPIST keeps reading what they read today: if
    that is only some fields, --role and --until change that share and it stays limited
    (also one that ran out: it is renewed as it was); --full shares the whole journal with
    them instead. If they read only some fields until that share was ended, or this device
    cannot see that share as it was, nothing is changed until you say --full or --only.
    For someone the journal was never shared with in any way (as its signed history shows),
    `tj share` (with or without --role and --until) shares the whole journal, everything in
    it, also what was written before, and says so.
    For anyone else, without --only or --full, --role and --until change the terms of
    someone who reads the journal (or did, until an end date); otherwise nothing is shared
    and you are asked for --full (the whole journal) or --only. If ending the whole-journal
    share means they may never receive a safety flag or a PHQ-9 with item 9 answered above
    0, or that safety flags you opted them in to stop (a copy of some fields carries none),
    or when the copy kept from a share of those fields that you ended would give them again
    what it holds, you are told and asked first (default: no; --yes does not ask). So you
    are when --role read stops safety flags that reach THERAPIST now (a member who only reads
    could never mark one as read); your choice to send them flags stands, and --role
    annotate later makes flags reach them again, which is said. Renewing a share that ran
    out keeps its role; safety flags reach THERAPIST under the renewed share only when you
    add --safety-flags (it says whether they are on or off; the end-date notice says when
    you had chosen them for the share that ended).

    \b
    Examples:
      tj share Personal drsmith --fingerprint "12345 67890 12345 67890 12345 67890"
      tj share Personal drsmith --role annotate --until 2027-06-30
      tj share Personal drsmith --only mood,tags
      tj share Personal drsmith --only mood,scores,homework --role annotate
      tj share Personal drsmith --full           (after --only: the whole journal)
    """
    if full and only is not None:
        raise click.UsageError("--full shares every field: give --full or --only, not both")
    if safety_flags and only is not None:  # what each gives, as commands (nu86 F1)
        raise click.UsageError(
            "--safety-flags needs a whole-journal share: flags live in the journal itself, "
            "and --only shares a copy of some fields, which carries none; nothing was "
            "changed. Either share every field with safety flags: "
            + output.command(["tj", "share", journal_name, therapist, *WITH_FLAGS])
            + ", or only those fields, without flags: "
            + output.command(["tj", "share", journal_name, therapist, "--only", ",".join(only)])
            + (" (each with the --role and --until you gave)" if role or until else "")
        )
    needs_annotate = (
        "--safety-flags needs --role annotate: a member who only reads could never mark a "
        "flag as read, so you would never know it was seen"
    )
    if safety_flags and role == "read":
        raise click.UsageError(needs_annotate)

    therapist = normalize_username(therapist)  # the name used, said as such in every line
    click.get_current_context().meta[ASKED_TERMS] = (role, until)  # a refusal's share again
    confirm_fingerprint(home, therapist, fingerprint, yes)  # who it goes to, asked first
    end = None if until == NEVER else until
    stop_flags: list[bool] = []  # told that safety flags stop, and agreed (NU24 C13)
    agreed: list[bool] = []  # asked before (by this device's chains): share all of it, yes
    widen: list[bool] = []  # the share refused as it was (NotReadingNow), agreed: --full
    if only is not None:  # narrowing ends a whole-journal share: say what it never delivered
        pending, flagged = home.run(
            partial(narrowing_costs, journal_name, therapist, only, fingerprint)
        )
        if pending:
            when = f"you share only some fields of {journal_name} with them"  # NU28 C9
            for line in undelivered_text(therapist, journal_name, pending, when).splitlines():
                output.message(line)  # one item per line (NU20 C13)
        if flagged:  # safety flags stop with the whole share: said and asked (NU24 C13)
            ask_flags_stop(journal_name, flagged, reading=False, yes=yes)
            stop_flags.append(True)
        elif pending and not yes:
            output.confirm(
                f"Share only some fields of {journal_name} with {therapist} anyway?",
                default=False,
                abort=True,
                err=True,
            )

    # rev30c F2: flags are no way in unasked. Without --role, only a current annotate member
    # is opted in (`work` refuses anyone else, "needs --role annotate"): nothing new is
    # shared, so nothing to ask.
    if safety_flags and not full and not yes and role is not None:
        why = home.run(partial(not_reading_now, journal_name, therapist, fingerprint))
        if why is not None:  # refused first, never after the question (fix31e)
            home.run(
                partial(
                    refused_before_asked,
                    journal_name,
                    therapist,
                    fingerprint,
                    trust_on_first_use=trust_on_first_use,
                )
            )
        if why is not None:  # asked whatever this device holds of it (rev30d F1)
            ask_share_all(journal_name, therapist, ended=why == ENDED, earlier=why == EARLIER)
            agreed.append(True)

    again: list[str] = []  # items of a copy kept from an ended share, agreed to (NU24 C8)
    reach: list[str] = []  # with --safety-flags: whom flags reach now, by name (NU24 C15)
    earlier: list[MeasureResult] = []
    total: list[int] = []  # how many results the journal holds (NU64 F13: "already in")
    score_only: list[MeasureResult] = []  # the member has only their score: now with answers?
    downloaded: list[bool] = []  # the member may have downloaded them (a whole share, once)
    ended_assignments: list[Assignment] = []  # what ended with a whole share (NU22 C10)
    gap: list[list[Any]] = []  # a renewed copy: the results, moods written while it had ended
    copies_on: list[ShareInfo] = []  # field-level copies still shared beside it (NU29 F7)
    flags_before: set[str] = set()  # with --safety-flags: whom flags reached before (NU31 #6)
    pinned_now: list[bool] = []  # --trust-on-first-use took keys never compared: said
    started = datetime.now(UTC)

    async def work(client: Client) -> ShareInfo:
        renewing = False  # the same copy again (renewed, confirmed): nothing new to say
        if trust_on_first_use and fingerprint is None and not pinned_now:
            pinned_now.append(await pinned_on_first_use(client, therapist))
        if only is not None and RESULT_FIELDS & set(only):
            try:
                kept = await client.shares.limited(journal_name, therapist, fingerprint=fingerprint)
            except InvalidInput:  # can't tell (grant says why): not a renewal
                kept = None
            renewing = kept is not None and set(kept.fields or ()) == set(only)
        if safety_flags and (await client.journals.get(journal_name)).helper is not None:
            raise InvalidInput(  # a copy holds some fields, never a PHQ-9's items (NU21 C1)
                f"{output.quoted(journal_name)} is a journal kept only to share with a member: safety "
                "flags need a whole-journal share of the journal it comes from; nothing was "
                "changed",
                subject="copy journal",
            )
        if safety_flags and role is None:  # the role stays (NU52 F9): it must annotate
            found = await client.journals.get(journal_name)
            member = normalize_username(therapist)
            current = [
                s.role
                for s in await client.shares.list()
                if s.journal_id == found.id and s.member == member and not s.expired
            ]
            if current != ["annotate"]:
                raise click.UsageError(needs_annotate)
        if safety_flags and not full:  # before anything changes
            limited = await client.shares.limited(journal_name, therapist, fingerprint=fingerprint)
            if limited is not None:
                raise fields_only_refusal(limited)
        if safety_flags:  # to tell turning flags on from terms that did not change
            with contextlib.suppress(NotFound):  # an unknown journal: grant says so
                flags_before.update((await client.safety.plan(journal_name)).flags_reach or ())
        # `tj share J THERAPIST` (with or without --role/--until: NU20 C7) shares the whole
        # journal (and says so) only with someone the journal's signed history never named;
        # otherwise it changes what they read today and it stays as limited as it is, or
        # asks for --full / --only (R23 F1). Never inferred from what the server does not
        # show (R24 F2: full_if_new, checked again on the chain signed on).
        plain = only is None and not full
        shared = await client.shares.grant(
            journal_name,
            therapist,
            role=role,
            expires_at=end if isinstance(end, datetime) else None,
            fingerprint=fingerprint,
            trust_on_first_use=trust_on_first_use,
            only=only,
            no_end=until == NEVER,
            full=full or bool(widen),
            full_if_new=plain,
            again=tuple(again),
            stop_flags=bool(stop_flags),
            safety_flags=bool(safety_flags),  # the opt-in, and the share as it now stands (rev-c)
        )
        if only is not None:  # a copy replaced ends its assignments too
            ended_assignments.extend(
                await assignments_ended_with(
                    client, (journal_name, *shared.ended), shared.member, started
                )
            )
        if only is not None and RESULT_FIELDS & set(only) and not renewing:
            # only what no journal kept for them carries (R33 F1): after the share, so that
            # its copy is there to be asked
            unshared, whole = await client.shares.unshared_results(journal_name, therapist)
            earlier.extend(unshared)
            downloaded.append(whole)
            total.append(len(await client.measures.list(journal_name)))
        if only is not None and "answers" in only and not renewing:
            score_only.extend(await client.shares.score_only_results(journal_name, therapist))
        if safety_flags or flags_stand(shared):
            await sync_note(client)
            reach.extend((await client.safety.plan(journal_name)).flags_reach or ())
        if shared.kind == "journal" and shared.fields is None:
            copies_on.extend(copies_shared_beside(await client.shares.list(), shared))
        if shared.kind == "mirror" and shared.previous_expired and shared.previous_expires_at:
            gap.extend(await written_while_ended(client, journal_name, shared, started))
        return shared

    while True:  # each question at most once: asked again, the SDK's refusal is the answer
        try:
            shared = home.run(work)
            break
        except SharedAgain as asked:  # only: the copy kept from an ended share (NU24 C8)
            if again:
                raise
            what = f"the {plain_list(only or ())} of {journal_name}"
            agree_to_share_again(asked, what, "only what is dated from now on", yes)
            again.extend(i.id for i in asked.items)
        except NotReadingNow as asked:  # --safety-flags: by the chain signed on (rev31b F1)
            if widen:
                raise
            if not yes and not agreed:  # this device's chain was behind: asked now, once
                ask_share_all(journal_name, therapist, ended=asked.ended)
            widen.append(True)
        except FlagsWouldStop as asked:  # only: flags began to reach them since (NU24 C13);
            if stop_flags:  # --role read: a member who only reads gets none (role-flags fix)
                raise
            ask_flags_stop(journal_name, asked.member, asked.reason == READ_ROLE, yes)
            stop_flags.append(True)
    if as_json:
        output.print_json(shared.to_dict())
        return
    if shared.left_before is not None:  # found as it shared: said, never renewed silently
        output.message(
            f"Notice: {shared.member} had stopped reading {shared.journal} "
            f"({output.local_time(shared.left_before)}): the server says they left the share "
            "(not signed by them); this device removed them from the journal's access and "
            "changed its key first, so this is a new share with them, which their device "
            "tells them of.",
            wrap=True,  # under its label, as `tj sync`'s notices (NU47 #14)
        )
    if only is None and shared.kind == "mirror":  # a renewal: the terms kept, one line
        output.message(kept_limited(shared), wrap=True)
    else:
        flags_now_on = bool(safety_flags) and shared.member not in flags_before
        output.message(share_confirmation(shared, flags_now_on, started), wrap=True)
        if shared.kept_terms:  # never a kept end date or role left unsaid (NU61 F7)
            output.message(kept_terms_text(shared, journal_name), wrap=True)
    if gap:  # besides the confirmation: what the renewed copy does not carry
        output.message(gap_text(shared, *gap), wrap=True)
    if any(pinned_now):
        output.message(pinned_unverified_text(shared.member), wrap=True)
    if again:
        output.message(
            f"{shared.member} also reads again what {output.quoted(shared.journal)} held before: "
            f"{output.plural(len(again), 'item', 'items')} shared with them then.",
            wrap=True,
        )
    if only is not None and shared.fields is not None:
        for line in earlier_results_text(shared, earlier, any(downloaded), sum(total)):
            output.message(line, wrap=True)
        for line in score_only_results_text(shared, score_only):
            output.message(line, wrap=True)
        if "scores" in shared.fields and "answers" not in shared.fields:
            output.message(scores_only_text(shared.member), wrap=True)
    if ended_assignments:
        output.message(ended_with_share_text(ended_assignments), wrap=True)
    for copy in copies_on:
        output.message(copy_stays_text(copy, shared), wrap=True)
    if not safety_flags and flags_resume(shared):
        output.message(flags_resume_text(shared), wrap=True)
    elif not safety_flags and shared.safety_flags is False and flags_worth_saying(shared):
        output.message(flags_off_text(shared), wrap=True)
    if safety_flags or flags_stand(shared):  # whom the opt-in reaches, each named (NU24 C15)
        output.message(
            f"Safety flags: on for {shared.member}. When a PHQ-9 item 9 is answered above 0 in "
            f"{shared.journal}, a safety flag is made for "
            f"{output.and_words(reach or [shared.member])}, no one else; {shared.member} sees "
            f"it once their device next syncs ({output.their_command_text('tj sync')}, {output.their_command_text('tj caseload')}) and can mark it read. This app is not monitored in "
            "real time.",
            wrap=True,
        )
        output.message(  # the README's advice, where it matters (NU64 F11)
            # run on each other device: never this profile's --home (`their_command_text`)
            f"Sync your other devices now ({output.their_command_text('tj sync')} on each): until "
            "one has synced this choice it sends no flag, and an answer given on it in the "
            "next 15 minutes never gets one later (devices' clocks can differ).",
            wrap=True,
        )


def scores_only_text(member: str) -> str:
    """Said once to a client sharing questionnaire scores without their answers (`tj share
    --only ...scores`): what the therapist then never sees, and that no safety flag reaches
    them that way (a copy of some fields carries none)."""
    return (
        f"Note: {member} sees the score of each questionnaire you take, not your answers: of "
        "a PHQ-9, not how you answered item 9, and no safety flag can reach them through "
        "this copy."
    )


def ask_flags_stop(journal: str, member: str, reading: bool, yes: bool) -> None:
    """Say that safety flags of `journal` stop reaching `member` (`reading`: with the read
    role, `read_role_flags_text`; else by narrowing their share to some fields,
    `flags_stop_text`) and ask whether to go on (default no: click.Abort); `yes`: do not
    ask (NU24 C13)."""
    output.message(
        read_role_flags_text(journal, member) if reading else flags_stop_text(journal, member),
        wrap=True,
    )
    if not yes:
        output.confirm(
            f"Stop safety flags to {member} and give them the read role on {journal}?"
            if reading
            else f"Stop safety flags to {member} and share only some fields of {journal} "
            "with them?",
            default=False,
            abort=True,
            err=True,
            subject=FlagsWouldStop.subject,  # what the SDK refuses without the answer
        )


def read_role_flags_text(journal: str, member: str) -> str:
    """That the read role stops `member`'s safety flags of `journal` (a member who only
    reads could never mark one as read), and that the opt-in stands: the annotate role
    again makes them reach `member` again (role-flags fix)."""
    return (
        f"Safety flags of {journal} go to {member} now, and flags stop reaching {member} "
        f"with the read role: a member who only reads could never mark a flag as read, so a "
        f"PHQ-9 item 9 answered above 0 in {journal} seals no safety flag for {member} while "
        f"they only read. Your choice to send them flags stands: give them the annotate role "
        "again and flags reach them again, for what is answered from then on: "
        + output.command(
            ["tj", "share", output.journal_word(journal), member, "--role", "annotate"]
        )
    )


def flags_resume(shared: ShareInfo) -> bool:
    """Whether the annotate role this share's new terms gave makes safety flags reach the
    member again: the same membership held the read role before (`previous_role`, not
    ended), when the opt-in for it stood but reached nobody who only reads
    (`client.safety.flags_reach` "read"), and flags reach them now (`safety_flags`)."""
    return (
        shared.previous_role == "read"
        and not shared.previous_expired
        and shared.role == "annotate"
        and shared.safety_flags is True
    )


def flags_stand(shared: ShareInfo) -> bool:
    """Whether a share given anew without --safety-flags (a new membership, or the renewal of
    one that ended) carries safety flags all the same: the opt-in the client gave the member
    for an earlier share still names them (`safety_flags` True; not `flags_resume`, which says
    it its own way). Said as a first share says it (nu83 F7: sharing again after the member
    left)."""
    fresh = not shared.previous_role or shared.previous_expired
    return shared.safety_flags is True and fresh and not flags_resume(shared)


def flags_resume_text(shared: ShareInfo) -> str:
    """That safety flags reach the member again with the annotate role: the opt-in the
    client gave for this share was never withdrawn (the owner's signed plan names them for
    it; `flags_reach` "read" before, "on" now)."""
    journal, member = output.journal_word(shared.journal, shared.journal_id), shared.member
    stop = output.command(["tj", "share", journal, member, "--role", "read"])
    everyone = output.command(["tj", "safety", "plan", "--journal", journal, "--no-share-flags"])
    return (
        f"Safety flags: on again for {shared.member}. You chose to send them safety flags "
        f"for this share of {shared.journal}, and that choice stands: a PHQ-9 item 9 answered "
        f"above 0 in {shared.journal} from now on seals a safety flag for them (none for "
        f"what was answered while they only read). To stop that: {stop}, or for everyone: "
        f"{everyone}"
    )


def flags_worth_saying(shared: ShareInfo) -> bool:
    """Whether `tj share` (without --safety-flags) says that safety flags do not reach the
    member of this whole-journal share: they were opted in for an earlier share (a choice
    that counts for none now: NU25 C1, after --only then --full), they may add notes
    (annotate), the role flags need, or it renews a share that ran out (a renewal says
    plainly whether flags are on or off: rev-nu36a F1, F4)."""
    renewal = shared.previous_expired and shared.kind == "journal" and shared.fields is None
    paused = shared.safety_flags_read_role  # opted in, but only reads now (NU54 F11)
    return shared.safety_flags_earlier or shared.role == "annotate" or renewal or paused


def flags_off_text(shared: ShareInfo) -> str:
    """Safety flags are off for the member under this share, said plainly with the command
    that turns them on (the client's explicit opt-in; nothing is opted in for them)."""
    journal = output.journal_word(shared.journal, shared.journal_id)
    member = shared.member
    if shared.safety_flags_read_role:  # the opt-in stands; the read role pauses it
        return (
            f"Safety flags: off for {member} while they only read {output.named(shared.journal)}"
            " (a member who only reads could never mark a flag as read). Your choice to send "
            "them flags stands: give them the annotate role again and flags reach them "
            "again, for what is answered from then on: "
            + output.command(["tj", "share", journal, member, "--role", "annotate"])
        )
    if shared.safety_flags_earlier and shared.previous_expired:  # a renewal (rev-nu36a F1)
        why = (
            f"you chose to send them flags for an earlier share of {shared.journal}, and a "
            "renewal never carries that choice over by itself: add --safety-flags to keep "
            "sending them safety flags"
        )
    elif shared.safety_flags_earlier:
        why = (
            f"you chose to send them flags for an earlier share of {shared.journal}, and that "
            "choice does not carry over to this one"
        )
    elif shared.previous_expired:
        why = "you did not add --safety-flags to this renewal"
    else:
        why = "you have not chosen to send them flags"
    return (
        f"Safety flags: off for {shared.member}. When a PHQ-9 item 9 is answered above 0 in "
        f"{output.named(shared.journal)}, no safety flag is made for them under this share ({why}). To "
        "send them safety flags: "
        + output.command(["tj", "share", journal, member, "--role", "annotate", "--safety-flags"])
    )


WHOLE_JOURNAL = (
    "everything you keep in it, also what was written before: every entry in full (text, "
    "title, mood, tags, emotions), goals and their check-ins, questionnaire results with each "
    "item's answer, homework and any safety plan in it"
)
"""What a member of a whole journal reads (NU22 C2): every document the owner's devices
wrote in it, sealed again under the key of the grant (the snapshot, protocol.md 4.19).
Safety flags are shown only to the members the opt-in names (the --safety-flags line says
so); other members' notes are neither part of the share nor shown (protocol.md)."""


def copies_shared_beside(found: Iterable[ShareInfo], whole: ShareInfo) -> list[ShareInfo]:
    """The field-level copies of `whole.journal` still shared with `whole.member` (from
    `client.shares.list`: verified access chains), which a whole-journal share leaves on."""
    return [
        s
        for s in found
        if s.kind == "mirror"
        and s.source == whole.journal
        and s.member == whole.member
        and not s.expired
        and not s.unseen
    ]


def copy_stays_text(copy: ShareInfo, whole: ShareInfo) -> str:
    """Said after a whole-journal share when a field-level copy of that journal stays shared
    with the member beside it (NU29 F7): it is not ended by widening, and what ends both."""
    since = f" dated from {output.local_time(copy.since)}" if copy.since else ""
    return (
        f"{copy.member} also still reads the {plain_list(copy.fields or ())} of entries in "
        f"{whole.journal}{since} through the copy {output.quoted(copy.journal)}: it stays shared beside "
        "the whole journal (they see each entry once). To end both: "
        + output.command(
            ["tj", "unshare", output.journal_word(whole.journal, whole.journal_id), whole.member]
        )
    )


def kept_terms_text(shared: ShareInfo, journal_name: str) -> str:
    """What a whole-journal share kept of the field-level copy's share it replaced, given no
    --role or no --until (`ShareInfo.kept_terms`), and the command that changes it."""
    of = (
        f"{shared.member}'s share of {output.quoted(shared.kept_from)}"
        if shared.kept_from
        else (f"the share of some fields of {output.quoted(shared.journal)} with {shared.member}")
    )
    said = []
    base = ["tj", "share", journal_name, shared.member]
    if "end date" in shared.kept_terms and shared.expires_at is not None:
        said.append(
            f"The end date, {output.share_end(shared.expires_at)}, is the one {of} had (no "
            f"--until was given): for no end date, run {output.command([*base, '--until', 'never'])}."
        )
    if "role" in shared.kept_terms:
        other = "read" if shared.role == "annotate" else "annotate"
        said.append(
            f"The role, {shared.role}, is the one {of} had (no --role was given): to change "
            f"it, run {output.command([*base, '--role', other])}."
        )
    return " ".join(said)


def share_confirmation(
    shared: ShareInfo, flags_now_on: bool = False, started: datetime | None = None
) -> str:
    """What the member can read now, in plain words: the journal, the fields, what ended.
    `flags_now_on`: this command turned safety flags on for the member (said below it), so
    terms that stayed the same are not "nothing changed" (NU31 #6). `started`: when the
    command began (UTC); a field-level copy that began copying before it goes on from its
    own start, which is said ("dated from 2026-12-05 12:52"), not "from now on"."""
    terms = terms_words(shared.role, shared.expires_at)
    if shared.kind == "items" and shared.previous_role and not shared.previous_expired:
        return (  # new terms, told as such (NU26 C5)
            f"{changed_terms_text(shared, details=False).rstrip('.')}: they still see only "
            "what you shared with them in it, one item at a time, as you shared each; nothing "
            "more is shared."
        )
    if shared.kind == "items":  # what it holds, never "every entry" (NU21 C1)
        return (
            f"{shared_or_renewed(shared, terms)}: they still see "
            "only what you shared with them in it, one item at a time, as you shared each; "
            "nothing more is shared."
        )
    if shared.fields is None:
        return "\n".join(
            [
                changed_terms_text(shared, flags_now_on=flags_now_on)
                if shared.previous_role and not shared.previous_expired
                else f"{shared_or_renewed(shared, terms)}: after their next {output.their_command_text('tj sync')} "
                f"they read {WHOLE_JOURNAL}."
            ]
            + [
                f"{shared.member}'s share of the copy {name} has the same terms now."
                for name in shared.copies_too
            ]
        )
    written = (
        "entries and questionnaire results" if RESULT_FIELDS & set(shared.fields) else "entries"
    )
    member = shared.member
    send_one = f"{output.command(['tj', 'share-entry', 'ID', member])} sends an entry"
    if RESULT_FIELDS & set(shared.fields):
        send_one += f", {output.command(['tj', 'measure', 'share', 'ID', member])} a result"
    since = shared.since
    if started is not None:  # to the millisecond, as a copy's start is kept
        started = started.replace(microsecond=started.microsecond // 1000 * 1000)
    if since is not None and started is not None and since < started:  # the copy goes on
        dated = f"dated from {output.local_time(since)}, when its copy began"
    else:
        dated = "dated from now on"
    lines = [
        f"Shared only the {plain_list(shared.fields)} of {written} in "
        f"{shared.source} {dated} (nothing dated before, also when written later: "
        f"{send_one}) with {shared.member} "
        f"{terms}, as the journal {output.quoted(shared.journal)}; they see it after their next "
        f"{output.their_command_text('tj sync')}."
    ]
    for name in shared.ended:
        lines.append(
            f"{shared.member}'s share of {name} ended and its key was rotated: they cannot "
            f"read anything written in {name} from now on (what they already downloaded "
            "stays with them)."
        )
    return "\n".join(lines)


def shared_or_renewed(shared: ShareInfo, terms: str) -> str:
    """The first words of a share this device gave: "Shared Personal with drsmith (read)
    until 2027-06-30 (end of day)", or for one that renewed a share which had reached its
    end date (`ShareInfo.previous_expired`, NU30 #4: the renewing device said "Shared" while
    the account's other devices said "renewed"), what changed: "Renewed drsmith's share of
    Personal, which had ended on its end date, 2026-12-04 (end of day), to (read) until
    2027-06-30 (end of day)"."""
    if not (shared.previous_role and shared.previous_expired):
        return f"Shared {output.named(shared.journal)} with {shared.member} {terms}"
    return (
        f"Renewed {shared.member}'s share of {shared.journal}, which had ended "
        f"{lapsed_words(shared)}, to {terms}"
    )


def lapsed_words(shared: ShareInfo) -> str:
    """ "on its end date, 2026-12-04 (end of day)": when a renewed share had ended
    (`previous_expires_at`)."""
    ended = shared.previous_expires_at
    return f"on its end date, {output.share_end(ended)}" if ended else "on its end date"


ROLE_WORDS = {"annotate": "read and add notes", "read": "read"}


def terms_words(role: str, expires_at: datetime | None, bare: bool = False) -> str:
    """ "(read and add notes) until 2027-06-30 (end of day)", "(read), with no end date";
    `bare`: the role without brackets ("read, with no end date")."""
    ending = f" {end_text(expires_at)}" if expires_at else ", with no end date"
    said = ROLE_WORDS.get(role, role)
    return f"{said if bare else f'({said})'}{ending}"


def changed_terms_text(
    shared: ShareInfo, details: bool = True, *, flags_now_on: bool = False
) -> str:
    """New terms of a member's share of the whole journal, told as a change (NU26 C5: "a
    role-only change reads like a brand-new share"): the terms now and before, from the
    verified chain the change was signed on, and (`details`) what the change allows or
    stops. `flags_now_on`: the same command turned safety flags on for the member, so
    unchanged terms are said to stay, never "nothing changed" (NU31 #6)."""
    now = terms_words(shared.role, shared.expires_at)
    before = terms_words(shared.previous_role, shared.previous_expires_at)
    who, journal = shared.member, shared.journal
    if now == before and flags_now_on:
        return f"{who} already reads {journal} {now}, as before; what changed: safety flags."
    if now == before:
        return f"{who} already reads {journal} {now}: nothing changed."
    # the terms plain, then the old ones in brackets (NU46 #12: "to (read and add notes)")
    now_plain = terms_words(shared.role, shared.expires_at, bare=True)
    before_plain = terms_words(shared.previous_role, shared.previous_expires_at, bare=True)
    said = [f"Changed {who}'s share of {journal} to {now_plain} (it was {before_plain})."]
    if not details:
        return said[0]
    if (shared.previous_role, shared.role) == ("read", "annotate"):
        said.append(
            f"After their next {output.their_command_text('tj sync')} {who} may also add notes, prompts and assignments "
            "to it and mark safety flags read; they read what they read before, nothing more."
        )
    elif (shared.previous_role, shared.role) == ("annotate", "read"):
        said.append(
            f"After their next {output.their_command_text('tj sync')} {who} still reads everything in it but can no longer "
            "add notes, prompts or assignments, nor mark safety flags read (what they added "
            "stays)."
        )
    else:
        said.append(f"Only its end changed: {who} reads what they read before, as before.")
    return " ".join(said)


RESULT_FIELDS = {"scores", "answers"}
"""The fields of `--only` that carry questionnaire results (care_disclosure.py)."""


def earlier_results_text(
    shared: ShareInfo, earlier: list[MeasureResult], downloaded: bool = False, total: int = 0
) -> list[str]:
    """A field-level share carries only what is dated from now on: say so of the
    questionnaire results already in the journal, which it never sends (NU21 C12), and
    how to send one (`tj measure share`). Nothing is shared without the client's say.
    `earlier`: only those no journal kept for the member carries (R33 F1); `downloaded`:
    the member read the whole journal once, so they may have them on their device;
    `total`: how many results the journal holds (the others were sent to the member
    before), so the count is never read as all of them."""
    fields = set(shared.fields or ())
    if not fields & RESULT_FIELDS or not earlier:
        return []
    latest = max(earlier, key=lambda r: r.taken_at)
    when = output.local_time(latest.taken_at)
    count = (
        "1 questionnaire result" if len(earlier) == 1 else f"{len(earlier)} questionnaire results"
    )
    others = ""
    if total > len(earlier):  # "1 of the 3 ...": the others were sent before (NU64 F19)
        sent = total - len(earlier)
        count = f"{len(earlier)} of the {total} questionnaire results already in {shared.source}"
        others = (
            f" ({shared.member} already has the other {'one' if sent == 1 else sent}, sent "
            "before in a copy or one by one)"
        )
    else:
        count = f"the {count} already in {shared.source}"
    concern = sum(r.safety_concern for r in earlier)
    verb = "has" if concern == 1 else "have"  # "1 of them has" (NU55 F10)
    item9 = (
        f"; {'it has' if len(earlier) == 1 else f'{concern} of them {verb}'} item 9 answered above 0"
        if concern
        else ""
    )
    them = "it" if len(earlier) == 1 else "them"
    seen = (
        f"{shared.member} may have downloaded {them} while reading the whole journal (a "
        "member keeps what they downloaded)"
        if downloaded
        else f"so {shared.member} does not see {them}"
    )
    flagged = [r for r in earlier if r.safety_concern]
    chosen = max(flagged, key=lambda r: r.taken_at) if flagged else latest
    lines = [
        f"Not shared: {count} (the latest: the {latest.name} of "
        f"{when}, score {latest.score}{item9}): this share carries only results dated "
        f"from now on, {seen}{others}.",
    ]
    which = (
        f" (the {chosen.name} of {output.local_time(chosen.taken_at)}, with item 9 answered "
        "above 0)"
        if chosen.safety_concern and len(earlier) > 1
        else ""
    )
    lines.append(
        f"  To send one to {shared.member}{which}: "
        + send_result_text(chosen, shared.member, "answers" in fields)
        + "; other results: "
        + output.command(["tj", "measure", "list", "--journal", source_word(shared)])
    )
    return lines


def send_result_text(result: MeasureResult, member: str, answers: bool) -> str:
    """The command that sends `result` alone to `member` (`tj measure share`): with its
    answers where the share carries them or where a safety item was answered above 0 (the
    one a client in a hard moment pastes must not hide that answer: NU64 F19), then the
    score-only form; else the score only, as a share of scores carries it."""
    short = output.short_id(result.id)
    whole = output.command(["tj", "measure", "share", short, member])
    score = output.command(["tj", "measure", "share", short, member, "--without-answers"])
    if answers:
        return whole
    if result.safety_concern:
        return f"{whole} (with your answers, so {member} sees item 9 too); the score only: {score}"
    return score


def score_only_results_text(shared: ShareInfo, results: list[MeasureResult]) -> list[str]:
    """After a share that now carries answers (`tj share --only ...answers`): the results
    `shared.member` holds only by their score (an earlier copy of scores, or `tj measure
    share --without-answers`), which it does not send again, each PHQ-9 with item 9 answered
    above 0 named first, with the command that sends it with its answers (NU64 F13)."""
    if not results:
        return []
    member = shared.member
    flagged = [r for r in results if r.safety_concern]
    count = output.plural(len(results), "questionnaire result", "questionnaire results")
    lines = [
        f"{member} has {count} of {shared.source} only by {'its' if len(results) == 1 else 'their'} "
        f"score, without your answers (shared before as scores only); this share does not send "
        f"{'it' if len(results) == 1 else 'them'} again."
    ]
    for result in (flagged or results)[:3]:
        item9 = "; item 9 answered above 0" if result.safety_concern else ""
        lines.append(
            f"  The {result.name} of {output.local_time(result.taken_at)} (score "
            f"{result.score}{item9}), with its answers: "
            + output.command(["tj", "measure", "share", output.short_id(result.id), member])
        )
    if len(results) > len(lines) - 1:
        lines.append(
            "  The others: "
            + output.command(["tj", "measure", "list", "--journal", source_word(shared)])
            + " lists them"
        )
    return lines


async def written_while_ended(
    client: Client, journal: str, shared: ShareInfo, renewed_at: datetime
) -> list[list[Any]]:
    """For a copy of some fields renewed after its end date passed (`shared`, as `grant`
    returned it: `previous_expired`): the results of `journal` it does not carry (when it
    carries scores or answers: `Shares.unshared_results`, also those dated before it began)
    and the entries with a mood written from that end (`previous_expires_at`) to the
    renewal (`renewed_at`, when it carries mood): a copy carries only what is written while
    it is in force, and the renewal does not send them (the owner decides: `tj measure
    share`, `tj share-entry`). [results, entries], each newest first; [] when there are
    none."""
    ended = shared.previous_expires_at
    fields = set(shared.fields or ())
    if ended is None:
        return []
    results: list[MeasureResult] = []
    if fields & RESULT_FIELDS:
        # every one it lacks: those dated before it began (told when it was made) and
        # those of the days it had ended (a device's clock decides which a result is)
        results, _ = await client.shares.unshared_results(journal, shared.member)
    entries = []
    if "mood" in fields:
        written = await client.entries.list(journal, since=ended)
        entries = [e for e in written if e.mood is not None and e.created_at <= renewed_at]
    return [results, entries] if results or entries else []


def gap_text(shared: ShareInfo, results: list[MeasureResult], entries: list[Any]) -> str:
    """What a renewed copy of some fields does not carry (`written_while_ended`): "Not
    shared: 2 questionnaire results and 1 entry's mood written while this share had ended
    (from 2026-12-07 03:24): renewing it does not send them, so drsmith does not see them.
    To send one: ..."."""
    parts = []
    if results:
        parts.append(output.plural(len(results), "questionnaire result", "questionnaire results"))
    if entries:
        parts.append(
            f"{output.plural(len(entries), 'entry', 'entries')}' mood".replace(
                "entry' mood", "entry's mood"
            )
        )
    them = "it" if len(results) + len(entries) == 1 else "them"
    sends = []
    if results:
        flagged = [r for r in results if r.safety_concern]
        chosen = flagged[0] if flagged else results[0]
        item9 = ", with item 9 answered above 0" if chosen.safety_concern else ""
        sends.append(
            f"the {chosen.name} of {output.local_time(chosen.taken_at)}{item9}: "
            + send_result_text(chosen, shared.member, "answers" in (shared.fields or ()))
        )
    if entries:
        sends.append(
            f"the mood of {output.local_time(entries[0].created_at)}: "
            + output.command(
                [
                    "tj",
                    "share-entry",
                    output.short_id(entries[0].id),
                    shared.member,
                    "--only",
                    "mood",
                ]
            )
        )
    when = []
    if results:
        when.append(
            f"{'the result' if len(results) == 1 else 'the results'} dated before it began or"
        )
    when.append(f"written while it had ended ({lapsed_words(shared)})")
    return (
        f"Not shared: {' and '.join(parts)} ({' '.join(when)}): this copy carries only what "
        f"is written while it is in force, and renewing it does not send {them}, so "
        f"{shared.member} does not see {them}. To send one: {'; '.join(sends)}; the others: "
        + output.command(["tj", "measure", "list", "--journal", source_word(shared)])
        + (
            " and " + output.command(["tj", "list", "--journal", source_word(shared)])
            if entries
            else ""
        )
        + "."
    )


def source_word(shared: ShareInfo) -> str:
    """The source journal of a copy kept for a member as a printed command names it
    (`output.journal_word`: by its id when its name would not paste back)."""
    return output.journal_word(shared.source or "", shared.source_id or "")


def kept_limited(shared: ShareInfo) -> str:
    """A new role or end date for a member who reads only some fields: the share stays as
    limited as it was, and the way to widen it is named, never taken."""
    terms = terms_words(shared.role, shared.expires_at)
    source = source_word(shared)
    member = shared.member
    if shared.whole_too:  # the source's signed chain: they read all of it (R33 F2)
        change = ["tj", "share", source, member, "--role", "ROLE", "--until", "DATE"]
        some = ["tj", "share", source, member, "--only", "FIELDS"]
        return (
            f"New terms for {shared.member} in {output.quoted(shared.journal)} {terms}, the copy "
            f"of the {plain_list(shared.fields or ())} of {shared.source}. {shared.member} "
            f"also reads the whole of {shared.source} (every entry in full), whose terms did "
            f"not change. To change them there: {output.command(change)}; to share only some "
            f"fields of it: {output.command(some)}"
        )
    was = terms_words(shared.previous_role, shared.previous_expires_at, bare=True)
    changed = (
        f" (renewed: it had ended {lapsed_words(shared)})"
        if shared.previous_role and shared.previous_expired  # NU30 #4
        else f" (it was {was})"
        if shared.previous_role and was != terms_words(shared.role, shared.expires_at, True)
        else ""
    )  # NU26 C5: new terms told as a change
    return (
        f"{shared.member} still reads only the {plain_list(shared.fields or ())} of "
        f"{shared.source} {terms}{changed}, as the journal {output.quoted(shared.journal)}: nothing "
        "more is shared. To share the whole journal instead (everything you keep in it, also what "
        "was written before: the full text of every entry, goals, questionnaire answers, "
        "homework and any safety plan): "
        + output.command(["tj", "share", source, member, "--full"])
    )


again_option = click.option(
    "--yes",
    "-y",
    is_flag=True,
    help="Do not ask before sharing again what the journal kept for THERAPIST still holds, "
    "when their share of it was ended, nor before --fingerprint replaces other keys this "
    "device holds for THERAPIST (for scripts).",
)


@cli.command("share-entry")
@click.argument("entry_id", metavar="ENTRY_ID")
@click.argument("therapist")
@only_option
@fingerprint_option
@trust_option
@again_option
@json_option
@pass_home
def share_entry(
    home: Home,
    entry_id: str,
    therapist: str,
    only: list[str] | None,
    fingerprint: str | None,
    trust_on_first_use: bool,
    yes: bool,
    as_json: bool,
) -> None:
    """Share one entry with THERAPIST, without opening the journal it is in.

    The entry (or only the fields given with --only) is copied into a journal kept for
    that therapist, "Shared with THERAPIST"; the rest of your journals stay private. If
    you had ended their share of that journal (`tj unshare`), sharing one entry shares it
    again, and they would also read what it still holds: each item is named and you are
    asked first (default: no; --yes does not ask). The copy is the entry as it is now: a
    later edit is not sent (run this again to send it); moving the entry to the trash,
    restoring it or deleting it for good does the same to the copy.

    \b
    Examples:
      tj share-entry 3fa9c2 drsmith --fingerprint "12345 67890 12345 67890 12345 67890"
      tj share-entry 3fa9c2 drsmith --only mood,tags
    """

    pinned_now: list[bool] = []  # --trust-on-first-use took keys never compared: said

    def grant(again: tuple[str, ...]) -> Callable[[Client], Awaitable[tuple[ShareInfo, str]]]:
        async def work(client: Client) -> tuple[ShareInfo, str]:
            # the entry the prefix names, to say which was shared (NU32 #12)
            full_id = (await client.entries.get(entry_id, include_trashed=True)).id
            if trust_on_first_use and fingerprint is None and not pinned_now:
                pinned_now.append(await pinned_on_first_use(client, therapist))
            shared = await client.shares.grant_entry(
                full_id,
                therapist,
                only=only,
                fingerprint=fingerprint,
                trust_on_first_use=trust_on_first_use,
                again=again,
            )
            return shared, full_id

        return work

    confirm_fingerprint(home, therapist, fingerprint, yes)
    (shared, full_id), note = share_item(home, grant, f"entry {entry_id}", yes)
    if as_json:
        output.print_json(shared.to_dict())
    else:  # its id as `tj write` and `tj edit` show it, not the prefix typed
        what = f"Shared entry {output.short_id(full_id)}"
        if only:  # what of it went (NU46 #12)
            what += f" (only its {output.plain_list(only)})"
        output.message(f"{items_shared(what, shared.member, shared.journal)}; {note}.", wrap=True)
        if any(pinned_now):
            output.message(pinned_unverified_text(shared.member), wrap=True)


async def pinned_on_first_use(client: Client, member: str) -> bool:
    """Whether a share with `member` given --trust-on-first-use (and no --fingerprint) takes
    keys this device never compared: none are pinned for them here, nor named by a chain of
    this account's own (`Shares.check_keys_known` asks for the fingerprint). Any other
    refusal is left to the share itself, which says it."""
    from client_sdk.errors import InvalidInput, TJError

    try:
        await client.shares.check_keys_known(member)
    except InvalidInput as needed:
        return needed.subject == "fingerprint"
    except TJError:
        return False
    return False


def pinned_unverified_text(member: str) -> str:
    """What a share by trust on first use leaves undone, and how to do it: "drlee's keys were
    taken as the server gave them, without comparing fingerprints (trust on first use) ..."."""
    return (
        f"Note: {member}'s keys were taken as the server gave them, without comparing "
        "fingerprints (trust on first use), so nothing yet proves they are theirs. To "
        f"compare later: ask {member} to read out their "
        f"{output.their_command_text('tj fingerprint')}, check it against "
        f"{output.command(['tj', 'fingerprint', member])}, and if they match run "
        f"{output.command(['tj', 'verify', member, 'FINGERPRINT'])}."
    )


def share_item(
    home: Home,
    grant: Callable[[tuple[str, ...]], Callable[[Client], Awaitable[T]]],
    what: str,
    yes: bool,
) -> tuple[T, str]:
    """Share one item (`grant(again)`, then sync), into the journal of single items kept for
    the member: when their share of it had ended, the SDK names what it still holds, which
    they would read again (SharedAgain, NU24 C8); say each item and ask (default no; `yes`
    does not ask), then share with exactly those agreed to."""
    try:
        return home.run(partial(then_sync, grant(())))
    except SharedAgain as asked:
        agree_to_share_again(asked, what, f"{what} alone", yes)
        return home.run(partial(then_sync, grant(tuple(i.id for i in asked.items))))


def agree_to_share_again(asked: SharedAgain, what: str, alone: str, yes: bool) -> None:
    """Say what sharing `what` would give again (`shared_again_lines`) and ask (default no,
    aborting; `yes` does not ask)."""
    for line in shared_again_lines(asked, what, alone):
        output.message(line, wrap=True)
    if not yes:
        output.confirm(
            f"Share {'it' if len(asked.items) == 1 else 'them'} with {asked.member} again "
            f"too, with {what}?",
            default=False,
            abort=True,
            err=True,
            subject=asked.subject,  # "shared again"
        )


def shared_again_lines(asked: SharedAgain, what: str, alone: str) -> list[str]:
    """What sharing `what` would give again (NU24 C8): one line per item, and how to share
    `alone` instead (move the others to the trash: a new member never gets what is in the
    trash)."""
    count = output.plural(len(asked.items), "item", "items")
    lines = [
        f"{asked.member}'s share of {output.quoted(asked.journal)} ended. Sharing {what} with them "
        f"shares that journal again, and they would also read the {count} it still holds "
        "(shared with them before):"
    ]
    for item in asked.items:
        when, short = output.local_time(item.at), output.short_id(item.id)
        if item.kind == "entry":
            lines.append(f"- your entry {short} of {when} ({item.summary})")
        else:
            lines.append(f"- your {item.summary} of {when} ({short})")
    lines.append(
        f"To share {alone}, move those to the trash first ({output.command_text('tj delete ID')}; a result: "
        f"{output.command_text('tj measure delete ID')}), then share it again."
    )
    return lines


def items_shared(what: str, member: str, journal: str) -> str:
    """ "Shared entry 3fa9 with drsmith, in the journal "Shared with drsmith" that holds what
    you share with them one item at a time (to stop: `tj unshare ...`)"."""
    return (
        f"{what} with {member}, in the journal {output.quoted(journal)} that holds what you share with "
        "them one item at a time (to stop: "
        + output.command(["tj", "unshare", output.journal_word(journal), member])
        + ")"
    )


@cli.command()
@click.argument("journal_name", metavar="JOURNAL", type=PLAIN_NAME)
@click.argument("therapist")
@click.option(
    "--yes",
    "-y",
    is_flag=True,
    help="Do not ask, even if THERAPIST may not have received a safety flag or result "
    "(for scripts).",
)
@click.option(
    "--new-key",
    is_flag=True,
    help="For a THERAPIST the journal was never shared with as far as this device knows (a "
    "share made on another of your devices that has not synced yet): give the journal a new "
    "key anyway, so that share can never start. Without it such a name (a typo, most often) "
    "changes nothing.",
)
@json_option
@pass_home
def unshare(
    home: Home, journal_name: str, therapist: str, yes: bool, new_key: bool, as_json: bool
) -> None:
    """Stop sharing JOURNAL with THERAPIST, now, in every way it reaches them.

    Their share of JOURNAL ends, and so does each field-level copy of it kept for them
    (made by `tj share JOURNAL THERAPIST --only ...`). The server stops serving them at
    once and each of those journals gets a new key, so nothing you write from now on can
    be read by them. They keep what they already downloaded; what they had not downloaded
    never reaches them. If that may include a safety flag they have not marked read, or a
    PHQ-9 with item 9 answered above 0 (for a member with the annotate role), you are told
    and asked first (Enter stops sharing, as asked; --yes does not ask). Each field-level copy stays on your devices, shared with nobody
    (it holds the notes THERAPIST wrote there, and sharing the same fields again takes it
    up again, asking first): you are told what it holds and how to delete it (`tj journal
    delete COPY`); `tj shares` lists it until then.

    \b
    Example:
      tj unshare Personal drsmith
    """
    therapist = normalize_username(therapist)  # the name used, said as such in every line
    held: list[Departure] = []  # the first sync's notices: told unless this command says them
    again = output.command(["tj", "unshare", output.journal_word(journal_name), therapist])
    try:
        try:
            pending = home.run(partial(undelivered_before, journal_name, therapist, held=held))
        except NetworkError as error:  # before anything is signed: said so (NU36 #12)
            if not home.run(partial(still_shared_here, journal_name, therapist)):
                # NU65 F15: a share this device ended already was said to be "still read"
                shares = output.command([*profile_words(home.path), "shares"])
                raise Failed(
                    f"{error}: this device's record says {therapist} no longer reads "
                    f"{output.named(journal_name)} (the share was ended), so there is nothing "
                    f"to end offline; once the server answers, {again} checks that no other "
                    f"of your devices shared it again ({shares} lists who reads your journals)",
                    error.subject,
                ) from None
            raise Failed(
                f"{error}: {therapist} still reads {output.named(journal_name)}, nothing was "
                f"changed; run "
                f"{again} again once the server answers",
                error.subject,
            ) from None
        if pending:
            for line in undelivered_text(
                therapist, journal_name, pending, "you stop sharing"
            ).splitlines():
                output.message(line, wrap=True)  # one item per line (NU20 C13)
            if not yes:  # Enter ends it, as asked (NU65 F17: Enter kept the share going)
                output.confirm(
                    f"Stop sharing {output.named(journal_name)} with {therapist} anyway?",
                    default=True,
                    abort=True,
                    err=True,
                )

        async def revoke(
            client: Client,
        ) -> tuple[Journal, list[ShareInfo], EndedShares, list[ShareInfo]]:
            journal = await client.journals.get(journal_name)  # as typed: a name, an id
            briefs = await live_briefs(therapist, client)  # before: what stays said after
            ended = await client.shares.revoke(
                journal_name, therapist, new_key_if_not_shared=new_key
            )
            return journal, briefs, ended, await live_shares(therapist, client)

        started = datetime.now(UTC)  # what ended at or after it: this unshare's (not one before)
        try:
            journal, briefs, ended, others = home.run(revoke)
        except NotShared as error:  # a typo, most often: nothing changed (a share made
            # elsewhere and not synced yet is why `--new-key` exists)
            anyway = output.command(
                ["tj", "unshare", output.journal_word(journal_name), therapist, "--new-key"]
            )
            if home.run(partial(no_such_account, therapist)):  # no share can be pending
                raise Failed(
                    f"{error}; no account is named {output.quoted(therapist)} on the server",
                    "account",
                ) from None
            raise Failed(
                f"{error}. If you shared it with {therapist} on another of your devices that "
                f"has not synced yet, {anyway} gives the journal a new key, so that share can "
                "never start",
                error.subject,
            ) from None
        except NetworkError as error:  # the server went away meanwhile (NU36 #12)
            raise Failed(
                f"{error}: the share may not have ended; once the server answers, {output.command_text('tj shares')} "
                f"says whether {therapist} still reads {output.named(journal_name)}, and {again} "
                "ends it",
                error.subject,
            ) from None
    except ShareAlreadyEnded as gone:  # as asked: exit 0 (NU21 C4)
        # The share another of the user's devices ended is said here, once (NU21 C4), and
        # so not again by the next `tj sync` as "Earlier" (NU44 F6).
        said = [d for d in held if ended_here(d, journal_name, therapist)]
        tell_held([d for d in held if d not in said])
        output.message(f"{str(gone)[:1].upper()}{str(gone)[1:]}.", wrap=True)
        if said:
            home.run(lambda client: client.mark_news_seen(said))
        if as_json:
            output.print_json({"action": "unchanged", "member": therapist, "already_ended": True})
        return
    except BaseException:
        tell_held(held)
        raise
    tell_held(held)
    if any(b.journal_id == journal.id for b in briefs):  # written once: no "from now on"
        output.message(
            f"Stopped sharing your pre-session brief {output.quoted(journal.name)} with {therapist} (they "
            "keep what they already downloaded).",
            wrap=True,
        )
    else:
        output.message(unshare_confirmation(journal.name, therapist, ended), wrap=True)
    if ended.kept:
        named = home.run(partial(command_names, [k.journal_id for k in ended.kept]))
        for copy in ended.kept:  # what became of each copy (NU28 C2)
            # wrapped, its command whole, to copy (NU49 F1)
            output.message(kept_copy_text(copy, named.get(copy.journal_id, "")), wrap=True)
    # the copies it ended end their assignments too, as `tj share --only` says of a copy
    stopped = home.run(
        lambda client: assignments_ended_with(client, (journal_name, *ended), therapist, started)
    )
    if stopped:
        output.message(ended_with_share_text(stopped), wrap=True)
    told_of = {*ended.still_reading, *ended.may_still_read}
    still = [  # every other thing still shared with them (NU51 F7), briefs last (NU48 #1)
        live
        for live in others
        if live.journal_id != journal.id and live.journal not in told_of and live.kind != "brief"
    ] + [live for live in briefs if live.journal_id != journal.id]
    if as_json:  # the lines below say what it did not end, as `tj shares --json` lists them
        output.print_json(
            {
                "action": "unshared",
                "journal_id": journal.id,
                "journal": journal.name,
                "member": therapist,
                "ended": list(ended),
                "kept_copies": [copy.journal_id for copy in ended.kept],
                "still_reading": list(ended.still_reading),
                "still_shared": [still_shared_dict(live) for live in still],  # NU75 F3
                "undelivered": [item.to_dict() for item in pending],
                "assignments_ended": [a.id for a in stopped],
            }
        )
    for kept, how in [(k, "still reads") for k in ended.still_reading] + [
        (k, "may still read (its signed history has a problem here)") for k in ended.may_still_read
    ]:  # not ended by this command: say so (R33 F3)
        output.message(
            f"{therapist} {how} what you shared with them of {journal_name} in {output.quoted(kept)}: to "
            "end that too: "
            + output.command(["tj", "unshare", output.journal_word(kept), therapist]),
            wrap=True,
        )
    for live in still:
        if live.kind == "brief":
            continue
        output.message(
            f"{therapist} still reads {still_shared_words(live)}; this ends it:", wrap=True
        )
        unshare = ["tj", "unshare", output.journal_word(live.journal, live.journal_id), therapist]
        output.message(f"  {output.command(unshare)}")
    for live in still:  # a brief is its own share: not ended with the journal (NU48 #1)
        if live.kind != "brief":
            continue
        until = f" until {output.share_end(live.expires_at)}" if live.expires_at else ""
        output.message(
            f"Your pre-session brief {output.quoted(live.journal)} stays readable by {therapist}{until}; "
            "this ends it now:",
            wrap=True,
        )  # the command on its own line, whole, to copy (REV-S9B S9B-4)
        unshare = ["tj", "unshare", output.journal_word(live.journal, live.journal_id), therapist]
        output.message(f"  {output.command(unshare)}")


def still_shared_dict(live: ShareInfo) -> dict[str, Any]:
    """One thing `tj unshare --json`'s "still_shared" lists, as its text names it: a journal,
    a field-level copy or a pre-session brief still shared with the member after the
    unshare: `{"journal", "journal_id", "kind", "expires_at"}` (`ShareInfo`'s; `expires_at`
    ISO 8601 UTC or null)."""
    from client_sdk.models import json_time

    return {
        "journal": live.journal,
        "journal_id": live.journal_id,
        "kind": live.kind,
        "expires_at": json_time(live.expires_at) if live.expires_at else None,
    }


async def live_shares(member: str, client: Client) -> list[ShareInfo]:
    """What this account still shares with `member` (not ended; a share this device cannot
    see the copy of included), as this device's verified chains say (no request), by
    journal name."""
    wanted = normalize_username(member)
    found = [
        share
        for share in await client.shares.list(local_only=True)
        if share.member == wanted and not share.expired
    ]
    return sorted(found, key=lambda s: (s.journal.casefold(), s.journal_id))


def still_shared_words(share: ShareInfo) -> str:
    """What `share` gives its member, in a sentence of `tj unshare`: "'Work' (the whole
    journal)", "'Work (mood, tags) for drlee' (mood, tags of Work's entries)", "'Shared with
    drlee' (what you shared with them one item at a time)"."""
    name = output.quoted(share.journal)
    if share.kind == "items":
        return f"{name} (what you shared with them one item at a time)"
    if share.kind == "mirror":
        fields = ", ".join(share.fields) if share.fields else "some fields"
        source = f" of {output.quoted(share.source)}" if share.source else ""
        return f"{name} (a copy with {fields}{source})"
    return f"{name} (the whole journal)"


async def live_briefs(member: str, client: Client) -> list[ShareInfo]:
    """The pre-session briefs this account shares with `member` that have not ended, as this
    device's verified chains say (no request)."""
    wanted = normalize_username(member)
    return [
        share
        for share in await client.shares.list(local_only=True)
        if share.kind == "brief" and share.member == wanted and not share.expired
    ]


async def assignments_ended_now(
    client: Client, journal: str, member: str, since: datetime | None = None
) -> list[Assignment]:
    """The assignments `member` made in `journal` that ended with their share, at `since` or
    later (default: the last minute, and a second before it): what this command's change
    ended (NU22 C10); a one-off done before is left out (done stays done: nothing of it was
    due any more). Give `since` as the command's start, taken before its change: an end
    signed before it (an earlier command's, even a moment ago) is not this one's."""
    if since is None:
        since = datetime.now(UTC) - timedelta(minutes=1, seconds=1)
    else:  # to the millisecond, as the signed end is kept: signed after it, by this clock
        since = since.replace(microsecond=since.microsecond // 1000 * 1000)
    wanted = normalize_username(member)
    done = {
        d.assignment.id
        for d in await client.assignments.due(journal, include_done=True, include_ended=True)
        if d.status == "done"
    }
    return [
        a
        for a in await client.assignments.ended(journal)
        if a.assigned_by == wanted
        and a.id not in done
        and a.share_ended is not None
        and a.share_ended.at is not None
        and a.share_ended.at >= since
    ]


async def assignments_ended_with(
    client: Client, journals: Iterable[str], member: str, since: datetime | None = None
) -> list[Assignment]:
    """`assignments_ended_now` of each of `journals` (a journal and the copies kept for
    `member` that the same change ended: `ShareInfo.ended`, `EndedShares`), each assignment
    once, in that order."""
    found: list[Assignment] = []
    for name in journals:
        for gone in await assignments_ended_now(client, name, member, since):
            if all(a.id != gone.id for a in found):
                found.append(gone)
    return found


def ended_with_share_text(ended: list[Assignment]) -> str:
    """What a share's end did to the assignments made in it, said by `tj share --only` and
    `tj unshare`: "drsmith's 2 assignments in Personal (...) ended with this share: ..."."""
    from cli.care_views import every_text

    what = ", ".join(f"{a.title} {every_text(a)}" for a in ended)
    count = "assignment" if len(ended) == 1 else f"{len(ended)} assignments"
    they = "it is" if len(ended) == 1 else "they are"
    return (
        f"{ended[0].assigned_by}'s {count} in {ended[0].journal} ({what}) ended with this "
        f"share: {they} no longer due ({output.command_text('tj assignments --all')} lists them)."
    )


def ended_here(d: Departure, journal: str, member: str) -> bool:
    """Whether `d` says that `member`'s share of `journal` (or of a copy of it kept for them)
    was ended from one of this account's devices: what `tj unshare JOURNAL MEMBER` says
    itself when it finds the share already ended."""
    return (
        d.reason == departures.UNSHARED
        and not d.owner
        and d.member == normalize_username(member)
        and journal in (d.journal, d.source)
    )


def tell_held(held: list[Departure]) -> None:
    """Tell the notices `synced_first` held (`output.tell_departures`), once."""
    from client_sdk.sync import SyncReport

    output.tell_departures(SyncReport(departures=list(held)))
    held.clear()


async def no_such_account(username: str, client: Client) -> bool:
    """Whether the server says no account bears `username` (one it never knew here: NU62 F12,
    `--new-key` was offered for a share with a mistyped name that no device can have made);
    False when it does, or cannot say now."""
    try:
        await client.shares.fingerprint(username)
    except NotFound as error:
        return error.subject == "account"  # not ACCOUNT_GONE: never an account this device knew
    except TJError:
        return False
    return False


async def undelivered_before(
    journal: str,
    member: str,
    client: Client,
    *,
    copies: bool = True,
    held: list[Departure] | None = None,
) -> list[Undelivered]:
    """Sync first (the member's latest acknowledgements), then what `member` may not have
    received of `journal` (`client.shares.undelivered`; `copies=False`: of the journal
    itself, which a narrowing `--only` ends, not of the copies kept for them). `held`: see
    `synced_first`. Ending or narrowing a share needs the server: an unreachable one raises
    NetworkError here, before any question (NU24 C2)."""
    await synced_first(client, "checking", held, needs_server=True)
    return await client.shares.undelivered(journal, member, copies=copies)


NEVER = "never"
"""`not_reading_now`: the member never read the journal, by its verified chain."""
ENDED = "ended"
"""`not_reading_now`: the member's share of the journal ended (its end date passed, or it
was ended): they did not read what was written since."""
EARLIER = "earlier"
"""`not_reading_now`: the member never read the journal, by its verified chain, but an
earlier account that bore their username did, until its share ended (an erased account
frees its name, which may be another person's now)."""


def ask_share_all(journal: str, member: str, *, ended: bool, earlier: bool = False) -> None:
    """Say what sharing all of `journal` with `member`, who does not read it now (`ended`:
    their share of it ended; `earlier`: they never read it, an earlier account under their
    name did), gives them (`new_reader_text`), and ask; default no, aborting (`--full`
    answers it)."""
    output.message(new_reader_text(journal, member, ended, earlier), wrap=True)
    output.confirm(
        f"Share all of {journal} with {member}?", default=False, abort=True, err=True, skip="--full"
    )


async def not_reading_now(
    journal: str, member: str, fingerprint: str | None, client: Client
) -> str | None:
    """Why `member` does not read `journal` (one of this account's, by name) now, by the
    access chains this device verified (`Journals.readers`, `Shares.list(local_only=True)`:
    no network, so a server failing a request cannot skip the question: rev30d F3), for the
    account the share goes to (`Shares.member_id`: the one `fingerprint`, the share's
    `--fingerprint`, matches, else the one pinned here; the server is asked only for a
    fingerprint matching no keys held here, its answer taken only if it matches; when that
    account cannot be told, shares are matched by name as before), never another that
    bore the name (rev31e F2: a name an erased account freed may be another person's now): NEVER
    (they never did, or the chains cannot be read here), EARLIER (they never did, but an
    earlier account under the name did) or ENDED (their share of it ended,
    so they did not read what was written since: rev30d's note, as the import's advice,
    `ImportReport.flags_default_readers`, counts only who reads it now). Then `tj share
    --safety-flags` shares the whole journal with them first (rev30c F2: an import's
    advice to opt in shared a private diary unasked), so it asks, whatever this device
    holds of the journal: entries written on another device and not synced here, or
    withheld by a server (trusted for availability only), are shared too (rev30d F1), and
    an empty journal is cheap to ask about. None, no question, for someone reading it now
    (the whole journal, or some fields of it: `tj share` then refuses without --full), a
    journal kept only to share with a member, or one this device cannot find (left to
    `Shares.grant` to refuse)."""
    try:
        found = await client.journals.get(journal)
    except TJError:
        return None
    if found.helper is not None:
        return None
    name = normalize_username(member)
    try:
        readers = await client.journals.readers(journal)
        shares = await client.shares.list(local_only=True)
        account = await client.shares.member_id(name, fingerprint=fingerprint)
    except TJError:
        return NEVER
    named = [s for s in shares if s.member == name and found.id in (s.journal_id, s.source_id)]
    theirs = named if account is None else [s for s in named if s.member_id == account]
    if name in readers and any(not s.expired for s in theirs):
        return None
    if any(s.journal_id == found.id for s in theirs):
        return ENDED
    return EARLIER if any(s.journal_id == found.id for s in named) else NEVER


async def refused_before_asked(
    journal: str,
    member: str,
    fingerprint: str | None,
    client: Client,
    *,
    trust_on_first_use: bool = False,
) -> None:
    """Raise what `tj share JOURNAL MEMBER --safety-flags --role ROLE` (no --full) refuses
    after asking `new_reader_text`'s question, so that it is said first, with no question
    (fix31e): `member` reads only some fields of `journal`, now or until that share ran
    out (`fields_only_refusal`; `Shares.limited` raising for a copy of theirs that ended),
    or was removed from it (`Shares.check_terms`: ScopeNeeded). From the verified chains,
    refreshed first (needs the network); where the share would go on, nothing is raised and
    the question is asked. `fingerprint`: the share's `--fingerprint`; the account it
    matches is the one judged (rev31d F2). With neither `fingerprint` nor
    `trust_on_first_use`, keys never pinned here (`Shares.check_keys_known`: the fingerprint
    is needed, or their keys changed) are refused first too (nu79 F1)."""
    if fingerprint is None:
        try:
            await client.shares.check_keys_known(member)
        except InvalidInput as needed:
            if needed.subject != "fingerprint" or not trust_on_first_use:
                raise
    limited = await client.shares.limited(journal, member, fingerprint=fingerprint)
    if limited is not None:
        raise fields_only_refusal(limited)
    await client.shares.check_terms(journal, member, fingerprint=fingerprint)


def fields_only_refusal(limited: ShareInfo) -> InvalidInput:
    """The refusal of `tj share --safety-flags` (no --full) for a member who reads only
    some fields of the journal (`limited`, `Shares.limited`): flags need a whole-journal
    share."""
    return InvalidInput(
        f"{limited.member} reads only the {plain_list(limited.fields or ())} of "
        f"{limited.source}: safety flags need a whole-journal share; add --full to "
        "share every entry in full, or leave out --safety-flags",
        subject="share scope",
    )


def new_reader_text(journal: str, member: str, ended: bool = False, earlier: bool = False) -> str:
    """Said before `tj share JOURNAL MEMBER --safety-flags` (no --full) shares a journal with
    someone who does not read it now (`not_reading_now`; `ended`: their share of it
    ended; `earlier`: they never read it, an earlier account under their name did, said so
    that the share is not taken for that account's coming back, rev31e F2): safety flags
    reach only a member of the whole journal, so this shares all of it (rev30c F2), also
    what was written on the account's other devices and has not reached this one (rev30d
    F1)."""
    if ended:
        return (
            f"{member} does not read {journal} now (their share of it ended): safety flags "
            "reach only someone who reads the whole journal, so this shares it with them "
            "again, and they read every entry in it, also what was written while they did "
            "not read it (on your other devices too, if not synced here yet), goals, "
            "questionnaire results with each item's answer, homework and any safety plan in it."
        )
    never = (
        f"{member} does not read {journal} and has not read it (the earlier account named "
        f"{member}, whose share of it ended, is another account)"
        if earlier
        else f"{member} does not read {journal}"
    )
    return (
        f"{never}: safety flags reach only someone who reads the "
        "whole journal, so this shares it with them first, and they read every entry in it, "
        "also what was written before (on your other devices too, if not synced here yet), "
        "goals, questionnaire results with each item's answer, homework and any safety plan "
        "in it."
    )


async def narrowing_costs(
    journal: str,
    member: str,
    only: list[str] | None,
    fingerprint: str | None,
    client: Client,
) -> tuple[list[Undelivered], str | None]:
    """What narrowing `member`'s share of `journal` to some fields (`tj share --only`) costs
    them, after a sync (`undelivered_before`): what they may not have received of it, and
    their username when a safety flag raised now would reach them (`SafetyPlan.flags_reach`:
    the owner's plan and the verified access chain), else None: a field-level copy carries
    no safety flag, so they stop with the whole-journal share (NU24 C13). A copy of other
    fields that `only` replaces ends too, as `tj unshare` ends it: what it has not delivered
    counts as well (asked where `tj unshare` asks). `fingerprint`: the share's
    `--fingerprint` (`Shares.limited`: the account it matches is the one judged)."""
    pending = await undelivered_before(journal, member, client, copies=False)
    try:
        kept = await client.shares.limited(journal, member, fingerprint=fingerprint)
    except TJError:  # cannot tell (grant says why): only the journal itself
        kept = None
    if kept is not None and only is not None and set(kept.fields or ()) != set(only):
        more = await client.shares.undelivered(journal, member, copies=True)
        pending = [*pending, *(u for u in more if u not in pending)]
    plan = await client.safety.plan(journal)
    name = normalize_username(member)
    return pending, name if name in (plan.flags_reach or ()) else None


def flags_stop_text(journal: str, member: str) -> str:
    """That narrowing ends `member`'s safety flags of `journal` (NU24 C13), in the words of
    the safety-flag consent (`tj safety plan --share-flags`)."""
    return (
        f"Safety flags of {journal} go to {member} now. A share of only some fields carries "
        f"none: once you narrow their share to some fields, a PHQ-9 item 9 answered above 0 "
        f"in {journal} seals no safety flag for {member}. To send them flags again later: "
        + output.command(
            ["tj", "share", output.journal_word(journal), member, "--full", "--role", "annotate"]
            + ["--safety-flags"]
        )
    )


async def still_shared_here(journal: str, member: str, client: Client) -> bool:
    """Whether `member` reads `journal` (whole, or a field-level copy of it) by the access
    chains this device verified as its last sync left them (`shares.list(local_only=True)`,
    no network); True when the journal is not known here (nothing is claimed ended)."""
    try:
        found = await client.journals.get(journal)
    except TJError:
        return True
    return any(
        share.member == member
        and not share.expired
        and (share.journal_id == found.id or share.source == found.name)
        for share in await client.shares.list(local_only=True)
    )


def undelivered_text(member: str, journal: str | None, items: list[Undelivered], when: str) -> str:
    """What `member` may not have received of `journal` (None: of several journals, each
    line naming its own), in plain words, one line each, and what ending the share means
    for it (`when`: "you stop sharing")."""
    source = f" from {journal}" if journal is not None else ""
    these, it = ("this", "it") if len(items) == 1 else ("these", "them")  # NU74 F10
    lines = [f"{member} may not have received {these}{source}:"]
    for item in items:
        score = f", score {item.score}" if item.score is not None else ""
        answer = f"{item.name} item {item.item} answered {item.answer}{score}"
        moment = output.local_time(item.at)
        if item.kind == "safety_flag":
            line = f"- the safety flag of {moment} ({answer}), not marked read by {member}"
        elif item.kind == "brief":
            line = f"- your brief of {moment}, shared with {member}, which says {answer}"
        else:
            line = f"- your {item.name} of {moment} ({answer})"
        if journal is None:
            line += f", in {output.quoted(item.journal)}"
        if item.waiting:
            line += "; it is still on this device, not yet sent to the server"
        lines.append(line)
    lines.append(
        f"This device cannot tell whether {member}'s device downloaded {it}, only whether "
        f"{member} marked a safety flag read. Once {when}, what {member} has not downloaded "
        "never reaches them."
    )
    return "\n".join(lines)


def unshare_confirmation(journal_name: str, therapist: str, ended: list[str]) -> str:
    """What ended, in plain words: every journal whose share with the member ended.
    `journal_name`: the journal's name as the SDK names it (`Journal.name`, as `ended` does),
    never the words typed for it (an id, another case), which would name it as its own copy."""
    copies = [name for name in ended if name != journal_name]
    if not copies:
        return (
            f"Stopped sharing {output.quoted(journal_name)} with {therapist}; the journal has a new key, so "
            f"what you write from now on stays private from {therapist} (they keep what they "
            "already downloaded)."
        )
    names = plain_list(output.quoted(name) for name in copies)
    return (
        f"Stopped sharing {output.quoted(journal_name)} with {therapist}, including what you shared of it as "
        f"{names}; each has a new key, so what you write from now on stays private from "
        f"{therapist} (they keep what they already downloaded)."
    )


@cli.command()
@click.argument("journal_name", metavar="JOURNAL", type=PLAIN_NAME)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (for scripts).")
@json_option
@pass_home
def leave(home: Home, journal_name: str, yes: bool, as_json: bool) -> None:
    """Leave JOURNAL, a journal someone shares with you (OWNER/NAME, see `tj shared-with-me`).

    The server stops serving it to you at once and it leaves your journal list; the owner's
    devices take you off its members the next time they change them. Nothing they write
    in it from then on reaches you (of a journal shared whole: safety flags included; a copy
    kept for you never carries them), and only they can share it again; a copy of some of its fields they also share with you (`tj share --only`) keeps
    arriving until you leave it too, and the question and result name it.
    What you already downloaded stays on this device, read-only; `tj forget JOURNAL`
    discards it. Your acknowledgements of its safety flags not yet on the server are sent
    first (if they cannot be, you do not leave); one the server refused for good is sent once
    more, and refused again, you leave only once told it is NOT delivered.
    Asks first (default: no; --yes does not).

    \b
    Examples:
      tj leave ana/Personal
      tj leave ana/Personal --yes
    """

    if not yes:  # NU20 C12: asked as other destructive commands ask, whatever the name's
        # form (R40 F3): the SDK resolves it as the leave will, against the journal list as
        # the server lists it now (an outage or a share ended meanwhile is said before the
        # question, not after it: NU23 C8), and raises what the leave would
        name, owner, copy, unread, unsent, aside, changes, _ = home.run(
            partial(leaving, journal_name, True, None)
        )
        said = output.named(name)  # quoted as a shell would when it is several words
        if home.run(lambda client: client.shares.is_copy(name)):  # no flags in it (NU51 F16)
            question = (
                f"Leave {said}? Nothing more of what {owner} writes reaches you through it "
                f"(a copy {owner} keeps for you, never with safety flags), and only {owner} "
                "can share it with you again."
            )
        elif copy:  # a field-level copy keeps arriving: never "nothing reaches you" (NU26 C2)
            question = (
                f"Leave {said}? Nothing {owner} writes in it from now on, safety flags "
                f"included, reaches you through it, and only {owner} can share it with you "
                f"again. {still_arriving(owner, copy)}"
            )
        else:
            question = (
                f"Leave {said}? Nothing {owner} writes from now on, safety flags "
                f"included, reaches you, and only {owner} can share it with you again."
            )
        if unread:  # nu84 F3: once left, they can no longer be marked read
            question += " " + unread_flags_text(unread, owner, before=True)
        if unsent:  # rev34a F3: marked read here, not yet on the server
            question += " " + unsent_acks_text(unsent, owner, before=True)
        if aside:  # rev34b F2: refused by the server for good, set aside
            question += " " + set_aside_acks_text(aside, owner, before=True)
        if changes:  # rev34d F2: a note (any change) set aside: lost once left
            question += " " + set_aside_changes_text(changes, name, before=True)
        output.confirm(question, default=False, abort=True, err=True)
        told: frozenset[str] | None = frozenset(f.id for f in aside) | {c.doc_id for c in changes}
    else:
        told = None  # --yes: those set aside when it starts, named once done
    name, owner, copy, unread, unsent, aside, sent, lost = home.run(
        partial(leaving, journal_name, False, told)
    )
    if copy:
        output.message(
            f"You left {output.named(name)}; it is no longer shared with you. {still_arriving(owner, copy)}",
            wrap=True,
        )
    else:
        output.message(
            f"You left {output.named(name)}; it is no longer shared with you.", wrap=True
        )
    if unread and yes:  # not asked: said once done (nu84 F3)
        output.message(unread_flags_text(unread, owner, before=False), wrap=True)
    if unsent:  # sent first, or nothing was left (rev34a F3)
        output.message(unsent_acks_text(unsent, owner, before=False), wrap=True)
    if aside:  # refused again, left as asked: said, never silently (rev34b F2)
        output.message(set_aside_acks_text(aside, owner, before=False), wrap=True)
    if sent:  # set aside before, taken when sent once more (rev34d F2)
        output.message(set_aside_changes_text(sent, name, before=False, sent=True), wrap=True)
    if lost:  # refused again, left as asked: said, never silently (rev34d F2)
        output.message(set_aside_changes_text(lost, name, before=False), wrap=True)
    if as_json:  # `still_receiving`: the field-level copy that keeps arriving, or null
        left: dict[str, str | list[str] | list[dict[str, str]] | None] = {
            "action": "left",
            "journal": name,
            "owner": owner,
            "still_receiving": f"{owner}/{copy}" if copy else None,
            "unread_flags": [f.id for f in unread],
            "acknowledgements_sent": [f.id for f in unsent],
            "acknowledgements_not_delivered": [f.id for f in aside],
            "set_aside_sent": [{"kind": c.kind, "id": c.doc_id} for c in sent],
            "set_aside_not_delivered": [{"kind": c.kind, "id": c.doc_id} for c in lost],
        }
        output.print_json(left)


async def leaving(
    journal: str, check_only: bool, told: frozenset[str] | None, client: Client
) -> tuple[
    str,
    str,
    str,
    list[SafetyFlag],
    list[SafetyFlag],
    list[SafetyFlag],
    list[SetAsideChange],
    list[SetAsideChange],
]:
    """`client.shares.leave` with one client: the journal's name as it is called however
    `journal` was typed ("ana/Personal" for "ANA": NU30 F9), the owner's username, the
    field-level copy of the journal that keeps arriving after it (`copy_still_read`: its
    name, or ""), the safety flags of the journal this account could mark read and has
    not (`unread_to_ack`), read before leaving: after it they can no longer be (nu84 F3),
    and two lists of those this device marked read whose acknowledgement is not on the
    server (`shares.undelivered_acknowledgements`). `check_only` (the question): those
    waiting in the outbox, which the leave sends first or leaves nothing (rev34a F3), and
    those the server set aside, which it sends once more and, refused again, leaves
    without (rev34b F2). Else left, without those set aside in `told` (the question named
    them) or, `told` None (--yes), set aside when it starts: those sent first and those
    NOT delivered, by the state after the leave's push (a `sync --watch` may have pushed
    or set one aside meanwhile). Last, two lists of the journal's other changes set aside
    (`shares.set_aside_of`: a note, any kind; rev34d F2): `check_only`, those set aside
    now and nothing; else those set aside before that the leave sent once more and the
    server took, and those still set aside after it (never deliverable now); `told` holds
    their document ids too."""
    if check_only:  # the journal list is refreshed first: its errors come before the copy
        owner = await client.shares.leave(journal, check_only=True)
        held = await client.journals.get(journal)
        unread = await unread_to_ack(client, held.id)
        states = await client.shares.undelivered_acknowledgements(journal)
        flags = await journal_flags(client, held.id)
        return (
            held.name,
            owner,
            await client.shares.copy_still_read(journal),
            unread,
            [f for f in flags if states.get(f.id) == "waiting"],
            [f for f in flags if states.get(f.id) == "set_aside"],
            await client.shares.set_aside_of(journal),
            [],
        )
    held = await client.journals.get(journal)  # named before: leaving ends it
    copy = await client.shares.copy_still_read(journal)  # named before: leaving keeps it
    unread = await unread_to_ack(client, held.id)  # before: leaving ends the share
    flags = await journal_flags(client, held.id)  # before: leaving ends the share
    before = await client.shares.undelivered_acknowledgements(journal)
    changes = await client.shares.set_aside_of(journal)  # before: sent once more
    if told is None:
        told = frozenset(flag for flag, state in before.items() if state == "set_aside") | {
            c.doc_id for c in changes
        }
    owner = await client.shares.leave(journal, leave_undelivered=told)
    after = await client.shares.undelivered_acknowledgements(held.id)  # after the push
    sent = [f for f in flags if f.id in before and f.id not in after]
    still = {c.doc_id for c in await client.shares.set_aside_of(held.id)}
    return (
        held.name,
        owner,
        copy,
        unread,
        sent,
        [f for f in flags if f.id in after],
        [c for c in changes if c.doc_id not in still],
        [c for c in changes if c.doc_id in still],
    )


def set_aside_changes_text(
    changes: list[SetAsideChange], journal: str, *, before: bool, sent: bool = False
) -> str:
    """What a leave does with the journal's other changes of this device the server refused
    for good and set aside (`leaving`; a note, any kind): `before`, in the question, that
    they are sent once more and, refused again, never delivered once left, with what to run
    to try first; else, once left, that they were sent (`sent`) or NOT delivered and can no
    longer be (rev34d F2)."""
    many = len(changes) > 1
    named = "; ".join(f"{c.kind or 'change'} {output.short_id(c.doc_id)}" for c in changes)
    what = (
        f"{len(changes)} change{'s' if many else ''} of yours in it the server refused for "
        f"good (set aside: {named})"
    )
    them, are = ("them", "are") if many else ("it", "is")
    if before:
        return (
            f"{what[0].upper()}{what[1:]} {are} sent once more first; if the server refuses "
            f"{them} again, you leave all the same and {them} can never be delivered. To try "
            f"first, answer no and run {output.command_text('tj set-aside retry')}, then "
            f"{output.command_text('tj sync')}."
        )
    if sent:
        return f"{what[0].upper()}{what[1:]}, {'were' if many else 'was'} sent first."
    return (
        f"{what[0].upper()}{what[1:]} {'were' if many else 'was'} NOT delivered: the server "
        f"refused {them} again, and now that you left {output.named(journal)} {them} can "
        f"never be; {'they stay' if many else 'it stays'} on this device "
        f"({output.command_text('tj set-aside list')})."
    )


async def journal_flags(client: Client, journal_id: str) -> list[SafetyFlag]:
    """The safety flags of the journal `journal_id` this device holds."""
    return [f for f in await client.safety.flags() if f.journal_id == journal_id]


def set_aside_acks_text(flags: list[SafetyFlag], owner: str, *, before: bool) -> str:
    """What a leave does with acknowledgements of this device the server refused for good
    and set aside (`leaving`): `before`, in the question, that it sends them once more and,
    refused again, leaves without them; else, once left, that they were NOT delivered and
    the owner is to be told (rev34b F2)."""
    many = len(flags) > 1
    named = "; ".join(
        f"{output.short_id(f.id)}, raised {output.local_time(f.raised_at)}" for f in flags
    )
    what = f"Your acknowledgement{'s' if many else ''} of {len(flags)} safety flag{'s' if many else ''} of it ({named})"
    it, them = ("they", "them") if many else ("it", "it")
    flag_words = f"the flag{'s' if many else ''} may NOT have been delivered to you"
    if before:
        return (
            f"{what} {'are' if many else 'is'} NOT delivered: the server refused {them} for "
            f"good (set aside), so {owner}'s devices say {flag_words}. {it.capitalize()} "
            f"{'are' if many else 'is'} sent once more first; if the server refuses {them} "
            f"again, you leave all the same: then tell {owner} yourself that you read {them}."
        )
    return (
        f"{what} {'were' if many else 'was'} NOT delivered: the server refused {them} again "
        f"(set aside), so {owner}'s devices say {flag_words}: tell {owner} yourself that you "
        f"read {them}."
    )


def unsent_acks_text(flags: list[SafetyFlag], owner: str, *, before: bool) -> str:
    """What a leave does with acknowledgements of this device not yet on the server
    (`unsent_acks`): `before`, in the question, that it sends them first or leaves nothing;
    else, once left, that they were sent first (rev34a F3)."""
    many = len(flags) > 1
    named = "; ".join(
        f"{output.short_id(f.id)}, raised {output.local_time(f.raised_at)}" for f in flags
    )
    what = f"your acknowledgement{'s' if many else ''} of {len(flags)} safety flag{'s' if many else ''} of it ({named})"
    if before:
        return (
            f"{what[0].upper()}{what[1:]} {'are' if many else 'is'} not delivered yet: not on "
            f"the server, so {owner} does not see {'them' if many else 'it'} read. "
            f"{'They are' if many else 'It is'} sent first; if that fails, you do not leave."
        )
    return (
        f"{what[0].upper()}{what[1:]}, not on the server before, {'were' if many else 'was'} "
        f"sent first: {owner}'s devices show {'them' if many else 'it'} read once they sync."
    )


async def unread_to_ack(client: Client, journal_id: str) -> list[SafetyFlag]:
    """The safety flags of the journal `journal_id` that this account may mark read
    (`tj safety ack`) and that no acknowledgement of its own verified here names."""
    return [
        f
        for f in await client.safety.flags()
        if f.journal_id == journal_id
        and not f.read_only_copy
        and not f.reads_only
        and not any(a.mine for a in f.acknowledged)
    ]


def unread_flags_text(flags: list[SafetyFlag], owner: str, *, before: bool) -> str:
    """What a leave does to safety flags of the journal not marked read by this account
    (`unread_to_ack`): `before`, in the question, with the `tj safety ack` to run first;
    else, once left with --yes, what to do now (nu84 F3)."""
    many = len(flags) > 1
    it, is_ = ("they", "are") if many else ("it", "is")
    named = "; ".join(
        f"{output.short_id(f.id)}, raised {output.local_time(f.raised_at)}" for f in flags
    )
    what = f"{len(flags)} safety flag{'s' if many else ''} of it"
    if before:
        acks = plain_list(
            output.command_text(f"tj safety ack {output.short_id(f.id)}") for f in flags
        )
        return (
            f"But {what} {is_} not marked read by you ({named}): once you leave, {it} can no "
            f"longer be, and {owner} may be told {it} may never have reached you. Mark "
            f"{'them' if many else 'it'} read first with {acks}."
        )
    return (
        f"{what[0].upper()}{what[1:]} {'were' if many else 'was'} not marked read by you "
        f"({named}) and no longer can be: {owner} may be told {it} may never have reached "
        f"you; tell {owner} yourself that you saw {'them' if many else 'it'}."
    )


def still_arriving(owner: str, copy: str) -> str:
    """What still reaches a member who leaves a whole journal: the field-level copy of it
    `copy` (its name, "Personal (mood, tags) for drsmith") that `owner` also shares with
    them, and how to leave that too (NU26 C2)."""
    named = f"{owner}/{copy}"
    return (
        f"You still receive {output.quoted(named)}, the copy of some of its fields {owner} keeps for you: "
        f"those fields of what {owner} writes keep arriving there; leave it too with "
        f"{output.command(['tj', 'leave', output.journal_word(named)])}."
    )


@cli.command()
@click.argument("journal_name", metavar="JOURNAL", type=PLAIN_NAME)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (for scripts).")
@click.option(
    "--unlisted",
    is_flag=True,
    help='Forget a copy no longer served to this device ("no longer served") once you know '
    "the share ended: the owner ended it, or you left it on another device.",
)
@json_option
@pass_home
def forget(home: Home, journal_name: str, yes: bool, unlisted: bool, as_json: bool) -> None:
    """Discard from this device the read-only copy of JOURNAL, a share that ended (OWNER/NAME
    or its id, see `tj shared-with-me`): its entries, notes, keys and everything else of it.

    For a share whose owner ended it, whose end date passed, or that you left with `tj
    leave`: a therapist's way to erase a former client's data. Other devices of your account
    keep their copy until you forget it there too. There is no undo: the server no longer
    serves it, and this device takes it back only if its owner shares it with you again
    later (your next `tj sync` then says so). Asks first (--yes does not), naming what the
    copy holds as kept on this device: every safety flag (acknowledged or not), every
    result with a safety item (PHQ-9 item 9) above 0, invalid results included, and every
    score in its instrument's highest band.

    A name that also names another journal on this device (the owner shared a journal of
    the same name with you again) is refused, listing the ids of both: name the copy by its
    id (12 hex digits, or at least 8), as `tj shared-with-me` prints it then.

    Whether the share ended is read from the owner's signed access, not from the server's
    list: a journal the server merely stopped listing is kept unless you pass --unlisted
    (the owner removed you: your device is not told in a signed way). Refused while the
    journal has changes of this device not yet on the server: the error names the steps
    (`tj sync`; for those the server refused for good, keep their words with `tj set-aside
    list --json > refused.json`, then `tj set-aside drop ID`).

    \b
    Examples:
      tj forget "ana/Shared with drsmith"
      tj forget ana/Personal --yes
    """
    name, command_name = home.run(partial(forgetting, journal_name, unlisted))
    # named by its id when another journal here bears its name: which copy goes is said
    which = f" (share ended, id {command_name})" if "/" not in command_name else ""
    records = home.run(lambda client: output.clinical_records(client, [journal_name]))
    if records:  # never discarded unseen (NU20 C10), every one named (NU50 F3)
        export = output.command(
            [
                *profile_words(home.path),
                "export",
                "--journal",
                output.journal_word(command_name),
                "--out",
                "DIR",
            ]
        )
        output.message(
            f"{output.named(name)} holds {output.and_words([r.words() for r in records])}. For your "
            f"clinical records, export it first: {export} writes it out.",
            wrap=True,
        )
    if not yes:
        held = f", with {output.and_words([r.counted() for r in records])}," if records else ""
        output.confirm(
            f"Discard the copy of {output.named(name)}{which}{held} from this device for good?",
            abort=True,
            err=True,
        )
    scrubbed = home.run(lambda client: client.shares.forget(journal_name, unlisted=unlisted))
    output.message(
        f"Discarded the copy of {output.named(name)}{which} from this device.", wrap=True
    )
    if not scrubbed:
        output.message(
            "Another tj using this profile kept the store file from being compacted: the "
            "copy is gone, but its old bytes may stay in the file until they are reused."
        )
    if as_json:
        output.print_json({"action": "discarded", "journal": name, "compacted": bool(scrubbed)})


async def forgetting(journal: str, unlisted: bool, client: Client) -> tuple[str, str]:
    """Refuse what `tj forget` would refuse, before the question, not after it (NU20 C11);
    else the journal's name as it is called, however `journal` was typed ("ana/Personal"
    for "ANA/personal": NU30 F9), and as the commands printed for it name it ("ana (account
    1a2b3c4d)/Personal" for a share that ended). A copy the server no longer serves is
    refused with the command that works, naming its owner by the label every other command
    prints for a share that ended ("ana (account 1a2b3c4d)/Personal": NU49 leftover of
    F5)."""
    from client_sdk.journals import command_name
    from client_sdk.models import quoted_name
    from client_sdk.sharing import SHARE_STILL_SERVED

    try:
        await client.shares.forget(journal, unlisted=unlisted, check_only=True)
    except InvalidInput as error:
        journal_id = error.names.get("journal id", "")
        if journal_id and await command_name(client.journals, journal_id) == journal_id[:12]:
            error.names["by id"] = "1"  # its name names another journal here too
        if error.subject == SHARE_STILL_SERVED:
            found = await client.journals.get(journal)
            own = found.name.split("/", 1)[-1]  # the journal's own name, after its owner's
            typed = quoted_name(error.names["journal"])
            label = f"{await client.journals.client_label(found.id)}/{own}"
            error.names["journal"] = label
            if error.situation is not None and error.situation.startswith(typed):
                # named once, as its command names it ("'ana/Personal' is no longer served
                # ... run `tj forget 'ana (account 1a2b3c4d)/Personal' --unlisted`")
                error.situation = quoted_name(label) + error.situation[len(typed) :]
        raise
    found = await client.journals.get(journal)
    if await command_name(client.journals, found.id) == found.id[:12]:
        return found.name, found.id[:12]  # its name names another journal here too
    # named as `tj shared-with-me`, `tj journal list` and `tj list` name it ("ana/Personal");
    # the commands printed for it by its owner's account (REV-S9B S9B-1)
    return found.name, (
        (await output.command_named(client, found)).name if found.read_only_copy else found.name
    )


@cli.group(invoke_without_command=True)
@json_option
@pass_home
def shares(home: Home, as_json: bool) -> None:
    """List what you share: journal, member, role, expiry and whether a safety flag reaches
    the member (flags); or show a share's log.

    When the server cannot be reached or does not answer within 10 s (as `tj list`'s
    sync), lists what this device knew at its last sync and says so on stderr (a share
    changed since on another device, or a member who left, shows as it was then).

    \b
    Examples:
      tj shares
      tj shares --json
      tj shares log Personal
    """
    if click.get_current_context().invoked_subcommand is not None:
        return

    # A hung server is waited for as long as `tj list`'s quick sync, and said as it says it
    # (NU37 #11); the requests are not cancelled part-way: a share changed is never half done.
    quick = quickly(home)

    async def work(client: Client) -> tuple[list[ShareInfo], list[KeptCopy], dict[str, str]]:
        kept = await client.shares.kept_copies()
        named = await command_names([k.journal_id for k in kept], client)
        try:
            found = await client.shares.list()
        except NetworkError as error:  # what the device knows, as `tj list` shows offline
            await tell_not_synced(client, offline_reason(error, quick.server_wait))
            found = await client.shares.list(local_only=True)
        return found, kept, named

    found, kept, named = quick.run(work)
    nothing = (
        "You share nothing"
        + (" now" if kept else "")
        + f": see {output.command_text('tj share --help')}."
    )
    output.show_rows(found, as_json, shares_table, nothing)
    if not as_json:
        footnotes = [
            *flags_footnotes(found),
            *copy_flags_footnote(found),
            *left_footnote(found),
            *refused_footnote(found),
        ]
        for line in [*footnotes, *kept_copy_lines(kept, named)]:
            output.message(line, wrap=True)  # as a warning beside them (NU46 #12)


@shares.command("log")
@click.argument("journal_name", metavar="JOURNAL", type=PLAIN_NAME)
@json_option
@pass_home
def shares_log(home: Home, journal_name: str, as_json: bool) -> None:
    """Who read what of JOURNAL, and when: "drsmith read 5 entries on 2026-11-30 (device
    3990398b845c)".

    One line per member, device and day, in local dates, with what the fetches held by
    kind (entries, questionnaire results, homework, goals, notes, the
    safety plan, safety flags); --json lists every fetch (up to which record, how many
    records, entries, and "kinds": documents by kind). Who fetched, when, and how many
    records is the server's word (its log); what each fetch held is counted from the
    records this device verified. A device's first fetch of each record is shown;
    fetching it again is not logged. The owner sees every member's fetches, each
    device by its id; a therapist sees their own, with their device names ("(office)").
    A member who erased their account stays in the log: "drsmith (account 98365cc0, since
    erased) read ..." (--json: "erased": true); someone else may hold that name now (--json
    gives each reader's "account_id", which tells them apart).
    Syncs first (one quick try): what was read is counted from the records this device holds.

    \b
    Examples:
      tj shares log Personal
      tj shares log ana/Personal --json
    """
    log, devices = home.run(partial(log_and_devices, journal_name))
    if as_json:
        output.print_json([entry.to_dict() for entry in log])
        return
    if not log:
        output.message(f"Nobody fetched records of {journal_name} yet.")
    for line in log_lines(log, devices):
        output.data(line, prose=True)


async def log_and_devices(journal: str, client: Client) -> tuple[list[AuditInfo], dict[str, str]]:
    """The share log, and this account's device names (a member's own devices). Synced
    first: the entries a fetch held are counted from this device's records, so one not
    synced counted fewer than the server logged (NU55 F5); when the sync does not finish,
    the count is said to be as of the last sync."""
    await synced_first(client, "counting from", needs_server=True)
    return await client.shares.log(journal), {d.id: d.name for d in await client.devices.list()}


def log_lines(log: Iterable[AuditInfo], devices: dict[str, str]) -> list[str]:
    """One line per member, device and local day: "drsmith read 5 entries, 2 questionnaire
    results and 1 safety plan on 2026-11-30 (laptop)", every kind the fetches held (nu78
    F14: only entries were said), the date in ISO form as everywhere else (NU48 #12: "on 30
    Nov"); a device of another account is named by its short id; a member whose account was
    erased since, as "drsmith (account 98365cc0, since erased)"."""
    from cli.main import counted_kinds  # here: the imports above are another change's

    days: dict[tuple[str, str, date], dict[str, dict[str, None]]] = {}
    records: dict[tuple[str, str, date], int] = {}
    for entry in log:
        # A member who erased their account is named as such: the name may be another's now.
        member = (
            f"{entry.member} (account {entry.account_id[:8]}, since erased)"
            if entry.erased and entry.account_id
            else f"{entry.member} (account since erased)"
            if entry.erased
            else entry.member
        )
        key = (member, entry.device_id, entry.at.astimezone().date())
        held = days.setdefault(key, {})
        for kind, ids in entry.doc_ids.items():  # a document fetched twice a day, once
            held.setdefault(kind, {}).update(dict.fromkeys(ids))
        records[key] = records.get(key, 0) + entry.records
    lines = []
    for (member, device_id, day), kinds in days.items():
        device = devices.get(device_id, f"device {output.short_id(device_id)}")
        if devices.get(device_id) == DEFAULT_DEVICE_NAME:  # one of yours, never named
            device = f"{output.device_word(device)}, the default name, {output.short_id(device_id)}"
        read = counted_kinds({kind: len(ids) for kind, ids in kinds.items()})
        if not read:
            read = f"{output.plural(records[(member, device_id, day)], 'record', 'records')} "
            read += "(nothing this device holds that they could open)"
        lines.append(f"{member} read {read} on {day.isoformat()} ({device})")
    return lines


def no_copy_lines(notes: Iterable[PrivateNote]) -> list[str]:
    """A line for each client journal this account's private notes name whose copy this
    device never downloaded (`PrivateNotes.without_copy`: its share ended, or is no longer
    served, before this device synced it), under `tj caseload` and `tj shared-with-me`, so
    that both devices of the account tell that client (nu85 F5)."""
    lines = []
    for note in notes:
        notes_command = (
            output.command(["tj", "private-notes", "--client", note.client])
            if output.pasteable(note.client)
            else output.command_text("tj private-notes")
        )
        lines.append(
            f"{output.quoted(note.journal)}: no copy on this device: the server no longer "
            "serves it to you, and this device never downloaded it (a sync cannot bring it); "
            f"your private notes about {note.client} ({notes_command}) were written on "
            "another of your devices, which keeps its copy if it downloaded one"
        )
    return lines


@cli.command("shared-with-me")
@json_option
@pass_home
def shared_with_me(home: Home, as_json: bool) -> None:
    """List the journals others share with you (read them with `tj list --journal NAME`).

    When a share ends, your device keeps what it downloaded while it lasted: that copy is
    listed as "share ended (read-only copy)"; you can still read it, not write to it, and
    `tj forget JOURNAL` discards it from this device. One listed as "no longer served
    (read-only copy)" ended by the server's word only (the owner's signed access, as this
    device last saw it, still grants it): once you know the share ended, discard it with
    `tj forget JOURNAL --unlisted`. Below the list, each copy's command is printed (by the
    copy's id when a journal still shared bears its name). A copy you left here shows when
    in the expires column ("left 2026-12-06 00:02").

    \b
    Examples:
      tj shared-with-me
      tj list --journal ana/Personal
    """

    async def work(
        client: Client,
    ) -> tuple[list[SharedJournal], list[output.Unverified], dict[str, str], set[str], list[str]]:
        from client_sdk.journals import command_name

        # Like every listing: sync first (one quick try); offline, what this device has,
        # said as such (NU19 C23: it failed offline); a share this device does not open
        # is said too (NU46 #7: it was listed nowhere but in `tj sync`'s warning).
        await synced_first(client, tell_refused=True, erased_owners=True)  # NU49 F6
        found = sorted(await client.shares.with_me(refresh=False), key=shared_order)
        unverified = {s.owner for s in found if not s.owner_verified}
        # who each kept copy's commands name: the account alone where its username names
        # another one here, or may once a share waiting for a verify is opened (REV-HELD)
        owners = {
            s.journal_id: await client.journals.client_label(s.journal_id)
            for s in found
            if s.read_only_copy
        }
        # a kept copy whose name a share still on (or another copy) bears too: its command
        # names it by id, as `tj forget` refuses a name that names both
        by_id = {
            s.journal_id
            for s in found
            if s.read_only_copy
            and await command_name(client.journals, s.journal_id) == s.journal_id[:12]
        }
        without_copy = no_copy_lines(await client.private_notes.without_copy())
        unverified_owners = await output.unverified_owners(client, unverified)
        return found, unverified_owners, owners, by_id, without_copy

    found, unverified, owners, by_id, without_copy = home.run(work)
    output.show_rows(found, as_json, shared_table, "Nothing is shared with you now.")
    if not as_json:
        for line in without_copy:
            output.data(output.fields_text([line]), prose=True)
        exported: set[str] = set()  # owners whose export was named: once each (NU54 F6)
        for s in found:  # how to discard each kept copy, as `tj forget` takes it (NU29 F3)
            if s.read_only_copy:
                owner = owners[s.journal_id]
                # shown(): the journal name is another account's text (rev-nu29b B2)
                erased = s.owner if s.owner_erased else ""  # the server's word (NU49 F6)
                advice = output.forget_advice(
                    f"{owner}/{s.owner_journal_name}",
                    s.unlisted,
                    owner,
                    erased,
                    s.journal_id,
                    export_hint=owner not in exported,
                    by_id=s.journal_id in by_id,
                    replaced_by=s.replaced_by,
                )
                exported.add(owner)
                output.data(advice, wrap=True, prose=True)
        said = account_labels_line(found, owners)
        if said:
            output.data(said, wrap=True, prose=True)
        # once for every owner the table marks "(?)" (NU43 #7)
        output.warn_unverified_owners(
            unverified, mark=output.UNVERIFIED_MARK, forgets_above=True
        )  # each copy's `tj forget` command is printed above: never twice


def account_labels_line(found: Iterable[SharedJournal], owners: dict[str, str]) -> str:
    """Below `tj shared-with-me`, once, what an owner named by their account in the commands
    printed below the table means ("ana (account 4b090da1)": the copy of a share that ended,
    `client.journals.client_label`), so that it does not read as another person beside
    "ana/Work" (NU52 F5): "" when no command names one. Pure."""
    labelled = [s for s in found if s.journal_id in owners and owners[s.journal_id] != s.owner]
    labels = {owners[s.journal_id]: s.owner for s in labelled}
    if not labels:
        return ""
    named = output.and_words(sorted(labels))
    people = sorted(set(labels.values()))
    # an end the owner signed "ended"; one only the server's silence shows "no longer served"
    served = {s.unlisted for s in labelled}
    one = len(labels) == 1
    if served == {True}:
        why = f"{'that share is' if one else 'those shares are'} no longer served to you"
    elif served == {False}:
        why = f"{'that share' if one else 'those shares'} ended"
    else:
        why = "those shares ended or are no longer served to you"
    if one:
        return (
            f"{named}: {people[0]}, named by account in the commands above because {why}, "
            "so that they act on that account only, even if the name is later given to "
            "someone else."
        )
    return (
        f"{named}: {output.and_words(people)}, named by account in the commands above "
        f"because {why}, so that they act on those accounts only, even if a name is later "
        "given to someone else."
    )


def shared_order(share: SharedJournal) -> tuple[str, str, str, str, bool, str]:
    """The order `tj shared-with-me` lists journals in, its JSON too: by owner, then journal
    (whole journals and the copies of some fields alike: "ben/Personal (mood, tags) for
    drruiz" among ben's), by their names as read (case aside), a live share before the copy
    kept of an ended one of the same name, then by id (NU43 #11: in no order a therapist
    with many clients could scan)."""
    return (
        share.owner.casefold(),
        share.owner,
        share.journal.casefold(),
        share.journal,
        share.read_only_copy,
        share.journal_id,
    )


@cli.command("verify-head")
@click.argument("journal_name", metavar="JOURNAL", type=PLAIN_NAME)
@click.option(
    "--with",
    "with_member",
    metavar="NAME",
    help="On your own journal: the therapist (username) you compare codes with. Needed when "
    "the journal is shared with several people.",
)
@click.option(
    "--owner-only",
    is_flag=True,
    help="A code of the owner's chain and records only: for two therapists of one client, or "
    "two devices of the client, to compare with each other.",
)
@json_option
@pass_home
def verify_head(
    home: Home, journal_name: str, with_member: str | None, owner_only: bool, as_json: bool
) -> None:
    """Print a code to compare in session, to check the server showed you both the same
    history of JOURNAL.

    The code is for two people: the client and one therapist. It covers the journal's
    access chain (who may read it, as its owner signed it), every record the client wrote
    that is not replaced by a snapshot the client signed, and that therapist's own notes,
    prompts and acknowledgements. Both of you run it (it syncs first); equal codes mean
    the server showed both devices the same history. Different codes mean one of you was
    shown another one: stop and sync again; if they still differ, the server cannot be
    trusted with this journal. Another therapist's notes are not covered (nobody but the
    client and their author can check them): compare with each therapist separately.

    \b
    Examples:
      tj verify-head Personal                (the client; shared with one therapist)
      tj verify-head Personal --with tom     (the client, with tom among several)
      tj verify-head ana/Personal            (the therapist)
      tj verify-head ana/Personal --owner-only   (two therapists of ana, with each other)
    """

    async def code(client: Client) -> tuple[str, Journal]:
        output.tell_after_sync(await client.sync())
        found = await client.journals.verify_head(journal_name, with_member, owner_only=owner_only)
        return found, await client.journals.get(journal_name)

    found, journal = home.run(code)
    if as_json:
        output.print_json(
            {
                "journal": journal_name,
                "journal_id": journal.id,
                "code": found,
                "with": with_member,
                "owner_only": owner_only,
                # as `tj journal list --json` says it: never "share_ended" by the server alone
                "share_ended": journal.share_ended,
                "unlisted": journal.unlisted,
            }
        )
    else:
        output.data(found)
    if journal.read_only_copy:  # the owner's code goes on with the history no longer got here
        output.message(
            f"Notice: your share of {journal_name} ended (or the server no longer serves it): "
            "this code covers the history up to then, so it will not match the owner's code "
            "now. Different codes here say nothing about the server.",
            wrap=True,  # under its label, as `tj sync`'s notices (NU47 #14)
        )


@cli.command()
@click.argument("username")
@click.argument("fingerprint")
@click.option(
    "--yes",
    "-y",
    is_flag=True,
    help="Replace other keys this device holds for USERNAME without asking (for scripts).",
)
@json_option
@pass_home
def verify(home: Home, username: str, fingerprint: str, yes: bool, as_json: bool) -> None:
    """Accept USERNAME's keys after comparing their FINGERPRINT in person.

    Needed when their keys changed since you first shared with them (sharing refuses
    until then). Ask them to read out `tj fingerprint`; compare it with `tj fingerprint
    USERNAME` before you run this. When this device holds other keys for USERNAME (another
    account: a name freed by an erased account may be someone else's now), it says so and
    asks first (--yes does not); what it holds of the earlier account stays apart, and
    verified if it was.

    \b
    Example:
      tj verify drsmith "12345 67890 12345 67890 12345 67890"
    """
    from client_sdk.models import normalize_username

    username = normalize_username(username)  # the name used, said as such (NU57 #5)
    ask_keys_replaced(
        home.run(lambda client: client.shares.verify_replaces(username, fingerprint)), yes
    )
    if not home.run(lambda client: client.shares.verify(username, fingerprint)):
        output.message(  # NU38 #2: a second run said "Verified" as if it were new
            f"{username}'s keys were already verified on this device (they match the "
            "fingerprint you compared): nothing changed."
        )
        if as_json:
            output.print_json({"action": "unchanged", "username": username, "verified": True})
        return
    output.message(
        f"Verified {username}'s keys: they match the fingerprint you compared, and this device "
        "trusts them from now on."
    )
    if as_json:
        output.print_json({"action": "verified", "username": username, "verified": True})


def ask_keys_replaced(held: HeldKeys | None, yes: bool) -> None:
    """Say which keys held here the fingerprint typed replaces (`held_keys_text`), and ask
    (default no; `yes` does not ask); a "no" or no answer raises (exit status 1, nothing
    done)."""
    if held is None:
        return
    output.message(held_keys_text(held))
    if not yes:
        output.confirm(
            f"Trust these new keys for {held.username} from now on?",
            default=False,
            abort=True,
            err=True,
        )


def confirm_fingerprint(home: Home, username: str, fingerprint: str | None, yes: bool) -> None:
    """Before a share with USERNAME's typed `fingerprint` (`--fingerprint`), which replaces
    other keys this device holds for that name (another account's: a name freed by an
    erased account may be another person's now; or other keys of the same account) as `tj
    verify` does: the same warning and question (REV-ERASED F2). A fingerprint that does
    not match is refused here, nothing shared."""
    if fingerprint is None:
        return

    async def replaced(client: Client) -> HeldKeys | None:
        if normalize_username(username) == client.username:  # the share says why not
            return None
        return await client.shares.verify_replaces(username, fingerprint, sharing=True)

    ask_keys_replaced(home.run(replaced), yes)


def held_keys_text(held: HeldKeys) -> str:
    """What `tj verify` would replace (NU43 #1), as a warning: "Warning: these are not the
    keys you verified for kim on 2026-12-01 14:03: the server now gives the name kim to
    another account. This may be a different person using a name freed when an account was
    erased: ..."."""
    name = held.username
    if held.verified:
        when = f" on {output.local_time(held.verified_at)}" if held.verified_at else ""
        were = f"these are not the keys you verified for {name}{when}"
    else:
        were = (
            f"these are not the keys this device pinned for {name} on first use (you never "
            "compared them)"
        )
    if not held.other_account:
        return (
            f"Warning: {were}: the server now gives {name}'s account other keys. Trust them "
            f"only if {name} read out this very fingerprint to you."
        )
    kept = (
        f"; what this device holds of the earlier {name} (account {held.account_id[:8]}) stays "
        "apart, and verified"
        if held.verified
        else f"; what this device holds of the earlier {name} stays apart"
    )
    return (
        f"Warning: {were}: the server now gives the name {name} to another account. This may "
        f"be a different person using a name freed when an account was erased: trust the new "
        f"keys only if the person who read out this fingerprint to you is the {name} you mean"
        f"{kept}."
    )


# --- notes and prompts ------------------------------------------------------------------------


@cli.command()
@click.argument("journal_name", metavar="JOURNAL", type=PLAIN_NAME)
@click.argument("text", type=PLAIN_TEXT)
@click.option("--prompt", is_flag=True, help="Add a reflection prompt instead of a note.")
@json_option
@pass_home
def note(home: Home, journal_name: str, text: str, prompt: bool, as_json: bool) -> None:
    """Add a note (or a prompt) to JOURNAL. A therapist with the annotate role can add them
    to a journal shared with them; the client sees them marked as the therapist's.

    Prints the note's id alone on stdout (for scripts), what was saved on stderr. Works
    offline. A JOURNAL this device does not know yet (just
    shared with you) is looked for again after a sync.

    \b
    Examples:
      tj note ana/Personal "Good progress with the evening routine."
      tj note ana/Personal --prompt "What made you laugh this week?"
    """
    kind = "prompt" if prompt else "note"

    async def add(client: Client) -> Note:
        try:
            return await client.notes.add(journal_name, text, kind=kind)
        except NotFound as missing:
            if missing.subject != "journal":
                raise
            try:  # perhaps shared a moment ago: one quick sync, then look again
                output.tell_after_sync(await quick_sync(client))
            except NetworkError:
                raise missing from None
            return await client.notes.add(journal_name, text, kind=kind)

    added, synced = home.run(partial(then_sync, add))
    if as_json:
        output.print_json(added.to_dict())
    else:
        output.data(added.id)  # alone on stdout, for scripts
    what = output.titled(kind.capitalize(), added.id, "")
    output.message(output.saved_text(f"{what} in {added.journal}", synced))


@cli.group(invoke_without_command=True)
@click.option(
    "--journal",
    "journal_name",
    metavar="NAME",
    type=PLAIN_NAME,
    help="Only the notes of this journal.",
)
@json_option
@pass_home
def notes(home: Home, journal_name: str | None, as_json: bool) -> None:
    """List notes and prompts, your therapist's first, each in full (the text wraps).

    \b
    Examples:
      tj notes
      tj notes --journal Personal --json
      tj notes withdraw 3fa9c2
    """
    if click.get_current_context().invoked_subcommand is not None:
        return

    async def work(client: Client) -> tuple[list[Note], str, list[str], list[str], set[str]]:
        await synced_first(client)
        found = await client.notes.list(journal_name)
        elsewhere = await client.notes.earlier_shares_elsewhere(journal_name)
        forgot = await client.notes.earlier_shares_forgotten(journal_name) if elsewhere else []
        return found, client.username, elsewhere, forgot, await no_longer_shared(client)

    found, me, elsewhere, forgot, gone = home.run(work)
    if as_json:
        output.print_json([note_dict(n) for n in found])
    else:
        output.show_rows(found, False, partial(notes_table, me=me), "No notes yet.")
        refused = [n for n in found if not n.delivered and not n.withdrawal_refused and not n.late]
        output.not_delivered_note(
            len(refused), "note", "notes", ended=sum(n.id in gone for n in refused)
        )
        for n in found:
            if n.late:
                output.message(f"{output.NOT_DELIVERED_MARK} {n.id[:12]}: {n.late}.")
        for name in elsewhere:
            if name in forgot:  # discarded here, not a device added later (NU24 C5)
                output.data(  # shown(): a journal name is its owner's text (rev-nu29b B2)
                    f"{name} was shared with you before: the notes and prompts you wrote "
                    "during that earlier share went with this device's copy, which you "
                    f"discarded with {output.command_text('tj forget')}; they are on the client's devices, and on your "
                    "other devices that synced then and kept their copy (a new share's key "
                    "opens nothing written before it).",
                    prose=True,
                )
                continue
            output.data(
                f"{name} was shared with you before: the notes and prompts you wrote during "
                "that earlier share are on your devices that synced then (and on the "
                "client's), not on this one, which was added after it ended (a new share's "
                "key opens nothing written before it).",
                prose=True,
            )


@notes.command("withdraw")
@click.argument("note_id", metavar="ID")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (for scripts).")
@json_option
@pass_home
def notes_withdraw(home: Home, note_id: str, yes: bool, as_json: bool) -> None:
    """Withdraw a note or prompt you wrote (one sent to the wrong client, say; then send the
    right one with `tj note`), or, in your own journal, one your therapist wrote. Gone from
    `tj notes` on every device at its next sync; one that was already synced may have been
    read. Once the client made the share read-only or ended it, only they can remove your
    note (you are told what to ask them). Asks first (--yes does not). Works offline.

    \b
    Examples:
      tj notes withdraw 3fa9c2
      tj notes withdraw 3fa9c2 --yes
    """

    async def withdraw(client: Client, check_only: bool = False) -> Note:
        if check_only or yes:  # the role the client gives now; once, before any question
            await synced_first(client, "withdrawing it as of")
        return await client.notes.withdraw(note_id, check_only=check_only)

    if not yes:  # refused before the question, not after it (NU23 C8)
        found = home.run(partial(withdraw, check_only=True))
        output.confirm(f"Withdraw {withdrawn_words(found)}?", abort=True, err=True)

    withdrawn, synced = home.run(partial(then_sync, withdraw))
    output.message(f"Withdrew {withdrawn_words(withdrawn)}; {synced}.")
    if as_json:
        output.print_json({"action": "withdrawn", "note_id": withdrawn.id})


def withdrawn_words(note: Note) -> str:
    """ "the note to ana/Personal of 2026-12-01 18:36: "Thank you for..." "."""
    quoted = output.preview(note.text, output.EXCERPT)
    return f'the {note.kind} in {note.journal} of {output.local_time(note.created_at)}: "{quoted}"'


# --- tables -----------------------------------------------------------------------------------


def end_text(expires_at: datetime) -> str:
    """ "until 2027-06-30 (end of day)" for an end at local midnight (how `--until DATE` is
    stored), else "until 2027-06-30 14:00" (local time)."""
    return "until " + output.share_end(expires_at)


def expiry_text(expires_at: datetime | None, expired: bool = False) -> str:
    if expires_at is None:
        return "never"
    return ("ended " if expired else "") + output.share_end(expires_at)


def sees_text(share: ShareInfo) -> str:
    """What the member reads through a share, in plain words: helper journals (copies this
    account keeps only to share) say what they copy."""
    if share.unseen:
        return (
            f"some fields of {share.source} through a copy this device cannot see (the "
            "server does not show it): sync, or look on another device of yours"
        )
    if share.kind == "mirror" and share.fields is not None:
        # the journal column names the copy after its journal ("Work (mood, tags) for
        # drsmith"): its journal is named here only when that name does not say it
        named = not share.source or share.journal.startswith(f"{share.source} (")
        source = "" if named else f" of {share.source}"
        since = f" dated from {output.local_time(share.since)}" if share.since else ""
        return f"{plain_list(share.fields)}{source}{since} (a copy kept for {share.member})"
    if share.kind == "items":
        return "only the entries and results you shared one by one"
    if share.kind == "brief":
        return "one pre-session brief"
    return "every field" if share.fields is None else plain_list(share.fields)


def flags_text(share: ShareInfo) -> str:
    """The "flags" cell of `tj shares` (NU25 C1): whether a PHQ-9 item 9 answered above 0
    now seals a safety flag for the member (`ShareInfo.safety_flags`); "no (a copy)" for a
    share that carries none (flags live in the whole journal), "no (a brief)" for a
    pre-session brief, "-" for one that ended."""
    if share.safety_flags:
        return "yes"
    if share.safety_flags is None:
        if share.expired or share.unseen:
            return "-"
        return "no (a brief)" if share.kind == "brief" else "no (a copy)"
    if share.safety_flags_read_role:
        return "no (reads only)"
    return "no (earlier share)" if share.safety_flags_earlier else "no"


def flags_footnotes(found: Iterable[ShareInfo]) -> list[str]:
    """Under `tj shares`: what "no (earlier share)" and "no (reads only)" mean and the
    command that turns flags on (the client's explicit opt-in, never taken for them), or on
    again (the annotate role: the opt-in stands), in backticks: wrapped whole (NU49 F1)."""
    return [
        f"Safety flags: {s.member} was opted in for an earlier share of {s.journal}, which "
        "does not carry over to this one. To send them safety flags: "
        + output.command(
            ["tj", "share", output.journal_word(s.journal, s.journal_id), s.member]
            + ["--role", "annotate", "--safety-flags"]
        )
        + "."
        for s in found
        if s.safety_flags is False and s.safety_flags_earlier
    ] + [
        f"Safety flags: you chose to send {s.member} safety flags for this share of "
        f"{s.journal}, but they only read it now, and a member who only reads could never "
        "mark a flag as read. Your choice stands: give them the annotate role again and "
        "flags reach them again: "
        + output.command(
            ["tj", "share", output.journal_word(s.journal, s.journal_id), s.member]
            + ["--role", "annotate"]
        )
        + "."
        for s in found
        if s.safety_flags is False and s.safety_flags_read_role
    ]


LEFT_MARK = "(they left; the server's word)"
"""How `tj shares` marks the end of a share whose member an owner device removed because the
server no longer served them (`ShareInfo.dropped_at`); `left_footnote` says what it means."""


REFUSED_MARK = "(not served; removal refused)"
"""How `tj shares` marks a current member whom the server no longer serves and whose signed
removal it refused (`ShareInfo.removal_refused`); `refused_footnote` says what it means."""


def copy_flags_footnote(found: Iterable[ShareInfo]) -> list[str]:
    """Under `tj shares`, once, when a row's flags read "no (a copy)" (NU29 F6), and once
    when one reads "no (a brief)", each in its own words (NU51 F17: a brief's row was told
    about field copies, with a share command that does not fit a brief)."""
    shown = {flags_text(s) for s in found}
    notes = []
    if "no (a copy)" in shown:
        notes.append(
            'flags "no (a copy)": a copy kept for a member holds some fields of each entry and '
            "never a safety flag: flags are sealed only in the whole journal, for the members "
            f"you chose ({output.command_text('tj share JOURNAL MEMBER --full --role annotate --safety-flags')})."
        )
    if "no (a brief)" in shown:
        notes.append(
            'flags "no (a brief)": a pre-session brief is the digest you read before sharing '
            "it, safety items and flags of its days included as text; no safety flag raised "
            "later reaches the member through it."
        )
    return notes


def left_footnote(found: Iterable[ShareInfo]) -> list[str]:
    """Under `tj shares`, once, when a row is marked LEFT_MARK (NU28 C7: the explanation
    was a paragraph in the "expires" column)."""
    if not any(s.dropped_at is not None and s.account_erased is None for s in found):
        return []
    return [
        f"{LEFT_MARK}: the server said the member left the share, or that their account was "
        "deleted; they did not sign it. Your device removed them from the journal's access "
        "on that word and changed its key (a server can only end a share this way, never "
        "extend one)."
    ]


def refused_footnote(found: Iterable[ShareInfo]) -> list[str]:
    """Under `tj shares`, once, when a row is marked REFUSED_MARK (fix34c)."""
    if not any(s.removal_refused is not None for s in found):
        return []
    return [
        f"{REFUSED_MARK}: the server says the member no longer reads the journal (they left "
        "the share, or their account was deleted; they did not sign it), but it refused to "
        "store the signed removal that takes them off the journal's access: they stay listed, "
        "as your access chain still names them, until it goes through. Every "
        f"{output.command_text('tj sync')} sends it again."
    ]


async def command_names(journal_ids: list[str], client: Client) -> dict[str, str]:
    """How a suggested command names each journal of `journal_ids` (hex) unmistakably:
    `client_sdk.journals.command_name` (its name, or its id when another journal bears it)."""
    from client_sdk.journals import command_name

    return {i: await command_name(client.journals, i) for i in journal_ids}


def delete_command(kept: KeptCopy, named: str = "") -> str:
    """`tj journal delete ...` for a kept copy, naming it as `named` says (its name, or its
    id when another journal of this device bears that name: NU36 #1); by id without it."""
    return output.command(["tj", "journal", "delete", output.journal_word(named, kept.journal_id)])


def kept_copy_lines(kept: Iterable[KeptCopy], named: dict[str, str]) -> list[str]:
    """Under `tj shares`: each journal kept for a member whose share you ended, which stays
    on your devices, shared with nobody (`client.shares.kept_copies`, NU28 C2); `named`:
    how the command to delete each names it (`command_names`)."""
    return [
        f"Share ended, copy kept: {output.quoted(k.journal)} ({kept_what(k)}; ended from one of your "
        f"devices {output.local_time(k.ended_at) if k.ended_at else ''}; holds "
        f"{contents_text(dict(k.contents))}): shared with nobody now; to delete it for "
        f"good: {delete_command(k, named.get(k.journal_id, ''))}"
        for k in kept
    ]


def kept_what(kept: KeptCopy) -> str:
    """ "the mood and tags of Personal, for drsmith"; "entries and results shared one by
    one with drsmith"."""
    if kept.kind == "items":
        return f"entries and results shared one by one with {kept.member}"
    fields = plain_list(kept.fields) if kept.fields else "every entry field"
    source = f" of {output.named(kept.source)}" if kept.source else ""
    return f"the {fields}{source}, for {kept.member}"


def kept_copy_text(kept: KeptCopy, named: str = "") -> str:
    """What `tj unshare` says of a journal kept for the member whose share it ended
    (`EndedShares.kept`): that it stays, what it holds, why, and how to delete it (NU28
    C2: it was left behind without a word)."""
    member = kept.member
    if kept.kind == "items" or not kept.source:
        again = f"sharing items with {member} again ({output.command_text('tj share-entry')}) takes it up again"
    else:
        only = ",".join(kept.fields) if kept.fields else ""
        again = (
            output.command(
                [
                    "tj",
                    "share",
                    output.journal_word(kept.source, kept.source_id or ""),
                    member,
                    "--only",
                    only,
                ]
            )
            + " takes it up again"
            if only
            else f"sharing the same fields with {member} again takes it up again"
        )
    held = dict(kept.contents)
    notes = held.get("note", 0)
    stay = (
        f", and so that the {output.plural(notes, 'note', 'notes')} written there "
        f"{'stays' if notes == 1 else 'stay'} with you"
        if notes
        else ""
    )
    originals = (
        f" (your originals in {output.named(kept.source)} stay)"
        if kept.source
        else " (your originals stay where you wrote them)"
    )
    return (
        f"{output.quoted(kept.journal)} stays on your devices, shared with nobody: it holds "
        f"{contents_text(held)} ({kept_what(kept)}). It is kept, not deleted with the share, "
        f"so that {again} (asking first, since {member} would get what it holds){stay}. To "
        f"delete it for good{originals}: {delete_command(kept, named)}."
    )


def shares_table(found: Iterable[ShareInfo]) -> Table:
    """`tj shares`: journal and member names are never cut short (cli/tables.py)."""
    columns = [
        Column("journal", NAME),
        Column("member", NAME),
        Column("role", FIXED),
        Column("sees"),
        Column("expires", NAME, bends=True),  # short words: broken before "sees" wraps more
        Column("flags", NAME, bends=True),  # "no" above "(a copy)" (NU42 #11)
    ]
    found = list(found)
    rows = []
    for s in found:
        sees = sees_text(s)
        ends = "unknown here" if s.unseen else expiry_text(s.expires_at, s.expired)
        if s.account_erased is not None:
            sees = "nothing now"
            ends = f"ended {output.local_time(s.account_erased)}: their account was erased"
        elif s.dropped_at is not None:  # before its signed end date (NU22 C9)
            sees = "nothing now"
            ends = f"ended {output.local_time(s.dropped_at)} {LEFT_MARK}"  # NU28 C7
        elif s.removal_refused is not None:  # still on the chain: the server refused it
            ends = f"{ends} {REFUSED_MARK}"
        rows.append((s.journal, member_label(s, found), s.role, sees, ends, flags_text(s)))
    return fitted(columns, rows)


def member_label(share: ShareInfo, found: list[ShareInfo]) -> str:
    """A member as `tj shares` names them: their username, or, for an erased account (its
    username is free for anyone to take) or a username another listed member's account bears,
    "drsmith (account d4c9000f)", as `tj shares log` names them: never a bare name that
    another account may hold now."""
    others = {
        s.member_id for s in found if s.member_id and s.member.casefold() == share.member.casefold()
    }
    if share.account_erased is None and len(others) <= 1:
        return share.member
    if share.member_id:
        return f"{share.member} (account {share.member_id[:8]})"
    return f"{share.member} (account since erased)"


def shared_table(found: Iterable[SharedJournal]) -> Table:
    """Names never cut (cli/tables.py); an ended share's copy as the SDK words it (NU32 #6):
    "no longer served" is the server's word only, and `tj forget` then needs --unlisted
    (NU29 F3). A role is broken between its words, never inside one ("anno"/"tate": NU35 #2).
    The journal names its owner ("ana/Personal", "kim (account 1a2b3c4d)/Personal"): no
    column repeats it (NU47 #14: at 80 columns "  owner: ana (?)" under each of 54 rows). A
    journal whose owner's fingerprint was never compared is marked "ana/Personal (?)": one
    warning below the table says what it means (NU43 #7: "(fingerprint not verified)" took
    11 rows' second lines). The copy of an ended share is named as every other list names
    it ("ana/Personal", by account only where two accounts here bear one username): only the
    commands printed below the table name its owner by account (`account_labels_line`)."""
    columns = [Column("journal", NAME), Column("role", NAME)]
    return fitted(
        [*columns, Column("expires", FIXED)],
        (
            (
                s.journal + ("" if s.owner_verified else f" {output.UNVERIFIED_MARK}"),
                s.access,
                shared_end_text(s),
            )
            for s in found
        ),
    )


def shared_end_text(share: SharedJournal) -> str:
    """The "expires" cell of a journal shared with you: an ended share says so (with its end
    date only when it ended by reaching it, not when the owner ended it before); a copy the
    server merely stopped serving (`unlisted`: its role says "no longer served") says
    "unknown": no end its owner signed is known here, and the end date they signed before
    may no longer be theirs (never "ended"; NU58: it repeated "no longer served"). A share
    you left on this device says when, as this device recorded it: "left 2026-12-06 00:02"."""
    if not share.read_only_copy:
        return expiry_text(share.expires_at)
    if share.expires_at is not None and share.expires_at <= datetime.now(UTC):
        return expiry_text(share.expires_at, expired=True)
    if share.left_at is not None:
        return f"left {output.local_time(share.left_at)}"
    return "unknown" if share.unlisted else "ended"


async def no_longer_shared(client: Client) -> set[str]:
    """The documents (hex ids) with a change set aside because their journal is no longer
    shared with this account, by its owner's signed chain (`sync.refusal_words`): no retry
    sends those (NU30 F1)."""
    ended = {j.id for j in await client.journals.list() if j.read_only_copy}
    return {
        c.doc_id
        for c in await client.set_aside()
        if c.code == "forbidden" and c.journal_id in ended
    }


def note_dict(note: Note) -> dict[str, Any]:
    """A note in `tj notes --json`: `Note.to_dict()` with a refused withdrawal in the CLI's
    words (`output.withdrawal_words`), a string as it always was."""
    found = note.to_dict()
    if note.withdrawal_refused is not None:
        found["withdrawal_refused"] = output.withdrawal_words(note.withdrawal_refused)
    return found


WITHDRAWAL_REFUSED_MARK = "[WITHDRAWAL REFUSED: text cleared here, still read there]"
"""How `tj notes` shows your note whose withdrawal the server refused (R28 F3)."""


def notes_table(found: Iterable[Note], me: str = "") -> Table:
    """Each note whole: its text wraps in the table, never cut short (a safety instruction
    at the end of a note is what a cut would lose); "you" for the notes `me` wrote."""
    columns = [
        ID,
        DATE,
        Column("journal", NAME),
        Column("kind", FIXED),
        Column("by", NAME),
        Column("text"),
    ]
    return fitted(
        columns,
        (
            (
                output.short_id(n.id),
                output.local_time(n.created_at),
                n.journal,
                n.kind,
                "you"
                if n.author == me
                else f"{n.author} (therapist)"
                if n.by_therapist
                else n.author,
                f"{WITHDRAWAL_REFUSED_MARK} {output.withdrawal_words(n.withdrawal_refused)}"
                if n.withdrawal_refused
                else n.text
                if n.delivered
                else f"{output.NOT_DELIVERED_MARK} {n.text}",
            )
            for n in found
        ),
    )
