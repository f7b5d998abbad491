"""`tj sync`: one sync with a progress bar on long runs, or `--watch` to stay in sync."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import shutil
from collections.abc import Collection
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click
from rich.cells import cell_len

from cli import output
from cli.main import (
    LEFT_BEFORE_FAILURE,
    UNSENT_OFFLINE,
    Home,
    cli,
    json_option,
    left_words,
    no_default_line,
    pass_home,
    sync_exit_status,
    unsent_words,
)
from cli.progress import UPLOAD_WAIT_S, sync_once
from cli.terminal import compact
from client_sdk.errors import TJError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from client_sdk import (
        Client,
        CredentialChange,
        NewDevice,
        Notice,
        SetAsideChange,
        SyncReport,
    )
    from client_sdk.departures import Departure
    from client_sdk.safety import UndeliveredFlag
    from client_sdk.sync import News

    SignIns = tuple[Sequence[NewDevice], Sequence[CredentialChange]]
    """Sign-ins and credential changes other commands' syncs told (`unseen_sign_ins`)."""


def trigger_name(notice: Notice | None) -> str:
    """What started a watching sync, as `tj sync --watch --json` names it: "connected"
    (after each (re)connection, or none given), "notice" (the server announced a change),
    "local" (this process wrote something to send) or "scheduled" (the sync a watch runs
    once a minute, or when the server takes uploads again: `Client.watch`)."""
    if notice is None or notice.connected:
        return "connected"
    if notice.local:
        return "local"
    if notice.meta or notice.journal_id is not None:
        return "notice"
    return "scheduled"


def show_report(
    report: SyncReport,
    as_json: bool,
    one_line: bool = False,
    earlier: list[News] | None = None,
    earlier_told: list[Departure] | None = None,
    left: Collection[str] = (),
    earlier_sign_ins: SignIns = ((), ()),
    kept: Sequence[SetAsideChange] = (),
    unsent: Sequence[dict[str, Any]] = (),
) -> None:
    """`report` in words (or JSON), warnings and notices on stderr; `earlier` and
    `earlier_told`: the news and share changes other commands' quick syncs brought before
    it (`Client.unseen_news`, `Client.unseen_departures`): a line after the summary, and
    `earlier`, `earlier_departures` in the JSON; `earlier_sign_ins`: the sign-ins and
    credential changes they told (`Devices.unseen_sign_ins`), in that line too, and
    `earlier_new_devices`, `earlier_credential_changes` in the JSON; `kept`: the changes set
    aside on this device (`Client.set_aside()`), for the JSON's `set_aside` rows; `unsent`:
    the rows of the safety flags still on this device (`unsent_rows`), its `unsent_flags`."""
    if as_json and one_line:  # JSON lines while watching, each naming what started its sync
        trigger = trigger_name(report.trigger)
        said = {**output.sync_dict(report, kept, unsent), "trigger": trigger}
        output.data(json.dumps(output.unmarked(said)))
    elif as_json:
        output.print_json(
            {
                **output.sync_dict(report, kept, unsent),
                **earlier_dict(earlier, earlier_told, earlier_sign_ins),
            }
        )
    elif one_line:  # watching: one line per change, with the local time
        at = datetime.now().strftime("%H:%M")
        for line in output.watch_lines(report):
            output.data(output.notices_below(f"{at} {line}"), prose=True)
    else:
        if (safety := output.safety_line(report)) is not None:
            output.message(safety)
        output.data(output.notices_below(output.sync_summary(report)), prose=True)
        if earlier or earlier_told or any(earlier_sign_ins):
            text = earlier_text(
                earlier or [], earlier_told or [], left=left, sign_ins=earlier_sign_ins
            )
            output.data(text, prose=True)
    output.sync_warnings(report)


