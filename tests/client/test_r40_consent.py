"""R40 (hostile review of u10-consent, R39 F3): consent to safety flags. Each test states
what the consent rule asks for ("a member is sent safety flags only once the client named
them": R13 finding 3, R39 F3) and fails on integ4 at a480503. Real server on 127.0.0.1,
real crypto. See /work/R40-FINDINGS.md."""

from __future__ import annotations

from client_sdk import Client, InvalidInput, keys
from client_sdk.documents import Document
from client_sdk.models import now_ms
from client_sdk.safety import SAFETY_PLAN, SafetyHints
from tests.client.sharing_support import share_with
from tests.client.test_late_safety_flags import ITEM_9
from tests.conftest import ClientFactory


async def plan_from_before_per_member_opt_in(client: Client) -> None:
    """The plan an app from before per-member opt-in (R13 finding 3) wrote when the client
    opted in: `share_flags` true, no `flag_members`, no `flags_since`, no `flags_stamp`
    (protocol.md: "None for a plan written before that (every member, as then)")."""
    local = await client.context.local_journal("Personal")
    document = Document(keys.new_doc_id(client.profile.account_id), SAFETY_PLAN)
    at = now_ms()
    update = document.change(
        fields={
            "created_at": at,
            "updated_at": at,
            "emergency_number": None,
            "crisis_line": None,
            "share_flags": True,
        },
        texts={"plan": ""},
    )
    await client.replica.commit(local, document, update)


async def test_editing_the_emergency_number_of_an_old_plan_opts_in_no_member_shared_since(
    signup: ClientFactory,
) -> None:
    """F1. ana opted in to flags with an older app while drsmith was her only member. Since,
    she shared Personal with her sister tom, without --safety-flags: tom gets no flag (the
    old opt-in predates his share). Today she changes only her emergency number
    (`tj safety plan --emergency 112`: share_flags not even passed). The edit moves the old
    plan's `updated_at` to now, which is every member's opt-in time for a plan without
    `flags_since`: tom is silently opted in and gets her next safety flag."""
    ana, drsmith, tom = await signup("ana"), await signup("drsmith"), await signup("tom")
    await share_with(ana, drsmith, role="annotate")
    await plan_from_before_per_member_opt_in(ana)
    await share_with(ana, tom, role="annotate")
    before = await ana.safety.plan()
    assert before.flags_reach == ("drsmith",), before  # tom never opted in
    assert before.not_opted_in == ("tom",), before

    await ana.safety.set_plan(emergency_number="112")  # nothing about flags

    after = await ana.safety.plan()
    assert after.emergency_number == "112"
    assert after.flags_reach == ("drsmith",), f"an emergency number opted tom in: {after}"
    taken = await ana.measures.take("phq9", ITEM_9)
    response = await ana.safety.respond(taken.result)
    assert response.flagged_to == ["drsmith"], response.flagged_to


async def test_a_plain_opt_in_sent_with_an_edit_does_not_consent_a_member_shared_after_an_opt_in_naming_no_one(
    signup: ClientFactory,
) -> None:
    """F2 (R39 F3, the case left): ana opted in on day one, before sharing with anyone
    (`tj safety plan --share-flags` names no one and asks nothing: the opt-in names no
    member). Later she shares Personal with tom, her sister, without --safety-flags: the
    plan shows flags on, reaching no one, tom not opted in. Her app's settings screen then
    saves her emergency number with the toggle it shows as on (`share_flags=True`), the
    very call R39 F3 made harmless when the opt-in names someone: here it opts tom in."""
    ana, tom = await signup("ana"), await signup("tom")
    await ana.safety.set_plan(share_flags=True)  # no member yet
    await share_with(ana, tom, role="annotate")
    before = await ana.safety.plan()
    assert before.share_flags and before.flags_reach == (), before
    assert before.not_opted_in == ("tom",), before

    await ana.safety.set_plan(emergency_number="112", share_flags=True)

    after = await ana.safety.plan()
    assert after.flags_reach == (), f"a plain opt-in re-sent with an edit opted tom in: {after}"
    taken = await ana.measures.take("phq9", ITEM_9)
    assert (await ana.safety.respond(taken.result)).flagged_to == []


