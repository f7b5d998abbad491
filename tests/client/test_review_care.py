"""Review of issue 13 (measurement-based care) as a hostile member, a hostile client and a
hostile server: each test is an attack that the product should defend and, at the time of
the review, does not (see /work/R13-FINDINGS.md). Real server on 127.0.0.1, real crypto."""

from __future__ import annotations

from client_sdk import Client, InvalidInput, keys
from client_sdk.documents import Document
from client_sdk.replica import stored_document
from client_sdk.results import MEASURE
from client_sdk.safety import CRISIS_LINE, SAFETY_ACK
from client_sdk.schedule import ASSIGNMENT
from tests.client.sharing_support import forged_record, journal_id, share_with
from tests.client.test_hostile_sync import push
from tests.conftest import ClientFactory

ITEM_9 = [1, 1, 1, 1, 1, 1, 1, 1, 2]
FAR = 2**53  # a whole number every reader accepts (models: |n| <= 2**53), year ~285,000


async def write_as(author: Client, journal: str, kind: str, fields: dict[str, object]) -> str:
    """A document `author` creates and signs in `journal`, skipping the SDK's checks on the
    values (a hostile member's or client's own build of the SDK): what it may write, the
    replica and every other device still decide."""
    local = await author.context.local_journal(journal)
    document = Document(keys.new_doc_id(author.profile.account_id), kind)
    await author.replica.commit(local, document, document.change(fields=fields))
    await author.sync()
    return document.doc_id.hex()


async def flagged(signup: ClientFactory) -> tuple[Client, Client, str]:
    """ana opted in and raised a safety flag; tom (annotate) has synced it."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await ana.safety.set_plan(share_flags=True)
    taken = await ana.measures.take("phq9", ITEM_9)
    flag_id = (await ana.safety.respond(taken.result)).flag_id
    assert flag_id is not None
    await ana.sync()
    await tom.sync()
    return ana, tom, flag_id


async def flagged_for_two(signup: ClientFactory) -> tuple[Client, Client, Client, str]:
    """ana shares with tom and eve (both annotate), opts in to flags for both, and raises a
    flag; tom and eve have synced it. (Since R13 finding 3 the opt-in names the members it
    was given for, so eve is opted in at her share, as `tj share ... --safety-flags` does.)"""
    ana, tom, eve = await signup("ana"), await signup("tom"), await signup("eve")
    await share_with(ana, tom, role="annotate")
    await share_with(ana, eve, role="annotate")
    await ana.safety.set_plan(share_flags=True)  # for the members it is shared with now
    taken = await ana.measures.take("phq9", ITEM_9)
    flag_id = (await ana.safety.respond(taken.result)).flag_id
    assert flag_id is not None
    await ana.sync()
    await tom.sync()
    await eve.sync()
    return ana, tom, eve, flag_id


async def test_an_assignment_with_a_far_start_from_an_annotating_member_does_not_break_due(
    signup: ClientFactory,
) -> None:
    """Attack: a therapist with the annotate role (or their compromised device) writes an
    assignment whose `starts_at` is 2**53 ms, a number schedule._number accepts, but which
    datetime cannot hold (year ~285,000).
    Observed: the client's `assignments.due()` (so `tj due`) raises ValueError "year ... is
    out of range"; nothing of the client's due list can be seen.
    Expected: a view that cannot be dated is skipped (like any unreadable document) and the
    other assignments stay listed."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await tom.assignments.assign("ana/Personal", "measure", "gad7")
    await write_as(
        tom,
        "ana/Personal",
        ASSIGNMENT,
        {"type": "measure", "target": "phq9", "every_days": 14, "starts_at": FAR,
         "created_at": 1, "note": "", "cancelled": False},
    )  # fmt: skip
    await ana.sync()
    due = await ana.assignments.due()
    assert [d.assignment.target for d in due] == ["gad7"]