def earlier_text(
    earlier: list[News],
    told: list[Departure],
    width: int | None = None,
    left: Collection[str] = (),
    sign_ins: SignIns = ((), ()),
) -> str:
    """The news and share changes other commands' quick syncs brought since the last `tj
    sync` (NU43 #4: that sync's "nothing new" hid a client's entry `tj caseload` had
    fetched first; NU44 F6: a share's end it told on its stderr only), each source named
    once (sync.grouped_by_source, NU44 F7), then the share changes in the order told
    (`output.departure_in_brief`): "Earlier, fetched by other commands since your last `tj
    sync` or sign-in: from hugo: 1 new entry, 1 new goal; dev's 'Personal' is no longer
    served to you (21:02)." (a sign-up or login is a sign-in: a home may have run no `tj
    sync` yet, NU74 F12); when that is longer than the terminal's width (`width`, default
    `output.fields_text`'s), the lead alone on its line and each source and each share
    change on its own line under it, indented, wrapped (NU50 F5: one line of 180 characters
    at 80 columns), as `output.sync_summary` says a long summary. A share given to you that
    this device left since (`left`: journal ids, hex) says so: "dana shared 'Personal' with
    you (00:50) (you left it since)". Then the sign-ins and credential changes they told on
    their stderr only (`sign_ins`: a script's `tj list 2>/dev/null` must not use them up
    unsaid), as their notices say them."""
    from client_sdk.sync import source_parts

    last = output.command_text("tj sync")
    lead = f"Earlier, fetched by other commands since your last {last} or sign-in:"
    said = [*source_parts(earlier), *(left_since(d, left) for d in told)]
    said += [d.line(output.local_time).rstrip(".") for d in sign_ins[0]]
    said += [c.line(output.local_time).rstrip(".") for c in sign_ins[1]]
    text = f"{lead} {'; '.join(said)}."
    if cell_len(compact(text)) <= (width or shutil.get_terminal_size().columns):  # as shown
        return text
    return f"{lead}\n" + output.fields_text([f"  {part}" for part in said], width)


async def ended_since(client: Client, news: list[News]) -> list[News]:
    """`news`, each of new assignments whose journal holds, by that source, only
    assignments that ended since with their share (`Assignments.ended`: the owner-signed
    chain) told as such (`News.ended_since`), never as new work to look for (NU64 F18: the
    assignments of a copy replaced by `tj share --only` were announced "new")."""
    from client_sdk.errors import TJError

    found = []
    for item in news:
        if item.kind == "assignment" and item.what == "new" and item.journal_id and not item.own:
            try:
                made = await client.assignments.list(item.journal_id, include_ended=True)
            except TJError:  # the journal went: as it was kept
                found.append(item)
                continue
            theirs = [a for a in made if a.assigned_by == item.source]
            if theirs and all(a.share_ended is not None for a in theirs):
                item = item.ended_since()
        found.append(item)
    return found


async def flags_not_delivered(client: Client, report: SyncReport) -> list[str]:
    """The full "Not delivered ... contact them directly" line of each safety flag the server
    refused for good in this sync (`SetAside.line`), said at every sync that refuses it, since
    its member does not have it and an earlier sync's words may never have reached the user;
    none when the sync set no safety flag aside, nor for one this sync's "Safety:" line told
    in full already (`SyncReport.undelivered_flags`: the first sync that sets it aside as its
    journal is gone), so each is told once per sync."""
    if not report.set_aside:
        return []
    kept = {c.record_id: c for c in await client.set_aside() if c.kind == "safety_flag"}
    told = {u.flag_id for u in report.undelivered_flags}
    where = f" in {output.command_text('tj set-aside list')}"
    unsent = {u.flag_id: u for u in await client.safety.unsent()}  # which answer, for whom
    several = await output.several_journals(client)  # then the plan's journal is named
    return [
        record.line(kept[record.record_id], kept=where)
        + flag_words(unsent.get(record.doc_id or ""), several)
        for record in output.newly_set_aside(report)
        if record.record_id in kept and record.doc_id not in told
    ]


def plan_not_loaded_text() -> str:
    """What `tj sync` says while the journal whose safety plan the safety message shows is
    not on this device (`SyncReport.plan_not_loaded`): the message's own line
    (`safety.plan_not_loaded_line`), with the command that chooses another default
    journal."""
    from client_sdk.safety import NO_HINTS, plan_not_loaded_line

    hints = dataclasses.replace(
        NO_HINTS, choose_default=output.command_text("tj journal default NAME")
    )
    return f"Safety: {plan_not_loaded_line(hints)}"


def flag_words(flag: UndeliveredFlag | None, several: bool) -> str:
    """After a set-aside safety flag's "Not delivered" line (`flags_not_delivered`): which
    flag it is and whom it is for, as the other lines of a flag still on this device name
    it (`UndeliveredFlag.named`), then where the safety plan is (`output.plan_tell`, naming
    the flag's journal with `several`, the user's own journals more than one); "" for a
    flag `Safety.unsent` does not list. Pure."""
    if flag is None:
        return ""
    who = output.and_words(list(flag.members)) if flag.members else "the people it was for"
    named = flag.named()
    plan = output.plan_tell(flag.journal, flag.journal_id, several)
    return f" It is {named[:1].lower()}{named[1:]}, for {who}, still on this device. {plan}"


