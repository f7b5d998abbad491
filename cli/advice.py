"""The CLI's words for SDK errors whose advice is a `tj` command with the error's own names
in it (NU45 #4: the SDK's messages name no app's command; the error gives its `subject`,
its `situation` and the `names` the command needs). `SAID` maps a subject to the whole line
the CLI prints; `cli/main.py:with_hint` uses it before its plain hints (`HINTS`)."""

from __future__ import annotations

import json
from collections.abc import Callable

import click

from cli import output
from client_sdk.errors import TJError, UnsentChanges


def _id(error: TJError, name: str) -> str:
    """The id of the error's journal `name` (`names[name + " id"]`), "" when not given."""
    return error.names.get(f"{name} id", "")


def _journal(error: TJError, name: str) -> str:
    """The error's journal `name` as a printed command names it (`output.journal_word`): by
    its id (`_id`, when the error gives it) when the name would not paste back exactly."""
    return output.journal_word(error.names[name], _id(error, name))


def _situation(error: TJError) -> str:
    return error.situation or str(error)


ASKED_TERMS = "tj.share terms"
"""The key, in click's context meta (shared by every context of a run), of the `--role` and
`--until` the `tj share` being run was given ((role or None, end: datetime, "never" or
None)), for `share_again`: the terms the user asked for stand in the command it prints."""


def share_again(error: TJError) -> str:
    """A member's share ended by the server's word: the share command that gives it again,
    the whole journal or the fields of its source (`--only`), with the terms they held (the
    error's "role", "until", "fingerprint": `output.share_again_words`), but a `--role` or
    `--until` given to the `tj share` refused, which are the terms the user asked for
    (fix34b: `tj share J M --role annotate` was answered with `tj share J M --full`)."""
    from datetime import datetime

    from client_sdk.departures import LEFT, Departure

    names = error.names
    role, until = names.get("role", ""), int(names.get("until") or 0)
    context = click.get_current_context(silent=True)
    asked = context.meta.get(ASKED_TERMS) if context is not None else None
    if asked is not None:
        asked_role, asked_until = asked
        role = asked_role or role
        if isinstance(asked_until, datetime):
            until = int(asked_until.timestamp() * 1000)
        elif asked_until is not None:  # "never"
            until = 0
    held = Departure(
        names["member"],
        names.get("journal", ""),
        names.get("journal id", ""),
        LEFT,
        source=names.get("source", ""),
        source_id=names.get("source id", ""),
        fields=tuple(f for f in names.get("fields", "").split(",") if f),
        held_role=role,
        held_until=until,
        held_fingerprint=names.get("fingerprint", ""),
    )
    words, end = output.share_again_words(held)
    again = output.command(words)
    if until and not end:  # past: asked for anew, as after a leave (nu84 F1)
        again += f" (the share they held was to end {output.end_of_share(until)}, which is past)"
    return f"{_situation(error)}. To share it with them again: {again}"


def forget_unlisted(error: TJError) -> str:
    """A copy the server no longer serves, its share not ended by the verified chain."""
    forget = output.forget_command(
        error.names["journal"], True, _id(error, "journal"), by_id=bool(error.names.get("by id"))
    )
    return f"{_situation(error)}. Once you know the share ended, run {forget}"


def forget_unsent(error: TJError) -> str:
    """A copy kept because changes of this device in it are not on the server: sync, or keep
    the words of those set aside and drop them, then forget again (NU30 F1)."""
    names = error.names
    again = output.forget_command(
        names["journal"],
        bool(names["unlisted"]),
        _id(error, "journal"),
        by_id=bool(names.get("by id")),
    )
    waiting, refused = int(names["waiting"]), int(names["set aside count"])
    label = output.quoted(names["journal"])
    lose = "it" if waiting + refused == 1 else "them"
    if waiting:
        changes = "1 change" if waiting == 1 else f"{waiting:,} changes"
        also = f" and {refused} the server refused for good (set aside)" if refused else ""
        return (
            f"{label} has {changes} of this device not yet on the server (waiting to be "
            f"sent){also}: forgetting the copy would lose {lose}; sync first ({output.command_text('tj sync')}), then "
            f"run {again} again"
        )
    drops = "; ".join(
        output.command(["tj", "set-aside", "drop", i]) for i in names["set aside"].split()
    )
    if int(names["set aside documents"]) > 3:
        drops = f"{output.command_text('tj set-aside drop ID')} for each one in {output.command_text('tj set-aside list')}"
    changes = "1 change" if refused == 1 else f"{refused:,} changes"
    their = "its" if lose == "it" else "their"
    return (
        f"{label} has {changes} of this device the server refused for good (set aside, not "
        f"on the server): forgetting the copy would lose {lose}; keep {their} words ("
        f"{output.command_text('tj set-aside list --json > refused.json')}), then drop {lose} ({drops}), then run "
        f"{again} again"
    )