async def test_an_acknowledgement_with_a_far_time_does_not_hide_every_flag(
    signup: ClientFactory,
) -> None:
    """Attack: an annotating member acknowledges the client's safety flag with
    `acknowledged_at` = 2**53 ms (safety._number accepts it).
    Observed: `safety.flags()` raises ValueError on the client's devices and on every
    therapist's device, and so does `caseload.list()`: one member's record takes the whole
    caseload (every client's row, every other safety flag) down.
    Expected: the acknowledgement that cannot be dated is ignored (or shown as undated), the
    flag stays listed, and the caseload still opens."""
    ana, tom, flag_id = await flagged(signup)
    await write_as(tom, "ana/Personal", SAFETY_ACK, {"flag_id": flag_id, "acknowledged_at": FAR})
    await ana.sync()
    [flag] = await ana.safety.flags()
    assert flag.id == flag_id
    [row] = await tom.caseload.list()
    assert row.client == "ana"


async def test_one_clients_result_with_a_far_time_does_not_break_the_whole_caseload(
    signup: ClientFactory,
) -> None:
    """Attack: a client (hostile, or a buggy client build) writes a PHQ-9 result in a journal
    shared with their therapist with valid answers and `taken_at` = 2**53 ms.
    Observed: the therapist's `caseload.list()` (so `tj caseload`) raises ValueError: no row
    for any of the therapist's clients, including another client's unacknowledged safety flag.
    Expected: a result whose time cannot be read is skipped (results.result_view already
    skips results it cannot score); every other client's row is computed."""
    tom = await signup("tom")
    amy, bob = await signup("amy"), await signup("bob")
    for client in (amy, bob):
        await share_with(client, tom, role="annotate")
    await bob.safety.set_plan(share_flags=True)
    taken = await bob.measures.take("phq9", ITEM_9)
    await bob.safety.respond(taken.result)
    await bob.sync()
    await write_as(
        amy,
        "Personal",
        MEASURE,
        {"measure": "phq9", "version": 1, "score": 9, "band": "Mild", "taken_at": FAR,
         "answers": [1] * 9, "unscored": None, "created_at": 1, "updated_at": 1,
         "deleted": False},
    )  # fmt: skip
    await tom.sync()
    rows = await tom.caseload.list()
    assert [r.client for r in rows][0] == "bob" and {r.client for r in rows} == {"amy", "bob"}


