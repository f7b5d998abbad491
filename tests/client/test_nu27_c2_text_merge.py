"""NU27 C2 through the SDK, as the finding ran it (tryout/app8_conflicts.py): two devices of
one account and a therapist on a real server; a sentence partly rewritten on both devices
before either synced read "Work still worries mefine now. I slept ok." everywhere."""

from __future__ import annotations

from tests.client.test_nu24_text_merge import replaced_on_both
from tests.conftest import ClientFactory


async def test_nu27_c2_a_sentence_partly_rewritten_on_two_offline_devices_is_kept_twice_whole(
    signup: ClientFactory, login: ClientFactory
) -> None:
    bodies = await replaced_on_both(
        signup,
        login,
        "Work is hard. I slept ok.",
        "Work is fine now. I slept ok.",
        "Work still worries me. I slept ok.",
    )
    assert len(set(bodies)) == 1, bodies  # both devices and the therapist read the same
    assert bodies[0] in (
        "Work is fine now. Work still worries me. I slept ok.",
        "Work still worries me. Work is fine now. I slept ok.",
    ), bodies