def forget_active(error: TJError) -> str:
    """A share still active: leave it first; and the commands that discard read-only copies
    of an erased account that bore its owner's username (NU46 #1)."""
    leave = (  # the journal named: a bare `tj leave` is refused (NU56 #6)
        f"leave it first ({output.command(['tj', 'leave', _journal(error, 'journal')])}), "
        "then forget its copy"
    )
    copies = json.loads(error.names.get("copies") or "[]")  # a JSON list (REV-S9B S9B-5)
    if not copies:
        return f"{_situation(error)}: {leave}"
    unlisted = set(json.loads(error.names["unlisted copies"]))
    commands = [output.forget_command(name, name in unlisted) for name in copies]
    return (
        f"{_situation(error)}, {' or '.join(commands)} discards it. This one's share is still "
        f"active: {leave}"
    )


def annotate_role(error: TJError) -> str:
    """A read-only member's note refused: the owner's command that gives the annotate role."""
    return (
        f"{error} (on their device: "
        + output.their_command(
            ["tj", "share", _journal(error, "journal"), error.names["member"], "--role", "annotate"]
        )
        + ")"
    )


def items_copy(error: TJError) -> str:
    """A write refused in a journal kept for a member: for one shared item by item, the
    commands that share an entry or a measure's result."""
    if error.names.get("kind") != "items":
        return str(error)
    return f"{error} ({output.command_text('tj share-entry')}; a measure's result: {output.command_text('tj measure share')})"


def own_note_about(error: TJError) -> str:
    """A therapist's note marked to discuss: the commands that write one's own about it and
    mark that one (NU35 #7)."""
    note = f"About note {error.names['note']}: ..."
    write = output.command(["tj", "note", _journal(error, "journal"), note])
    return (
        f"{_situation(error)}: write one of your own about it, {write}, and mark that one "
        f"with {output.command_text('tj discuss ID')} (the id {output.command_text('tj note')} "
        "prints)"
    )


def withdrawal_refused(error: TJError) -> str:
    """A withdrawal of one's own note refused: only the journal's owner can remove it now,
    with the commands (`output.withdrawal_words`)."""
    from client_sdk.withdrawals import RefusedWithdrawal  # not at start-up

    return output.withdrawal_words(RefusedWithdrawal.from_names(error.names))


def forget_kept(error: TJError) -> str:
    """The command that drops a kept recovery key of one account, by its id."""
    return output.command(
        ["tj", "recovery-key", "forget-kept", "--account", error.names["account"]]
    )


def other_account(error: TJError) -> str:
    """A signup finished again whose account on the server is another one (or its password
    changed since), with the command that gives up the key kept for it."""
    from client_sdk.pending_signup import other_account_text  # not at start-up

    names = error.names
    return other_account_text(
        names["username"], names["kept"], names["account"], give_up=forget_kept(error)
    )


def kept_key(error: TJError) -> str:
    """A new signup refused on a home keeping another signup's key, with the command that
    gives that key up."""
    from client_sdk.pending_signup import kept_key_text  # not at start-up

    names = error.names
    return kept_key_text(
        names["home"], names["username"], names["server"], names["account"],
        give_up=forget_kept(error),
    )  # fmt: skip


def maybe_made(error: TJError) -> str:
    """A signup's name taken, maybe by this device's own earlier signup through a proxy that
    answered with its own page (rev32d F5), with the login that finishes it."""
    from client_sdk.pending_signup import maybe_made_text  # not at start-up

    names = error.names
    login = output.command(["tj", "login", names["server"], names["username"]])
    return maybe_made_text(names["username"], names["server"], names["through"], login=login)


def delete_unsent(error: TJError) -> str:
    """A journal's deletion refused: changes written on this device are on no server and no
    other device. Those set aside: keep their words, drop them (one drop per document), then
    delete it again; those waiting: sync first (a journal still on the server takes them; one
    gone from it refuses them, and they are set aside, named by the same delete again)."""
    if not isinstance(error, UnsentChanges):  # only it bears the subject
        return str(error)
    if error.kept_copy:  # deleted on the server; written here meanwhile by another program
        items = error.documents_count
        return (
            f"{output.quoted(error.journal)} (id {error.journal_id[:12]}) was deleted on the "
            f"server, but {items} item{'' if items == 1 else 's'} (entries, notes...) "
            f"{'was' if items == 1 else 'were'} "
            "written in it on this device meanwhile, on no other device: it is kept here as a "
            f"read-only copy holding them ({output.command_text('tj set-aside list')} lists their "
            f"words); keep them, then run "
            f"{output.command(['tj', 'journal', 'delete', error.journal_id[:12]])} again"
        )
    again = output.command(["tj", "journal", "delete", error.journal_id[:12]])
    label = f"{output.quoted(error.journal)} (id {error.journal_id[:12]})"
    items = error.documents_count
    what = f"{items} item{'' if items == 1 else 's'} (entries, notes...)"
    lose = "it" if items == 1 else "them"
    said = (
        f"{label} holds {what} with words written on this device that are on no other "
        "device and not on the server: deleting the journal would lose "
        f"{'its' if lose == 'it' else 'their'} words for good. Nothing was deleted. "
    )
    if not error.set_aside:
        changes = "1 change" if error.waiting == 1 else f"{error.waiting:,} changes"
        return (
            f"{said}{changes} still wait{'s' if error.waiting == 1 else ''} to be sent: sync "
            f"first ({output.command_text('tj sync')}), then run {again} again (or run it "
            "without --yes, which asks)"
        )
    drops = "; ".join(output.command(["tj", "set-aside", "drop", i[:12]]) for i in error.documents)
    if len(error.documents) > 3:
        drops = (
            f"{output.command_text('tj set-aside drop ID')} for each one in "
            f"{output.command_text('tj set-aside list')}"
        )
    waiting = ""
    if error.waiting:
        waiting = (
            f", sync ({output.command_text('tj sync')}) for the {error.waiting:,} still waiting"
        )
    refused = len(error.set_aside)
    return (
        f"{said}The server refused {refused} change{'' if refused == 1 else 's'} of "
        f"{lose} for good (set aside): keep {'its' if lose == 'it' else 'their'} words "
        f"({output.command_text('tj set-aside list --json > refused.json')}), then drop "
        f"{lose} ({drops}){waiting}, then run {again} again"
    )


