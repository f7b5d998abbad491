"""The set-up of the CLI tests of a safety flag that may never leave the phone: a therapist
reads a journal of the laptop's account with safety flags, and the phone, synced once, then
seals a flag offline (real server on loopback, CliRunner; the phone's answer recorded through
the SDK without a sync, as an offline device records it)."""

from __future__ import annotations

from pathlib import Path

from client_sdk import Client, Taken
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device


async def flag_sealed_offline(
    server: RunningServer,
    laptop: Device,
    phone: Device,
    tmp_path: Path,
    answers: list[int],
    journal: str | None = None,
) -> tuple[Device, str | None]:
    """drsmith signs up; the laptop creates `journal` (None: none, "Personal" is shared) and
    shares it with drsmith in full, role annotate, with safety flags; the phone syncs, then,
    offline, takes a PHQ-9 of `answers` (9 ints) in it and responds. drsmith's device, and
    the id of the flag the response sealed (None when it sealed none)."""
    drsmith, _, flag_id = await answered_offline(server, laptop, phone, tmp_path, answers, journal)
    return drsmith, flag_id


async def answered_offline(
    server: RunningServer,
    laptop: Device,
    phone: Device,
    tmp_path: Path,
    answers: list[int],
    journal: str | None = None,
) -> tuple[Device, Taken, str | None]:
    """As `flag_sealed_offline`, also giving what the phone's `measures.take` returned."""
    drsmith = await new_device(server, tmp_path, "drsmith")
    if journal is not None:
        await laptop.ok("journal", "create", journal)
    await laptop.ok(
        "share", journal or "Personal", "drsmith", "--full", "--role", "annotate",
        "--safety-flags", "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    await phone.ok("sync")
    offline = await Client.open(phone.home)  # the phone records it, offline: no sync
    try:
        taken = await offline.measures.take("phq9", answers, journal=journal)
        flag_id = (await offline.safety.respond(taken.result)).flag_id
    finally:
        await offline.close()
    return drsmith, taken, flag_id
