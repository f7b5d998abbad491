"""`tj devices revoke` (the lost-phone step) said only "it can no longer sync", which reads as
"it is safe now": neither its question nor its answer said that the device keeps a readable
copy of what it downloaded, even locked (README's "Honest limits"), nor what to do (NU66
F14). Real server, real crypto, the CLI."""

from __future__ import annotations

from tests.test_cli import BARE, Device, laptop, phone

__all__ = ["laptop", "phone"]  # fixtures


async def test_revoke_says_the_device_keeps_what_it_downloaded_and_what_to_do(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    listed = await laptop.json("devices")
    [phone_id] = [d["id"] for d in listed if d["name"] == "phone"]
    kept = await laptop.tj("devices", "revoke", phone_id[:8], input="n\n")
    asked = " ".join(kept.output.split())
    assert "It stops syncing; what it already downloaded stays readable on it." in asked, asked
    said = await laptop.ok("devices", "revoke", phone_id[:8], input="y\n")
    told = " ".join(said.stderr.split())
    assert f"Signed out phone ({phone_id[:12]}): it can no longer sync." in told, told
    assert "What it already downloaded stays on it, readable by whoever opens it" in told, told
    # the revoked device's own `tj lock`, never this home's (nu86 F10)
    assert f"even if it was locked (`{BARE}tj lock` on it: " in told, told
    assert "disk encryption" in told, told
    assert "password change --sign-out-others" in told, told
