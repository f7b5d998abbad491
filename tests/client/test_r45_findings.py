"""R45: hostile review of NU24 C1 (semantic text merge, `Merged:` notice), NU24 C10
(`Departure.narrowed`) and R43 F1 (removals carried at a share's re-seal). Two devices of one
account (and a therapist), a real server on 127.0.0.1, real crypto. Every test here fails on
integ5 at 8afef60 (see /work/R45-FINDINGS.md)."""

from __future__ import annotations

from client_sdk import Client
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def settle(*devices: Client) -> None:
    """Two rounds, so every device has pulled what every other pushed."""
    for _ in range(2):
        for device in devices:
            await device.sync()


async def replaced_apart(
    signup: ClientFactory, login: ClientFactory, old: str, on_laptop: str, on_phone: str
) -> list[str]:
    """The body the laptop and the phone read after each replaced `old` before either synced
    (`entries.edit(body=...)`, what `tj edit` does with the editor's text)."""
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    entry = await laptop.entries.write(None, old)
    await settle(laptop, phone)
    await laptop.entries.edit(entry.id, body=on_laptop)
    await phone.entries.edit(entry.id, body=on_phone)
    await settle(laptop, phone)
    return [(await device.entries.get(entry.id)).body for device in (laptop, phone)]


async def test_r45_a_last_word_rewritten_and_a_sentence_added_keep_their_order(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """F1. `semantic_edges` folds the final full stop into the laptop's rewrite of the last
    word ("badly." -> "well."), so the phone's sentence added after that full stop is
    anchored to a deleted character: Yjs puts it before the laptop's rewrite. The text reads
    "I slept  Then work was calm.well." on every device (words out of order, the full stop in
    the middle); a character or plain word diff gives "I slept well. Then work was calm."."""
    bodies = await replaced_apart(
        signup,
        login,
        "I slept badly.",
        "I slept well.",
        "I slept badly. Then work was calm.",
    )
    assert bodies[0] == bodies[1]
    assert bodies[0] == "I slept well. Then work was calm.", bodies[0]


async def test_r45_small_edits_in_one_cjk_sentence_merge_in_place(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """F2. `_WORD` is `\\w+`: Chinese and Japanese have no spaces, so a whole sentence up to
    its "。" is one "word". Two one-word fixes in different places of it are two rewrites of
    the whole sentence, and both are kept, one after the other: the sentence is duplicated,
    and the word the laptop replaced (公司) comes back. In English the same two edits merge
    in place (CHANGELOG: "small edits in different places still merge in place")."""
    bodies = await replaced_apart(
        signup,
        login,
        "我今天去了公司，很累。",
        "我今天去了学校，很累。",  # 公司 (the office) -> 学校 (school)
        "我昨天去了公司，很累。",  # 今天 (today) -> 昨天 (yesterday)
    )
    assert bodies[0] == bodies[1]
    assert bodies[0] == "我昨天去了学校，很累。", bodies[0]


async def test_r45_the_same_typo_fixed_on_two_devices_is_fixed_once(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """F3. A user fixes "teh" on the phone, which has not synced, then fixes it again on
    the laptop: both delete the word and insert "the" at the same place, and Yjs keeps both
    inserts: "I went to thethe park today." on every device and at any therapist."""
    fixed = "I went to the park today."
    bodies = await replaced_apart(signup, login, "I went to teh park today.", fixed, fixed)
    assert bodies == [fixed, fixed], bodies


async def test_r45_texts_merged_through_a_shares_reseal_are_told(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """F4. The laptop and the phone each rewrite an entry's body offline; the phone then
    shares the journal. At the laptop's next sync its change, waiting from before the share,
    is re-sealed as a snapshot under the new epoch (R41 F5). A snapshot of a document a
    device already holds is "a compaction" to `Replica` (not an arrival), so the phone
    merges the laptop's rewrite into its body without a word: no `Merged:` notice (the
    laptop, which receives the phone's ordinary update, is told)."""
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    entry = await laptop.entries.write(None, "Work was hard today.", title="Work")
    await settle(laptop, phone)
    await laptop.entries.edit(entry.id, body="Laptop version: work is fine now.")
    await phone.entries.edit(entry.id, body="Phone version: work still worries me.")
    tom = await signup("tom")
    await share_with(phone, tom, role="annotate")  # the phone's rewrite goes in the re-seal
    told = []
    for _ in range(2):
        for name, device in (("laptop", laptop), ("phone", phone)):
            told += [(name, m.entry_id) for m in (await device.sync()).merged_texts]
    merged = (await laptop.entries.get(entry.id)).body
    assert merged == (await phone.entries.get(entry.id)).body
    assert "Laptop version" in merged and "Phone version" in merged
    assert ("laptop", entry.id) in told, told
    assert ("phone", entry.id) in told, told