def lapsed_unshare(error: TJError) -> str:
    """The words of a "wider default" refusal (`Client.move_set_aside`) with the `tj
    unshare` that ends each share it names as lapsed by date but still counting
    (`names["lapsed"]`), after "until you unshare"; the words as they are without one."""
    said = str(error)
    lapsed = [m for m in error.names.get("lapsed", "").split(", ") if m]
    if not lapsed or "journal" not in error.names:
        return said
    ends = "; ".join(
        output.command(["tj", "unshare", _journal(error, "journal"), member]) for member in lapsed
    )
    return said.replace(
        "which counts until you unshare)", f"which counts until you unshare: {ends})", 1
    )


SAID: dict[str, Callable[[TJError], str]] = {
    "share ended elsewhere": share_again,
    "share still served": forget_unlisted,
    "unsent copy": forget_unsent,
    "unsent before leaving": lambda error: (
        f"{error} ({output.command_text('tj set-aside retry')}, then "
        f"{output.command_text('tj sync')}; or "
        + output.command(["tj", "leave", _journal(error, "journal")])
        + ")"
        # refused for good by the leave's push (rev34b F2, rev34d F2)
        if error.names.get("set aside") or error.names.get("changes set aside")
        else f"{error} ({output.command_text('tj sync')}, then "
        + output.command(["tj", "leave", _journal(error, "journal")])
        + ")"
    ),
    "unsent changes": delete_unsent,
    "set aside words": lambda error: (
        f"{error} ({output.command_text('tj set-aside list --json > refused.json')}, then "
        + output.command(["tj", "set-aside", "drop", error.names.get("goal", "ID")[:12]])
        + ")"
    ),
    "share active": forget_active,
    "own journal": lambda error: (
        f"{error} ({output.command(['tj', 'journal', 'delete', _journal(error, 'journal')])})"
    ),
    "unseen copy": lambda error: f"{error} ({output.command_text('tj shares')})",
    "share changed elsewhere": lambda error: f"{error} ({output.command_text('tj shares')})",
    "read-only member": annotate_role,
    "copy journal": items_copy,
    "therapist's note": own_note_about,
    "own journal gone": lambda error: f"{error} ({output.command_text('tj journal list')})",
    "kept copy": lambda error: (
        f"{error} ({output.command_text('tj shared-with-me')} gives the command that discards it)"
    ),
    "yours and theirs": lambda error: (
        f"{error} ("
        + output.command(["tj", "journal", "rename", error.names["journal id"], "NEW-NAME"])
        + ")"
    ),
    "you named": lambda error: (
        f"{_situation(error)}: name your own journals instead ({output.command_text('--journal NAME')})"
    ),
    "whose code": lambda error: (
        f"{_situation(error)}: say whom you compare codes with "
        f"({output.command_text('tj verify-head JOURNAL --with NAME')}), or ask for the "
        f"owner-only code ({output.command_text('--owner-only')}) to compare two of your devices"
    ),
    "discarded note": lambda error: (
        f"{_situation(error)} ({output.command_text('tj notes')} lists those it holds): one written in a copy of a "
        f"shared journal discarded here with {output.command_text('tj forget')} went with that copy, and only that "
        "journal's owner can withdraw it now"
    ),
    "withdrawal refused": withdrawal_refused,
    "logged out elsewhere": lambda error: (
        f"this device was logged out by another program using its home ({output.command_text('tj logout')}, or an app "
        "logging out) and its local data deleted: log in again (Client.login) to use the "
        "account on this device; nothing was changed"
    ),
    "not the signup's account": other_account,
    "kept recovery key": kept_key,
    "signup maybe made here": maybe_made,
    "damaged kept key": lambda error: (
        f"{error} ({output.command_text('tj recovery-key forget-kept --damaged')})"
    ),
    "account gone": lambda error: (
        f"{error} ({output.command_text('tj shared-with-me')} names the {output.command_text('tj forget')} command)"
    ),
}
"""The CLI's whole line for an SDK error, by `TJError.subject`, where its command needs the
error's `names` or goes inside the sentence."""