async def test_invalid_answers_do_not_fall_back_to_the_stored_score(
    signup: ClientFactory,
) -> None:
    """Attack: a result document whose `answers` are outside the instrument (item 9 answered
    7, not 0..3) with a stored `score` of 4 reaches the therapist (a buggy or hostile client
    build; the server cannot do it, the record is signed).
    Observed: results.result_view drops the answers it cannot read and trusts the stored
    score: the therapist sees PHQ-9 4 "Minimal", no answers and no safety concern, though
    the document says item 9 was answered above 0.
    Expected: a result whose answers are present but invalid is unreadable (skipped like a
    score out of range, per results.py: "readers trust nothing they can recompute"); the
    stored score is used only when the answers were not shared (null)."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await write_as(
        ana,
        "Personal",
        MEASURE,
        {"measure": "phq9", "version": 1, "score": 4, "band": "Minimal", "taken_at": 1000,
         "answers": [0, 0, 0, 0, 0, 0, 0, 0, 7], "unscored": None, "created_at": 1000,
         "updated_at": 1000, "deleted": False},
    )  # fmt: skip
    await tom.sync()
    assert await tom.measures.list() == []


async def test_another_members_acknowledgement_does_not_clear_the_flag_from_my_caseload(
    signup: ClientFactory,
) -> None:
    """Attack: the client shares the journal with a second annotating member (another
    clinician, or a relative given annotate); that member acknowledges the safety flag.
    Held at review time (a regression guard): the flag still counts as unacknowledged in
    tom's caseload, only because tom's device cannot identify the other member and refuses
    the record (see the next test for the false alarm that causes).
    Expected: a therapist's caseload keeps the flag at the top until *this* therapist
    acknowledged it, whatever other members wrote."""
    ana, tom, eve, flag_id = await flagged_for_two(signup)
    [theirs] = await eve.safety.flags()
    await eve.safety.acknowledge(theirs.id)
    await eve.sync()
    await tom.sync()
    [row] = await tom.caseload.list()
    assert [f.id for f in row.safety_flags] == [flag_id]


async def test_a_second_annotating_members_acknowledgement_is_no_integrity_alarm_for_the_first(
    signup: ClientFactory,
) -> None:
    """Attack (none needed: an ordinary care set-up): the client shares one journal with two
    annotating members (a therapist and a co-therapist or supervisor); the second one
    acknowledges the client's safety flag.
    Observed: on the first therapist's device the acknowledgement is a *problem* ("record ...
    is signed by an unknown account <id>"), the same alarm a forged or tampered record
    raises, after every sync; the two therapists and the client see the flag differently
    (client: read by eve; tom: unread), and the alarm names the other member's account id.
    Expected: records of members a device cannot identify (by design: members do not learn
    each other) are set aside quietly or counted as "another member", never reported as
    tampering; a real alarm must stay meaningful."""
    ana, tom, eve, _ = await flagged_for_two(signup)
    [theirs] = await eve.safety.flags()
    await eve.safety.acknowledge(theirs.id)
    await eve.sync()
    await tom.sync()
    assert await tom.problems() == []


async def test_the_client_cannot_retarget_a_therapists_acknowledgement_to_another_flag(
    signup: ClientFactory,
) -> None:
    """Attack: the journal's owner (a client build that wants a flag to look read) rewrites the
    `flag_id` of the acknowledgement tom wrote for flag 1 so that it names flag 2. The owner
    may write any record in their journal (replica._check_author), and the document's
    creator stays tom.
    Observed: on tom's own device flag 2 shows "acknowledged by tom" though tom never read
    it, and it leaves the top of his caseload; flag 1, which he did read, is unread again.
    The same holds for every annotation (an assignment's target or period, a crisis line):
    the owner's edit is shown as the member's own.
    Expected: in a document a member created, only that member's records count (the owner
    may delete it, or compact it unchanged, but not rewrite what it says under the
    member's name)."""
    ana, tom, first = await flagged(signup)
    taken = await ana.measures.take("phq9", ITEM_9)
    second = (await ana.safety.respond(taken.result)).flag_id
    assert second is not None
    await ana.sync()
    await tom.sync()
    await tom.safety.acknowledge(first)
    await tom.sync()
    await ana.sync()
    [ack] = [d for d in await ana.store.documents() if d.kind == SAFETY_ACK]
    document = stored_document(ack)
    local = await ana.context.local_journal("Personal")
    await ana.replica.commit(local, document, document.change(fields={"flag_id": second}))
    await ana.sync()
    await tom.sync()
    read = {f.id: [a.by for a in f.acknowledged] for f in await tom.safety.flags()}
    assert read == {first: ["tom"], second: []}


async def test_opting_in_to_safety_flags_for_one_therapist_does_not_send_them_to_a_later_member(
    signup: ClientFactory,
) -> None:
    """Attack (a privacy hole, no attacker needed): the client opts in to safety flags when
    sharing with their therapist (`tj share Personal tom --safety-flags`), then later shares
    the same journal read-only with someone else (a relative, a GP) without `--safety-flags`.
    Observed: the opt-in is a per-journal switch (safety_plan.share_flags), so the next
    PHQ-9 item 9 answer seals a safety flag for the new member too (`flagged_to` names
    them); nothing at the second share says so.
    Expected: the opt-in belongs to the share it was given in (per member, as the issue
    says: "if the client opted in when sharing"), or the second share says plainly that
    safety flags will reach that member too and asks."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await ana.safety.set_plan(share_flags=True)  # what `tj share ... --safety-flags` does
    joe = await signup("joe")
    await share_with(ana, joe)  # read only, no opt-in asked
    taken = await ana.measures.take("phq9", ITEM_9)
    response = await ana.safety.respond(taken.result)
    assert response.flagged_to == ["tom"]


async def test_a_member_the_flag_was_not_sealed_for_is_not_told_of_it_by_a_sync(
    signup: ClientFactory,
) -> None:
    """NU23 C5: a flag sealed for tom only was news to joe's sync ("1 new safety flag from
    ana"), though joe's `safety.flags()` lists none: it told joe that ana answered item 9
    above 0. A sync tells a member only of flags whose `to` names it."""
    ana, tom, joe = await signup("ana"), await signup("tom"), await signup("joe")
    await share_with(ana, tom, role="annotate")
    await ana.safety.set_plan(share_flags=True, flags_for="tom")
    await share_with(ana, joe)
    taken = await ana.measures.take("phq9", ITEM_9)
    assert (await ana.safety.respond(taken.result)).flagged_to == ["tom"]
    await ana.sync()
    told = await joe.sync()
    assert [n for n in told.news if n.kind == "safety_flag"] == []
    assert await joe.safety.flags() == []
    assert any(n.count == 1 for n in told.news)  # the result itself is news to joe
    tom_told = await tom.sync()
    assert [(n.kind, n.count) for n in tom_told.news if n.kind == "safety_flag"] == [
        ("safety_flag", 1)
    ]
    [flag] = await tom.safety.flags()
    await tom.safety.acknowledge(flag.id)
    await tom.sync()
    acked = await joe.sync()  # tom's acknowledgement would tell joe a flag exists
    assert [n for n in acked.news if n.kind.startswith("safety")] == []


async def test_a_client_whose_fingerprint_was_never_compared_is_marked_in_the_caseload(
    signup: ClientFactory,
) -> None:
    """Attack: any account (a stranger, or one the server made up, as README says "until
    then, the server could have invented the client and everything in the journal") shares
    a journal with the therapist, with an opted-in safety flag; the therapist never
    compared that account's fingerprint. No acceptance step is needed.
    Observed: `caseload.list()` (`tj caseload`, `--json`, `--html`), `safety.flags()` and
    `briefs.received()` show the invented client exactly like a verified one, its
    "unacknowledged safety flag" at the very top; only `tj shared-with-me` and `tj journal
    list` say "fingerprint not verified" (SharedJournal.owner_verified).
    Expected: the caseload row (and its flags and brief) say the client's fingerprint was
    not compared, e.g. a "fingerprint not verified" flag, so that a therapist does not act
    on a server's invention as on a real client's crisis."""
    tom = await signup("tom")
    mal = await signup("mal")
    await mal.shares.grant("Personal", "tom", trust_on_first_use=True, role="annotate", full=True)
    await mal.safety.set_plan(share_flags=True)
    taken = await mal.measures.take("phq9", ITEM_9)
    await mal.safety.respond(taken.result)
    await mal.sync()
    await tom.sync()
    [shared] = await tom.shares.with_me()
    assert not shared.owner_verified
    [row] = await tom.caseload.list()
    assert any("not verified" in flag for flag in row.flags), row.flags


async def test_a_members_crisis_line_cannot_carry_terminal_control_codes_into_the_safety_message(
    signup: ClientFactory,
) -> None:
    """Attack: an annotating member (a compromised therapist device, or a therapist account
    the client shared with by mistake) sets the crisis line to text with ANSI control
    sequences: "Samaritans 116 123" + ESC[3A ESC[2K ... (cursor up, erase line).
    `tj safety crisis-line ana/Personal $'...\\e[3A\\e[2K...'` accepts it as is.
    Observed: the client's `safety.message()` / `respond()` lines carry the raw ESC
    characters, and `tj measure take` echoes them to a terminal unchanged (checked with
    `script`: "Samaritans 116 123^[[3A^[[2K^[[1B^[[2KSee below."): at the moment of crisis,
    the lines above (the emergency number) are erased from the client's screen. The same
    holds for notes, prompts and assignment notes a member writes.
    Expected: text from another account is never written to a terminal with control
    characters (refused when set, and stripped or escaped when shown)."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    hostile = "Samaritans 116 123\x1b[3A\x1b[2K\x1b[1B\x1b[2KSee below."
    try:
        await tom.safety.set_crisis_line("ana/Personal", hostile)
    except InvalidInput:
        return  # refused where it is set: defended
    await tom.sync()
    await ana.sync()
    lines = await ana.safety.message()
    assert not any(ch < " " for line in lines for ch in line), lines


async def test_acknowledging_a_flag_twice_records_one_acknowledgement(
    signup: ClientFactory,
) -> None:
    """Attack (none: a therapist re-running `tj safety ack ID`, e.g. from shell history).
    Observed: a second safety_ack record is written and listed: the client and the
    therapist see "tom 2026-12-01 10:26, tom 2026-12-01 10:29" (found with the CLI), and
    `tj safety ack` says "Acknowledged ..." again as if it were news.
    Expected: acknowledging a flag this account already acknowledged writes nothing and
    says when it was acknowledged."""
    ana, tom, flag_id = await flagged(signup)
    await tom.safety.acknowledge(flag_id)
    again = await tom.safety.acknowledge(flag_id)
    assert [a.by for a in again.acknowledged] == ["tom"]


async def test_the_crisis_line_in_the_safety_message_says_which_member_set_it(
    signup: ClientFactory,
) -> None:
    """Attack: the client shares a journal with their therapist and, with the annotate role,
    with a second account (a relative, or an account the client was talked into adding).
    The therapist sets the crisis line; the second member then sets another one.
    Observed: the safety message shows the second member's line ("To talk to someone now:
    <their text>") with nothing saying who set it: the latest line from any annotating
    member silently replaces the therapist's in the message shown at the moment of crisis.
    Expected: the message names who set the crisis line (the author is known from the
    record signature), or only the members the client chose for it may set one."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    eve = await signup("eve")
    await share_with(ana, eve, role="annotate")
    for member, line in ((tom, "Samaritans: call 116 123"), (eve, "Call 0123 456 now")):
        await member.sync()
        await member.safety.set_crisis_line("ana/Personal", line)
        await member.sync()
    await ana.sync()
    lines = await ana.safety.message()
    [crisis] = [line for line in lines if "0123 456" in line or "116 123" in line]
    assert "eve" in crisis, crisis


async def test_a_crisis_line_with_control_codes_from_a_members_own_build_is_cleaned_when_read(
    signup: ClientFactory,
) -> None:
    """R13 finding 2, the member's build skips the SDK's refusal: the client's devices drop
    the control characters when they read the crisis line, so the safety message carries
    none (and `tj` escapes any that reach it: tests/test_cli_safety_item.py)."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    hostile = "Samaritans 116 123\x1b[3A\x1b[2K\u202eSee below."
    await write_as(tom, "ana/Personal", CRISIS_LINE, {"text": hostile, "created_at": 1000})
    await ana.sync()
    lines = await ana.safety.message()
    assert any("Samaritans 116 123[3A[2KSee below." in line for line in lines), lines
    assert not any(ch < " " or ch == "\u202e" for line in lines for ch in line), lines


async def test_a_co_members_record_of_an_owner_only_kind_is_still_an_alarm(
    signup: ClientFactory,
) -> None:
    """R13 finding 6, the other side: a co-member's records are set aside quietly on a member's
    device only when they could be that member's annotations. A record by a signer tom cannot
    identify that writes an owner-only kind (a questionnaire result) is a forgery on tom's
    device, and on the owner's device, which identifies every member, whatever it is."""
    ana, tom, _ = await flagged(signup)
    eve = await signup("eve")
    await share_with(ana, eve, role="annotate")
    await eve.sync()
    document = Document(keys.new_doc_id(eve.profile.account_id), MEASURE)
    payload = document.change(fields={"measure": "phq9", "taken_at": 1000, "score": 0})
    upload = await forged_record(eve, "ana/Personal", document, MEASURE, payload)
    await push(eve, await journal_id(ana, "Personal"), upload)
    await tom.sync()
    assert any("unknown account" in p.message for p in await tom.problems())
    await ana.sync()
    assert [p.record_id for p in await ana.problems()] == [upload.record_id]


async def test_a_result_with_invalid_answers_is_shown_as_invalid_with_its_item_9_answer(
    signup: ClientFactory,
) -> None:
    """R13 finding 8, what the therapist sees instead: the result is listed as invalid
    (`measures.invalid`) and the caseload row says so, naming the item 9 answer above 0
    that the stored score would have hidden."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await write_as(
        ana,
        "Personal",
        MEASURE,
        {"measure": "phq9", "version": 1, "score": 4, "band": "Minimal", "taken_at": 1000,
         "answers": [0, 0, 0, 0, 0, 0, 0, 0, 7], "unscored": None, "created_at": 1000,
         "updated_at": 1000, "deleted": False},
    )  # fmt: skip
    await tom.sync()
    [bad] = await tom.measures.invalid()
    assert (bad.measure, bad.safety_answer, bad.safety_level) == ("phq9", True, 3)  # 7: 3
    [row] = await tom.caseload.list()
    assert (row.tier, row.safety_answer) == (0, 3)  # item 9's answer, whatever the total
    assert "PHQ-9 invalid result (1)" in row.flags
    assert "PHQ-9 invalid result: item 9 answered above 0" in row.flags


async def test_results_and_invalid_read_at_once_are_what_each_lists(signup: ClientFactory) -> None:
    """`measures.results_and_invalid` (the caseload's one reading of a journal's results,
    issue 10) is `results` and `invalid` of that journal, each in its own order."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await write_as(
        ana,
        "Personal",
        MEASURE,
        {"measure": "gad7", "version": 1, "score": 2, "band": "Minimal", "taken_at": 2000,
         "answers": [0, 0, 9, 0, 0, 0, 0], "unscored": None, "created_at": 2000,
         "updated_at": 2000, "deleted": False},
    )  # fmt: skip
    await ana.measures.take("phq9", [1, 1, 1, 1, 1, 1, 1, 1, 0])
    await ana.measures.take("gad7", [2, 2, 2, 2, 2, 2, 2])
    await ana.sync()
    await tom.sync()
    journal = (await tom.measures.list())[0].journal_id
    readable, refused = await tom.measures.results_and_invalid(journal)
    assert (readable, refused) == (
        await tom.measures.list(journal),
        await tom.measures.invalid(journal),
    )
    assert sorted(r.measure for r in readable) == ["gad7", "phq9"]
    assert [(r.measure, r.safety_answer) for r in refused] == [("gad7", False)]


async def test_a_later_member_opted_in_at_its_share_gets_new_flags_but_not_those_sealed_before(
    signup: ClientFactory,
) -> None:
    """R13 finding 3, the other side: `tj share ... --safety-flags` (flags_for) adds that
    member to the opt-in; flags sealed before name only the members of their time, and a
    member not opted in does not see a flag in its own views."""
    ana, tom, flag_id = await flagged(signup)
    joe, eve = await signup("joe"), await signup("eve")
    await share_with(ana, joe)  # no opt-in
    await share_with(ana, eve, role="annotate")
    await ana.safety.set_plan(share_flags=True, flags_for="eve")
    assert (await ana.safety.plan()).flag_members == tuple(
        sorted((tom.profile.account_id.hex(), eve.profile.account_id.hex()))
    )
    taken = await ana.measures.take("phq9", ITEM_9)
    second = await ana.safety.respond(taken.result)
    assert second.flagged_to == ["eve", "tom"]
    await ana.sync()
    for member in (tom, joe, eve):
        await member.sync()
    assert {f.id for f in await tom.safety.flags()} == {flag_id, second.flag_id}
    assert [f.id for f in await eve.safety.flags()] == [second.flag_id]
    assert await joe.safety.flags() == []