async def test_no_flag_message_names_the_therapist_opted_in_for_an_earlier_share(
    signup: ClientFactory,
) -> None:
    """F6. ana opted in drsmith; she ended the share and shared again without
    --safety-flags (R37 F9: that share gets no flag until she names him again). She answers
    item 9 above 0. The message tells her no flag was sent because "nobody you chose to
    send safety flags to reads Personal": drsmith, whom she chose, reads it. What she is
    told must be true and say what to do (name him again)."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(ana, drsmith, role="annotate")
    await ana.safety.set_plan(share_flags=True, flags_for="drsmith")
    await ana.shares.revoke("Personal", "drsmith")
    await share_with(ana, drsmith, role="annotate")  # again, without --safety-flags
    taken = await ana.measures.take("phq9", ITEM_9)
    response = await ana.safety.respond(taken.result)
    assert response.flagged_to == []  # R37 F9, as designed
    assert response.no_flag is not None
    assert "drsmith" in response.no_flag, response.no_flag


async def test_held_an_old_plan_widened_by_name_or_re_sent_keeps_the_others_old_times(
    signup: ClientFactory,
) -> None:
    """HELD at a480503 (a regression test): on a plan from before per-member opt-in, a plain
    `share_flags=True` opts in no member shared with since, and naming one (`flags_for`,
    what `tj safety plan --share-flags` passes after asking) opts in that one only."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    tom, joe = await signup("tom"), await signup("joe")
    await share_with(ana, drsmith, role="annotate")
    await plan_from_before_per_member_opt_in(ana)
    await share_with(ana, tom, role="annotate")
    await share_with(ana, joe, role="annotate")
    await ana.safety.set_plan(share_flags=True)
    assert (await ana.safety.plan()).flags_reach == ("drsmith",)
    assert await ana.safety.would_opt_in() == ["joe", "tom"]
    await ana.safety.set_plan(share_flags=True, flags_for=["tom"])
    assert (await ana.safety.plan()).flags_reach == ("drsmith", "tom")
    await ana.safety.set_plan(emergency_number="112")  # no longer a legacy plan: as is
    assert (await ana.safety.plan()).flags_reach == ("drsmith", "tom")


async def test_nu27_c17_the_response_says_what_is_missing_in_no_apps_commands(
    signup: ClientFactory,
) -> None:
    """NU27 C17: the lines an app must show name no CLI command; what to offer is structured
    (`plan_missing`, `withheld_from`), and an app's own words (`SafetyHints`) go in the lines."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(ana, drsmith, role="annotate")
    await ana.safety.set_plan(share_flags=True, flags_for="drsmith")
    await ana.shares.revoke("Personal", "drsmith")
    await share_with(ana, drsmith, role="annotate")  # again, without naming him
    taken = await ana.measures.take("phq9", ITEM_9)
    response = await ana.safety.respond(taken.result)
    text = "\n".join(response.lines)
    assert "tj " not in text and "`" not in text, text
    assert (response.plan_missing, response.withheld_from) == (True, ["drsmith"])
    assert "\n".join(await ana.safety.message()).count("`") == 0
    hints = SafetyHints(write_plan="Settings, Safety plan", flags_again="{member} in {journal}")
    hinted = await ana.safety.respond(taken.result, hints=hints)
    assert "with your therapist (Settings, Safety plan)." in "\n".join(hinted.lines)
    assert "name them again: drsmith in Personal." in "\n".join(hinted.lines)
    assert hinted.lines[0] == response.lines[0] and hinted.lines[1:3] == response.lines[1:3]
    await ana.safety.set_plan(plan="Ring Jo, then walk.")
    written = await ana.safety.respond(taken.result)
    assert (
        written.plan_missing is False and "Your safety plan: Ring Jo, then walk." in written.lines
    )


async def test_rev_c_grant_with_safety_flags_returns_the_share_as_it_now_stands(
    signup: ClientFactory,
) -> None:
    """rev-c: `tj share --safety-flags` patched `ShareInfo.safety_flags` after reading
    `safety.flags_reach`; `grant(safety_flags=True)` gives the opt-in and the share as the
    opt-in left it, and is refused before anything changes for a share that could not
    carry flags."""
    ana, drsmith, tom = await signup("ana"), await signup("drsmith"), await signup("tom")
    plain = await share_with(ana, tom, role="annotate")
    assert plain.safety_flags is False  # not opted in
    shared = await share_with(ana, drsmith, role="annotate", safety_flags=True)
    assert (shared.safety_flags, shared.safety_flags_earlier) == (True, False)
    assert (await ana.safety.flags_reach()) == {"drsmith": "on", "tom": "off"}
    refused = [
        {"role": "read", "safety_flags": True},
        {"only": ["mood"], "role": "annotate", "safety_flags": True},
    ]
    for terms in refused:
        try:
            await share_with(ana, tom, **terms)
        except InvalidInput as error:
            assert "whole journal with the annotate role" in str(error)
        else:
            raise AssertionError(f"{terms} was accepted")
    assert (await ana.safety.flags_reach())["tom"] == "off"
    [tom_share] = [s for s in await ana.shares.list() if s.member == "tom"]
    assert (tom_share.role, tom_share.fields) == ("annotate", None)  # nothing was changed