def flag_name(measure: str) -> str:
    """The name of the questionnaire `measure` (an instrument id), as the safety lines say it."""
    from client_sdk.scoring import builtin_instruments

    found = builtin_instruments().get(measure)
    return found.name if found else measure


async def unsent_offline(client: Client) -> None:
    """Keep, for the error's line of a `tj sync` that could not reach the server, each safety
    flag still on this device in full (`unsent_words`; `UNSENT_OFFLINE`): it has not left,
    its members cannot see it, and where help is; and, for `--json`, their rows as `tj
    safety flags --json` gives them (status "not sent"), as the error object's
    `unsent_flags` (`output.ERROR_EXTRA`), for every `tj sync` that fails (signed out,
    session expired, an answer refused: a signed-out line says them itself, `login_again`),
    so a script never reads "no flag held" from an error that names one. Each flag that
    left in the failed sync itself (`Safety.left_in_failed_sync`: the server acknowledged
    its push before the sync failed) is said at the end of the error's line, whatever the
    error (`left_words`; `LEFT_BEFORE_FAILURE`), and so not again by the next sync; with
    --json, their rows are the error object's `flags_sent` (as a completed sync's)."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None:  # those that left before it failed: said in its words, once
        with contextlib.suppress(TJError):
            left = await client.safety.left_in_failed_sync(told=True)
            if left:
                from client_sdk.sync import sent_flag_dict

                ctx.meta[LEFT_BEFORE_FAILURE] = left_words(left)
                output.ERROR_EXTRA["flags_sent"] = [sent_flag_dict(u) for u in left]
    try:
        unsent = await client.safety.unsent()
        rows = await unsent_rows(client, unsent)
    except TJError:  # the error's line stands without them
        return
    if ctx is not None and unsent:
        ctx.meta[UNSENT_OFFLINE] = unsent_words(unsent, await output.several_journals(client))
        output.ERROR_EXTRA["unsent_flags"] = rows


async def unsent_rows(
    client: Client, unsent: list[UndeliveredFlag] | None = None
) -> list[dict[str, Any]]:
    """The rows (as `tj safety flags --json` gives them) of the safety flags still on this
    device (`unsent`, else `Safety.unsent()`): not sent yet, or set aside by the server's
    refusal (a 413, its journal gone) and sent again at every sync: `tj sync --json`'s
    `unsent_flags`, in its report as in its error object. Raises StoreBusy."""
    if unsent is None:
        unsent = await client.safety.unsent()
    ids = {u.flag_id for u in unsent}
    return [f.to_dict() for f in await client.safety.flags() if f.id in ids] if ids else []


async def as_told(client: Client, report: SyncReport) -> SyncReport:
    """`report` with its own news of assignments that ended in that same sync (the share they
    were made in ended before this device saw them) told as ended (`ended_since`), as the
    news of earlier syncs are: never "1 new assignment" for homework no longer due (NU66 F6)."""
    if not any(n.kind == "assignment" for n in report.news):
        return report
    return dataclasses.replace(report, news=await ended_since(client, report.news))


def left_since(d: Departure, left: Collection[str]) -> str:
    """`output.departure_in_brief(d)`, with "(you left it since)" for a change that gave
    (or kept giving) you a journal this device left since (`left`: journal ids, hex)."""
    from client_sdk import departures

    said = output.departure_in_brief(d)
    given = (
        departures.SHARED,
        departures.RETURNED,
        departures.RENEWED,
        departures.CHANGED,
        departures.NARROWED,
        departures.RELISTED,
    )
    if d.owner and d.reason in given and d.journal_id in left:
        said += " (you left it since)"
    return said


def earlier_dict(
    earlier: list[News] | None, told: list[Departure] | None, sign_ins: SignIns = ((), ())
) -> dict[str, Any]:
    """`earlier`, `earlier_departures`, `earlier_new_devices` and
    `earlier_credential_changes` of `tj sync --json`: the news, the share changes, the
    sign-ins and the credential changes other commands' quick syncs brought (`departures`',
    `new_devices`' and `credential_changes`' shapes)."""
    return {
        "earlier": [n.to_dict() for n in earlier or []],
        "earlier_departures": [d.to_dict() for d in told or []],
        "earlier_new_devices": [d.to_dict() for d in sign_ins[0]],
        "earlier_credential_changes": [c.to_dict() for c in sign_ins[1]],
    }


def named_afresh(client: Client) -> Client:
    """`client`, naming this account's devices in sync reports from a fresh device list
    (`Devices.names_max_age_ms`): a person reads these lines, and a device renamed on
    another one must not keep its old name for an hour (NU18 C8)."""
    client.devices.names_max_age_ms = 0
    return client


async def watch(client: Client, as_json: bool) -> None:
    """Print a line once connected, one when the connection is lost and one when it is back
    (after the catch-up sync), each with the local time, then one per sync that changed
    something. What other commands' quick syncs fetched before it is said first, as `tj
    sync` says it (NU44 F4: the first report marked it seen unsaid)."""
    output.message(f"connecting to {client.profile.server_url}")
    earlier, told = await client.unseen_news(), await client.unseen_departures()
    sign_ins = await client.devices.unseen_sign_ins()
    if earlier or told or any(sign_ins):
        said = await ended_since(client, earlier)  # as `tj sync` says them
        if as_json:
            output.data(json.dumps(output.unmarked(earlier_dict(said, told, sign_ins))))
        else:
            output.data(earlier_text(said, told, sign_ins=sign_ins), prose=True)
        await client.mark_news_seen([*earlier, *told])  # as they were kept
        await client.devices.mark_sign_ins_seen([*sign_ins[0], *sign_ins[1]])  # these only
    client.devices.look_soon()  # a person started it: look for new sign-ins at once
    lost: list[str] = []  # when the connection was lost, while it is
    ever: list[bool] = []  # connected at least once

    def on_lost() -> None:
        at = datetime.now().strftime("%H:%M")
        lost.append(at)
        what = "connection lost" if ever else "cannot connect yet"
        status = client.transport.live_not_ours
        why = (
            "the server cannot be reached"
            if status is None
            else f"{client.transport.base_url} does not answer as a Therapy Journal server "
            f"(HTTP {status}: something in between answered, such as a proxy or a network's "
            "sign-in page)"
        )
        output.message(
            f"{at} {what} ({why}): changes are kept on this device; reconnecting in the background"
        )

    async for report in client.watch(on_lost=on_lost):
        if report.trigger is not None and report.trigger.connected:
            if not ever:
                output.message("connected: watching for changes; press Ctrl-C to stop")
            elif lost:
                at = datetime.now().strftime("%H:%M")
                output.message(f"{at} connected again (lost at {lost[0]}): caught up")
            ever.append(True)
            lost.clear()
        # what it sent or fetched, a journal made elsewhere, or anything it has to say
        # (`has_notices`: a late safety flag, an answer that got none, a share change, ...)
        if report.pushed or report.pulled or report.news or report.has_notices():
            kept = await client.set_aside() if as_json and report.set_aside else []
            unsent = await unsent_rows(client) if as_json else []
            show_report(
                await as_told(client, report), as_json, one_line=True, kept=kept, unsent=unsent
            )
            if not as_json:  # told it had NOT left: the JSON line has them as "flags_sent"
                for line in output.flags_sent_lines(report):
                    output.message(line, wrap=True)  # nu78 F5
        if report.news:  # told here: not again as "earlier" by the next `tj sync`
            await client.mark_news_seen(report.news)
        if report.new_devices or report.credential_changes:  # said here, as the news
            await client.devices.mark_sign_ins_seen(
                [*report.new_devices, *report.credential_changes]
            )


@cli.command()
@click.option(
    "--watch",
    "keep_watching",
    is_flag=True,
    help="Stay connected and sync whenever a journal changes, until interrupted.",
)
@click.option(
    "--max-wait",
    type=click.FloatRange(min=0),
    default=UPLOAD_WAIT_S,
    show_default=True,
    help="Seconds to wait in all for the server's per-account upload limit before "
    "stopping (what is left uploads at the next sync); 0 never waits.",
)
@json_option
@pass_home
def sync(home: Home, keep_watching: bool, max_wait: float, as_json: bool) -> None:
    """Send local changes and fetch new ones from the server.

    A long sync shows a progress bar; every sync ends with one summary line in
    plain words ("sent 1 change, 2 new entries from phone"), then a line for what
    other commands fetched when they synced first since your last `tj sync` or
    sign-in, share changes and sign-ins they told included ("Earlier, fetched by
    other commands ...": --json "earlier", "earlier_departures", "earlier_new_devices",
    "earlier_credential_changes"). With --watch, the device stays in sync live,
    says that line first, and prints one line per change as it arrives (with --json,
    one object per sync, its "trigger" one of "connected", "notice", "local" or
    "scheduled": the sync it runs once a minute).

    If signed records show that the server holds back records (it dropped
    some, or shows this device a frozen view), a warning names the journal,
    device and missing records, and the exit status is 3; also when the server
    stopped sending records before the end of a journal (the pull is incomplete).
    A journal whose access chain the server rolled back or forked, or that
    holds an entry signed with a newer version of the app ("update the app"),
    or a journal shared with you whose owner's keys changed (compare fingerprints,
    then `tj verify NAME FINGERPRINT`), gets a warning, and the exit status is 1.
    When the server refuses a change of this device for good (a share that ended,
    a role taken back), the change is set aside and kept here (`tj set-aside
    list`), a warning says why, and the exit status is 4: it was not delivered.
    A safety flag or a questionnaire result set aside is sent again at every
    sync. A result the server refuses again is not warned of again, but reminded
    of in one line, and the exit status stays 0; a safety flag the server refuses
    again is told in full at every sync (its member does not have it: contact
    them directly), with exit status 4.

    Each sign-in to your account by another device since the last look (with
    the recovery key or not, also one signed out since), and a password or
    recovery key changed on another device, are told once each in a notice
    naming the device's id, with what to do if it was not you (--json:
    "new_devices", "credential_changes"): `tj sync` looks at each run, `tj sync
    --watch` when it starts and then hourly, and any other command that syncs
    hourly (its notices then on its stderr, and again in `tj sync`'s "Earlier"
    line). This is the server's word:
    it is there for a stolen password or recovery key, and a dishonest server
    could hide a sign-in.

    The server limits how many changes one account may upload per minute (20,000
    by default). A sync with more waiting (a long time offline, a large import)
    uploads what the server takes, waits as it asks (showing how long; at most
    --max-wait seconds in all, and never more than 2 minutes at once), and
    otherwise stops and says how many changes wait and from when the next sync
    uploads them. Nothing is lost; the exit status stays 0.

    \b
    Examples:
      tj sync
      tj sync --json
      tj sync --watch
    """
    if keep_watching:
        try:
            home.run(lambda client: watch(named_afresh(client), as_json))
        except KeyboardInterrupt:
            output.message("stopped watching")
        return

    async def work(client: Client) -> SyncReport:
        earlier = await client.unseen_news()  # what other commands' quick syncs brought
        told = await client.unseen_departures()
        sign_ins = await client.devices.unseen_sign_ins()  # told on their stderr only
        client.devices.sign_ins_interval_ms = 0  # a person asked: look for new sign-ins now
        try:
            report = await sync_once(named_afresh(client), max_upload_wait=max_wait)
        except TJError:  # the flags still here: in the error's line (offline), as its rows
            await unsent_offline(client)  # (signed out, refused, ...: every failed sync)
            raise
        shown: list[News | Departure] = [*earlier, *report.news, *told, *report.departures]
        # Each told as named after this sync (`Departure.owner_label`, equal either way): it
        # may have brought the journal of another account bearing its owner's name (NU46 #7).
        now = await client.unseen_departures()
        told = [next((n for n in now if n == d), d) for d in told]
        shared = await client.shares.with_me(refresh=False) if told else []
        left = {s.journal_id for s in shared if s.left_at is not None}  # left here since
        show_report(
            await as_told(client, report),
            as_json,
            earlier=await ended_since(client, earlier),  # marked seen as they were kept
            earlier_told=told,
            left=left,
            earlier_sign_ins=sign_ins,
            kept=await client.set_aside() if as_json and report.set_aside else [],
            unsent=await unsent_rows(client) if as_json else [],  # set aside, refused
        )
        if not as_json and (line := await no_default_line(client, report)) is not None:
            output.message(line, wrap=True)
        if not as_json and report.plan_not_loaded:  # the safety message's words, each sync
            output.message(plan_not_loaded_text(), wrap=True)
        if not as_json:
            for line in await flags_not_delivered(client, report):
                output.message(line, wrap=True)
            for line in output.flags_sent_lines(report):
                output.message(line, wrap=True)  # nu78 F5
        # Marked once printed (a sync cut off before would leave them told nowhere), and
        # only those printed: what another command's sync told meanwhile is said next time.
        await client.mark_news_seen(shown)
        await client.devices.mark_sign_ins_seen(
            [*sign_ins[0], *report.new_devices, *sign_ins[1], *report.credential_changes]
        )
        return report

    report = home.run(work)
    from cli import editor

    if any(p.name.endswith(editor.ANSWERS_SUFFIX) for p in editor.drafts_kept(home.path)):
        from cli.measures import tell_owed_flags

        tell_owed_flags(home)  # answers whose flag only their save sends: no sync seals it
    if (status := sync_exit_status(report)) != 0:
        raise SystemExit(status)
