"""`client.devices`: the devices signed in to this account, and signing one out.

for device in await client.devices.list():
    print(device.name, device.last_seen_at, "(this one)" if device.current else "")
"""

from __future__ import annotations

import builtins
import dataclasses
import json
import sqlite3
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from client_sdk import wire
from client_sdk.errors import BAD_VALUE, InvalidInput, NetworkError, NotFound, TJError
from client_sdk.inputs import checks_inputs
from client_sdk.models import (
    DEFAULT_DEVICE_NAME,
    CredentialChange,
    DeviceInfo,
    NewDevice,
    now_ms,
    quoted_name,
    to_datetime,
)
from client_sdk.store import STORE_FILE, Store
from client_sdk.transport import Transport

DEVICE_NAMES = "device_names"
"""The settings row of the kept device names: JSON {"at": ms, "names": {hex id: name}}."""

NAMES_MAX_AGE_MS = 3_600_000
"""How long kept device names are used before a sync that needs one lists the devices again
(one hour): a rename made on another device is seen within it. A rename or sign-out made
here, a device not named yet, and every `list()` refresh them at once."""

OWN_NAME = "device_name"
"""The settings row of this device's own name (str): the one it signed in with, or as this
device last listed or renamed it. A login again on this home without a name keeps it
(`kept_own_name`; NU21 C11). Display metadata, as the names above."""

SIGN_INS = "sign_ins_seen"
"""The settings row of what this device has told of the account's sign-ins and credential
changes: JSON {"at": ms it last looked, "seq": the number of the newest sign-in of the
account's log it has seen (/v1/account/sign-ins), "password_at": ms, "recovery_at": ms (the
changes the server named then; this device's own change moves them to the server's time
right after it), "own": true when this device changed one since and could not read that
time (the next look takes the new times silently), "replaced": {"password" | "recovery key": ms} (the
changes told since this home's own sign-in: `Devices.replaced_elsewhere`), "session": true when this home signed in again since
(the next look tells what came before its first new sign-in as such, and takes the credential
changes before it silently), "own_ids": [hex id...] (this home's own sessions since, never
told as another device's), "own_seqs": {hex id: number} (the log row of each of those
sessions, read when it signed in: only that row is this home's, not a later one of another
device under a freed id; without it, the first row with that id), "untold": {"devices": [NewDevice.to_dict()...],
"changes": [CredentialChange.to_dict()...]} (what a look found, kept until the sync that
took it hands its report to the app: a sync cut off after the look tells it at the next),
"unseen": the same form (what syncs told since `Devices.mark_sign_ins_seen`), "keys": {hex
device key: [hex device id, name, ms, signed ms, [hex ids]]} (each device key whose sign-in
proof held, with the newest sign-in it signed, the time it signed and the ids it signed: a
later signed time under an id not seen is that device signed in again, protocol.md 4.21; the
`DEVICE_KEYS_KEPT` newest)}.
No row (or one without "seq"): the first look records
a baseline and tells nothing (a device signed in to an existing account, or a store from
before); a home whose session the signup opened keeps a row from it ("seq" 0: its first look
tells every sign-in but its own, and a change after the signup: `Devices._signed_up`). Several processes may
use one home: each look, hand-off and marking reads the row from the store and writes it
back in one write transaction (`Devices._change_looked`), never a copy read before."""

OWN_IDS_KEPT = 32
"""The most device ids of this home's own new sessions kept between two looks (`SIGN_INS`
"own_ids"): the first and the newest; a home signed in again more often than that before a
look tells the others as sign-ins of another device."""

SIGN_INS_INTERVAL_MS = 3_600_000
"""How often a sync looks for new sign-ins (one `/v1/account/sign-ins` more for that sync):
at most once an hour by this device's clock, kept in the store (`SIGN_INS`), so a sync with
nothing to do sends no request more."""

UNTOLD_KEPT = 1000
"""The most sign-ins (and credential changes) kept untold in `SIGN_INS` (the newest): as
many rows as the server keeps of an account."""

SIGN_INS_PAGES = 10
"""The most pages of the sign-in log one look reads (the server keeps 1,000 rows, 500 a
page): a server that sends more is answering nonsense (NetworkError)."""

if TYPE_CHECKING:
    import nacl.signing

    from client_sdk.crypto import KdfCost

SettingsWritten = Callable[[tuple[int, int], tuple[int, int]], None]


def news_name(name: str, device_id: bytes) -> str:
    """How a sync's news names a device of this account (`News.source`, an overtaken edit's
    device): its name, but for a device with the default name ("device") "another device"
    and its id's 12 first hex digits, as `tj devices` shows them ("another device
    (3f2a9c8d1e0b)"): "on your device" read as this device. Pure."""
    return f"another device ({device_id.hex()[:12]})" if name == DEFAULT_DEVICE_NAME else name


def find_device(devices: Iterable[DeviceInfo], wanted: str) -> DeviceInfo:
    """The one of `devices` (those signed in, as `Devices.list` gives them) that `wanted`
    names (NU33 #6): its id or a prefix of it matching one device; else its name, exactly,
    then ignoring case, when exactly one device has it (`tj devices` shows names). Pure.
    Raises NotFound when none matches; InvalidInput when an id prefix or a name matches
    several (naming their ids)."""
    devices = builtins.list(devices)
    key = wanted.strip()
    by_id = [d for d in devices if key and d.id.startswith(key.lower())]
    if len(by_id) == 1:
        return by_id[0]
    by_name = [d for d in devices if d.name == key] or [
        d for d in devices if d.name.casefold() == key.casefold()
    ]
    if len(by_name) == 1:
        return by_name[0]
    several = by_name or by_id
    if several:
        ids = ", ".join(f"{d.id[:12]} ({d.name})" for d in several)
        raise InvalidInput(
            f"{wanted!r} matches several devices: {ids}; give the id", subject="device"
        )
    raise NotFound(f"no device has the id or name {wanted!r}", subject="device")


@checks_inputs
class Devices:
    """Devices (sessions) of this account, as the server lists them.

    It keeps their names on the device (a settings row) to name where a sync's arrivals of
    this account came from without listing the devices at every sync. Names are display
    metadata the server keeps in clear, as in the list itself: nothing is decided on them."""

    def __init__(
        self,
        transport: Transport,
        store: Store | None = None,
        settings_written: SettingsWritten | None = None,
    ) -> None:
        self._transport = transport
        self._store = store
        self._settings_written = settings_written
        self._names: dict[bytes, str] | None = None
        """Kept names (None: not read yet); "" for a device no longer listed."""
        self._names_at = 0
        self._gone: dict[bytes, str] = {}
        """The names devices no longer listed (signed out) had when last listed."""
        self._looked: dict[str, object] | None = None
        """The `SIGN_INS` row as kept (None: not read yet; {} when there is none)."""
        self._look_now = False  # `look_soon`: the next sync looks whatever the interval
        self._keys_refused = False
        """The server refused `with_keys` (400 invalid_field: a release before device keys):
        this client asks without it, and every sign-in is told as a device's first."""
        self.looked_at: int | None = None
        """When this device last looked for new sign-ins (ms, its clock; 0: never), None
        until read from the store: `Client.sync` decides from it, without a call, whether
        a look is due."""
        self.sign_ins_interval_ms = SIGN_INS_INTERVAL_MS
        """How long after a look a sync looks again for new sign-ins (`sign_ins`); 0: at
        every sync (one `/v1/account/sign-ins` more each time)."""
        self.names_max_age_ms = NAMES_MAX_AGE_MS
        """How old kept names may be when a sync's report names a device of this account:
        older ones are listed again (one `/v1/devices/list` more for that sync). An app that
        shows the names to a person at each sync may set 0 (`tj sync` does), so a rename
        made on another device shows in the very next report; a sync that names no device
        of this account lists nothing either way."""

    async def _device_names(self, wanted: Iterable[bytes]) -> dict[bytes, str]:
        """Names of the devices `wanted` (ids), from the kept names when every one is known
        and they are younger than `names_max_age_ms`, else from a fresh `list()`. A device no
        longer listed (signed out) is absent from the result.
        Raises NetworkError offline, AuthError when this device was signed out."""
        wanted = set(wanted)
        if self._names is None:
            await self._load()
        kept = self._names or {}
        fresh = now_ms() - self._names_at < self.names_max_age_ms
        if not fresh or not wanted <= kept.keys():
            await self.list()  # refreshes the kept names
            kept = self._names or {}
            gone = wanted - kept.keys()  # listed just now without them: signed out
            if gone:
                kept.update(dict.fromkeys(gone, ""))
                await self._save()
        return {d: kept[d] for d in wanted if kept.get(d)}

    def _former_names(self, wanted: Iterable[bytes]) -> dict[bytes, str]:
        """The names the devices `wanted` (ids) had when last listed, of those signed out
        since (read after `_device_names`); one never listed here is absent."""
        return {d: self._gone[d] for d in wanted if self._gone.get(d)}

    def _listed_names(self) -> set[str]:
        """The names of the devices listed now, as last listed (after `_device_names`)."""
        return {name for name in (self._names or {}).values() if name}

    async def _load(self) -> None:
        value = await self._store.setting(DEVICE_NAMES) if self._store else None
        self._names, self._names_at = _kept_names(value)
        self._gone = _gone_names(value)

    async def _save(self) -> None:
        if self._store is None or self._names is None:
            return
        kept = {
            "at": self._names_at,
            "names": {k.hex(): v for k, v in self._names.items()},
            "gone": {k.hex(): v for k, v in self._gone.items()},
        }
        moved = await self._store.put_setting(DEVICE_NAMES, json.dumps(kept))
        if moved is not None and self._settings_written is not None:
            self._settings_written(*moved)

    async def _keep_own_name(self, name: str) -> None:
        """Keep `name` as this device's own name (`OWN_NAME`)."""
        if self._store is None:
            return
        moved = await self._store.put_setting(OWN_NAME, name)
        if moved is not None and self._settings_written is not None:
            self._settings_written(*moved)

    async def _remember(self, devices: builtins.list[DeviceInfo]) -> None:
        """Keep the names of a complete list; a device kept before and not listed now was
        signed out: kept as "" so that it is not listed again for it."""
        if self._names is None:
            await self._load()
        listed = {bytes.fromhex(d.id): d.name for d in devices}
        for device, name in (self._names or {}).items():  # signed out: its name kept aside
            if name and device not in listed:
                self._gone[device] = name
        signed_out = dict.fromkeys(self._names or {}, "")
        self._names = signed_out | listed
        self._names_at = now_ms()
        await self._save()
        current = [d.name for d in devices if d.current]
        if current:
            await self._keep_own_name(current[0])

    async def list(self) -> builtins.list[DeviceInfo]:
        """Every device signed in to this account, page after page (protocol.md 2.8; needs
        the network). Times are UTC.
        Raises NetworkError offline, AuthError when this device was signed out."""
        listed = await self._transport.pages(
            "/v1/devices/list", wire.DeviceList, lambda page: page.devices, lambda d: d.device_id
        )
        devices = [
            DeviceInfo(
                d.device_id.hex(),
                d.name,
                to_datetime(d.created_at),
                to_datetime(d.last_seen_at),
                to_datetime(d.expires_at),
                d.current,
            )
            for d in listed
        ]
        await self._remember(devices)
        return devices

    def look_soon(self) -> None:
        """The next sync looks for new sign-ins whatever `sign_ins_interval_ms` says (a
        person just started watching); later ones keep to the interval. Raises nothing
        (memory only)."""
        self._look_now = True
        self.looked_at = None

    async def _sign_ins_due(
        self, now: int
    ) -> tuple[builtins.list[NewDevice], builtins.list[CredentialChange]]:
        """`sign_ins()` when the last look is `sign_ins_interval_ms` old or more at `now`
        (ms), else ([], []) (the first call of a process reads when from the store). A
        server that keeps no sign-in log (a release before it: 404) tells nothing, and is
        asked again after the interval, never failing the sync."""
        await self._load_looked()
        at = self.looked_at or 0
        if self._look_now:
            self._look_now, at = False, now - self.sign_ins_interval_ms  # due at once
        if 0 <= now - at < self.sign_ins_interval_ms:
            return _untold(self._looked)  # kept from a look whose sync was cut off: no call
        try:
            return await self._look(keep=True)
        except NotFound:
            self.looked_at = now  # in memory: the next process asks again
            return _untold(self._looked)

    def _untold_kept(self) -> bool:
        """Whether a look this process read or made keeps sign-ins untold (memory only)."""
        return self._looked is not None and "untold" in self._looked

    async def _handed(self) -> None:
        """The sign-ins and changes a look found were handed to the app (the sync that
        took them returned its report): the store keeps them no longer. Nothing read or
        written when this process's look kept none (`_untold_kept`); else the row as stored
        now is changed (`_change_looked`: another process's writes stay)."""
        if not self._untold_kept():
            return

        def handed(row: dict[str, object]) -> dict[str, object] | None:
            if "untold" not in row:  # handed by another process meanwhile
                return None
            told_new, told_changed = _untold(row)
            seen_new, seen_changed = _untold(row, "unseen")
            kept = {k: v for k, v in row.items() if k != "untold"}
            kept["unseen"] = {  # until `mark_sign_ins_seen`: `tj sync` says them again
                "devices": [d.to_dict() for d in (seen_new + told_new)[-UNTOLD_KEPT:]],
                "changes": [c.to_dict() for c in (seen_changed + told_changed)[-UNTOLD_KEPT:]],
            }
            return kept

        await self._change_looked(handed)

    async def unseen_sign_ins(
        self,
    ) -> tuple[builtins.list[NewDevice], builtins.list[CredentialChange]]:
        """The sign-ins and credential changes syncs told (`SyncReport.new_devices`,
        `SyncReport.credential_changes`, each told once by the report of the sync that found
        it) since the last `mark_sign_ins_seen()`, in the order told (the newest
        `UNTOLD_KEPT` of each): for an app whose other parts sync quietly, to say them again
        where the user looks (`tj sync`'s "Earlier ..." line), as `Client.unseen_departures`
        does for share changes. Reads the store only (no network). The server's word, as
        `sign_ins()`. Raises nothing of its own (a store that does not read raises as
        `Client.open` would)."""
        await self._reload_looked()
        return _untold(self._looked, "unseen")

    async def mark_sign_ins_seen(
        self, shown: Iterable[NewDevice | CredentialChange] | None = None
    ) -> None:
        """Forget what `unseen_sign_ins()` returns: the user has seen it. `shown`: only
        these (the sign-ins and changes an app showed: a report's `new_devices` and
        `credential_changes`, items `unseen_sign_ins()` returned), each once; None: all of
        it (and what syncs told since: mark after showing their reports). Nothing written
        when nothing is kept. Reads the row as stored now, so what another process kept
        meanwhile stays. Raises nothing of its own (a store that does not read raises as
        `Client.open` would)."""
        told = None if shown is None else [json.dumps(item.to_dict()) for item in shown]
        if told == []:
            return  # nothing shown: nothing read or written

        def seen(row: dict[str, object]) -> dict[str, object] | None:
            if "unseen" not in row:
                return None
            kept = {k: v for k, v in row.items() if k != "unseen"}
            if told is None:
                return kept
            left = builtins.list(told)
            devices, changes = _untold(row, "unseen")
            rest: dict[str, builtins.list[dict[str, object]]] = {"devices": [], "changes": []}
            for key, items in (("devices", devices), ("changes", changes)):
                for item in items:
                    said = json.dumps(item.to_dict())
                    if said in left:
                        left.remove(said)
                    else:
                        rest[key].append(item.to_dict())
            return {**kept, "unseen": rest} if rest["devices"] or rest["changes"] else kept

        await self._change_looked(seen)

    async def _load_looked(self) -> None:
        """Read the `SIGN_INS` row once per process (`Client.sync` decides from memory
        whether a look is due: no read at a sync with nothing to do)."""
        if self._looked is None:
            await self._reload_looked()

    async def _reload_looked(self) -> None:
        """Read the `SIGN_INS` row from the store again (one local read): another process
        on this home (a `tj password change` beside a `tj sync --watch`) may have written it
        since this one read it. `looked_at` is taken from it only when not known yet (a
        look this process made, or a server without the log, stays in memory)."""
        if self._store is not None:
            self._looked = _read_looked(await self._store.setting(SIGN_INS))
        elif self._looked is None:
            self._looked = {}
        if self.looked_at is None:
            at = (self._looked or {}).get("at", 0)
            self.looked_at = at if isinstance(at, int) and not isinstance(at, bool) else 0

    async def _change_looked(
        self, change: Callable[[dict[str, object]], dict[str, object] | None]
    ) -> None:
        """Write `change(row)` (None: nothing to write) of the `SIGN_INS` row as stored now,
        read and written in one write transaction (`Store.merge_setting`), so nothing
        another process wrote since this one read the row is overwritten with a stale copy;
        the result is kept in memory."""
        if self._store is None:
            changed = change(dict(self._looked or {}))
            if changed is not None:
                self._looked = changed
            return
        result: builtins.list[dict[str, object]] = []

        def merge(value: object, _cursors: object) -> object:
            row = _read_looked(value)
            changed = change(row)
            result.append(row if changed is None else changed)
            return value if changed is None else json.dumps(changed)

        moved = await self._store.merge_setting(SIGN_INS, merge)
        if result:
            self._looked = result[-1]
        if moved is not None and self._settings_written is not None:
            self._settings_written(*moved)

    async def sign_ins(self) -> tuple[builtins.list[NewDevice], builtins.list[CredentialChange]]:
        """The sign-ins to this account by other devices since this device last looked, and
        the changes of the password or the recovery key made elsewhere since then, each told
        once (what is told is kept in the store: not again, also after a restart). Reads the
        account's sign-in log (`/v1/account/sign-ins`, needs the network); `Client.sync`
        calls it at most once every `sign_ins_interval_ms` (`SyncReport.new_devices`,
        `SyncReport.credential_changes`). The first look of a device (a sign-in to an
        existing account, or a store from before this) tells nothing: it records the newest
        sign-in it sees; the first look of the home the signup made tells every sign-in
        and change since the signup. Each
        later sign-in of the log is told, by its number: also one signed out before the look
        (`NewDevice.signed_out`), and one under an id or name seen before; only this
        device's own sign-in is not (a row under this home's own session id: a row the
        server marks `current` under another id is told as any other); sign-ins the server no longer keeps are counted
        (`NewDevice.earlier_not_kept`), also when only this device's own sign-in follows
        them (one `NewDevice` of empty id). What a sync's look found is kept in the store
        until that sync returns its report (a sync cut off after its look leaves it for the
        next sync or for this call). A change this device made is not told to it (the
        server's time of it, read right after it, is kept); a later one made elsewhere is
        (nu86 F5).

        The server's word: the sign-in log and credential times are server metadata, not
        signed by the owner. A hostile server can hide a sign-in; this notice is for an
        honest server and a stolen password or recovery key. Nothing this device believes
        about journals, access or keys depends on it.
        Raises NetworkError offline or on a reply that does not add up (numbers not
        increasing, too many pages), AuthError when this device was signed out, NotFound
        when the server keeps no sign-in log (a release from before it)."""
        return await self._look(keep=False)

    async def _look(
        self, keep: bool
    ) -> tuple[builtins.list[NewDevice], builtins.list[CredentialChange]]:
        """`sign_ins()`, with what a look before kept untold first; `keep`: what it returns
        is kept in the store until `_handed` (a sync's look), else returned as told. The row
        is read from the store first (another process may have written it: its own password
        change is not told here as made elsewhere) and written back merged with what was
        stored meanwhile (`_merged_look`)."""
        await self._reload_looked()
        looked = self._looked or {}
        kept = looked.get("seq")
        after = kept if isinstance(kept, int) and not isinstance(kept, bool) and kept >= 0 else None
        rows, password_at, recovery_at = await self._log(after or 0)
        cursor = rows[-1].seq if rows else after or 0
        new: builtins.list[NewDevice] = []
        changed: builtins.list[CredentialChange] = []
        since = first = 0  # a new session here: what came before its own sign-in is not told
        own_ids = _own_ids(looked) if looked.get("session") is True else set()
        own_seqs = _own_seqs(looked) if looked.get("session") is True else {}
        own_rows = _own_rows(rows, own_ids, own_seqs)
        # `current` ("the session asking") is the server's word: a row is this home's own
        # session only under this home's own session id (kept by this device), never on
        # the flag alone (a row marked current under another id is told as any sign-in).
        me = self._store.device if self._store is not None else b""
        own_rows |= {row.seq for row in rows if row.current and me and row.device_id == me}
        keys = _device_keys(looked)
        again = _signed_in_again(rows, keys)  # also pins the keys of these rows
        if after is not None and looked.get("session") is True:
            # This home signed in again (`_new_session`): it proved the current password
            # or recovered the account itself, so a credential change before its own new
            # sign-in is no sign of someone else (taken silently), and a sign-in before it
            # is told as made before. The cut-off is its FIRST sign-in since it last looked
            # (each session it made since is kept by id): a revoke forcing it to sign in
            # once more never moves a sign-in made after a session it proved to "before".
            # None of its own rows kept (more sign-ins since than the server keeps): the
            # cut-off is unknown, and everything is told as made after it.
            own = [row for row in rows if row.seq in own_rows]
            first, since = (own[0].seq, own[0].at) if own else (0, 0)
        if after is not None:  # else the first look: a baseline, told nothing
            expected = after + 1
            missed = 0
            gap_at = 0  # when the first sign-in after the gap was made
            for row in rows:
                if row.seq > expected and not missed:
                    gap_at = row.at
                missed += row.seq - expected  # consecutive numbers: the rest were pruned
                expected = row.seq + 1
                if row.seq in own_rows:  # this home's own session
                    continue
                new.append(
                    NewDevice(
                        row.device_id.hex(),
                        row.name,
                        to_datetime(row.at),
                        row.by_recovery_key,
                        row.signed_out,
                        missed,
                        before_sign_in=row.seq < first,  # told as such (`NewDevice.line`)
                        again_of=again[row.seq][0] if row.seq in again else "",
                        again_name=again[row.seq][1] if row.seq in again else "",
                        again_at=(
                            to_datetime(again[row.seq][2])
                            if row.seq in again and again[row.seq][2]
                            else None
                        ),
                    )
                )
                missed = 0
            if missed:  # the gap is followed only by this device's own sign-in(s)
                new.append(NewDevice("", "", to_datetime(gap_at), False, True, missed))
            if not looked.get("own"):
                for what, key, at in (
                    ("password", "password_at", password_at),
                    ("recovery key", "recovery_at", recovery_at),
                ):
                    before = looked.get(key, 0)
                    if isinstance(before, int) and at > before > 0 and at > since:
                        changed.append(CredentialChange(what, to_datetime(at)))
        if any(device.id for device in new):
            new = await self._names_shared(new)
        self.looked_at = now_ms()
        found: builtins.list[tuple[builtins.list[NewDevice], builtins.list[CredentialChange]]] = []

        def merged(row: dict[str, object]) -> dict[str, object] | None:
            written, told_new, told_changed = _merged_look(
                row, looked, new, changed, keep, self.looked_at or 0, cursor, password_at,
                recovery_at, keys,
            )  # fmt: skip
            found.append((told_new, told_changed))
            return written

        await self._change_looked(merged)
        return found[-1] if found else ([], [])

    async def _log(self, after: int) -> tuple[builtins.list[wire.SignIn], int, int]:
        """The account's sign-in log after the number `after` (every page), with the
        password's and the recovery key's change times the first page names (ms).
        Raises NetworkError offline or on a reply that does not add up, AuthError, NotFound
        (no sign-in log on this server)."""
        rows: builtins.list[wire.SignIn] = []
        cursor = after
        password_at = recovery_at = 0
        for page_number in range(SIGN_INS_PAGES + 1):
            if page_number == SIGN_INS_PAGES:
                raise NetworkError("the server's sign-in log goes on past its bound", False)
            page = await self._log_page(cursor)
            if page_number == 0:
                password_at, recovery_at = page.password_changed_at, page.recovery_key_changed_at
            for row in page.sign_ins:
                if row.seq <= cursor:
                    raise NetworkError("the server's sign-in log is out of order", False)
                cursor = row.seq
            rows += page.sign_ins
            if not page.more:
                break
            if not page.sign_ins:
                raise NetworkError("the server's sign-in log page is empty", False)
        return rows, password_at, recovery_at

    async def _log_page(self, after: int) -> wire.SignInList:
        """One page of the sign-in log after `after`, with the device proofs (`with_keys`)
        unless this server refused them (then without, for this client's life)."""
        request = wire.SignInsRequest(after=after, with_keys=not self._keys_refused)
        try:
            return await self._transport.call("/v1/account/sign-ins", request, wire.SignInList)
        except InvalidInput as error:
            if self._keys_refused or error.code != "invalid_field":
                raise
            self._keys_refused = True
        request = wire.SignInsRequest(after=after)
        return await self._transport.call("/v1/account/sign-ins", request, wire.SignInList)

    async def last_sign_ins(self) -> dict[str, datetime]:
        """When each device of the account's sign-in log last signed in (its hex id: the
        time of its newest row, UTC), for a list of the devices (`tj devices`): a device
        signed in before the server kept the log, or more than 90 days ago, has no row and
        is absent. Reads the whole log (`/v1/account/sign-ins`, at most 1,000 rows: a few
        pages); tells nothing and changes nothing stored (`sign_ins()` tells). The server's
        word, as `sign_ins()`.
        Raises NetworkError offline or on a reply that does not add up, AuthError when this
        device was signed out, NotFound when the server keeps no sign-in log (a release
        from before it)."""
        rows, _, _ = await self._log(0)
        return {row.device_id.hex(): to_datetime(row.at) for row in rows}  # oldest first

    async def _signed_in_names(self, wanted: Iterable[bytes]) -> dict[bytes, str]:
        """The names the devices `wanted` (ids) signed in with, from the account's sign-in
        log (each id's newest row; one the log no longer keeps, 90 days, is absent): to name
        the earlier writes of a device signed out since that this device never listed (a
        home signed in again after a logout keeps no names: nu84 F8). Display metadata, the
        server's word as `sign_ins()`: nothing is decided on it. {} when the log cannot be
        read (offline, a server without it); tells nothing and changes nothing stored."""
        wanted = set(wanted)
        if not wanted:
            return {}
        try:
            rows, _, _ = await self._log(0)
        except TJError:
            return {}
        return {row.device_id: row.name for row in rows if row.device_id in wanted}

    async def _names_shared(self, new: builtins.list[NewDevice]) -> builtins.list[NewDevice]:
        """`new` with `NewDevice.name_shared` set where a sign-in bears this device's own
        name or the kept name of another device still listed when this device last listed
        them (no network); not the default name, which many devices bear."""
        if self._names is None:
            await self._load()
        own = await self._store.setting(OWN_NAME) if self._store else None
        known = {device.hex(): name for device, name in (self._names or {}).items() if name}
        found = []
        for device in new:
            shared = ""
            if not device.id or device.name == DEFAULT_DEVICE_NAME:  # many bear it
                pass
            elif device.again_of:  # the device that signed in before, by its own key
                pass
            elif device.name == own:
                shared = "this device"
            elif any(name == device.name for other, name in known.items() if other != device.id):
                shared = "another device"
            found.append(dataclasses.replace(device, name_shared=shared) if shared else device)
        return found

    async def _signed_up(self, lost_session: bytes = b"") -> None:
        """This home's session was opened by the account's signup (its request's own reply),
        or by a login finishing that signup whose reply was lost (`lost_session`: the device
        id that signup's request chose, kept on this home: its session is this home's own,
        never told as another device's; rev34e F2): the account began here, so its first
        look has no baseline to take (nu86 F6). It reads the log from its start: every row
        but this home's own (`_new_session`, called next, keeps its id and row) is another
        device's sign-in, and a credential change after the signup is told, as at any later
        look. A row already kept is left as it is."""

        def began_here(row: dict[str, object]) -> dict[str, object] | None:
            if "seq" in row:
                return None
            start = {**row, "at": 0, "seq": 0, "password_at": 1, "recovery_at": 1}
            if lost_session:  # the first row of the log with that id is this home's
                start |= {"session": True, "own_ids": [lost_session.hex()], "own_seqs": {}}
            return start

        await self._change_looked(began_here)

    async def _new_session(self, device_id: bytes) -> None:
        """This home signed in again (a login or a recovery: a new session, `device_id` its
        new id) after a look before: the next look tells the sign-ins and credential changes
        made before this home's first new sign-in since that look as such, takes the
        changes before it silently (it knows the current password, or recovered the account
        itself: a change made before is no sign of someone else), and never tells a session
        of its own as another device's (the ids of each kept: `OWN_IDS_KEPT`). Device ids
        are chosen by the device that signs in, and the server frees a signed-out one, so
        an id alone does not make a row this home's: the number of this session's own row
        is read from the log now (the row the server marks `current`; one request more,
        only on a home that looked before) and kept with its id (`own_seqs`), and only that
        row is skipped as this home's; when it cannot be read (offline, a server without
        the log), only the first row of the log with that id is."""
        await self._reload_looked()
        if "seq" not in (self._looked or {}):
            return
        seq = await self._own_row(device_id)

        def signed_in(row: dict[str, object]) -> dict[str, object] | None:
            if "seq" not in row:
                return None
            new_id = device_id.hex()
            ids = _own_id_list(row) if row.get("session") is True else []
            seqs = _own_seqs(row) if row.get("session") is True else {}
            ids = [*(i for i in ids if i != new_id), new_id]
            if len(ids) > OWN_IDS_KEPT:  # the first (the cut-off) and the newest
                ids = [ids[0], *ids[-(OWN_IDS_KEPT - 1) :]]
            seqs = {i: n for i, n in seqs.items() if i in ids and i != new_id}
            if seq is not None:
                seqs[new_id] = seq
            kept = {
                k: v for k, v in row.items() if k not in ("own", "replaced", "own_ids", "own_seqs")
            }
            return {**kept, "session": True, "own_ids": ids, "own_seqs": seqs}

        await self._change_looked(signed_in)

    async def _own_row(self, device_id: bytes) -> int | None:
        """The number of this session's own row in the account's sign-in log (the row the
        server marks `current`, read after the number this device looked at last), or None
        when it cannot be read (offline, no log on this server, a reply that does not add
        up) or the log names no such row."""
        kept = (self._looked or {}).get("seq")
        after = kept if isinstance(kept, int) and not isinstance(kept, bool) and kept >= 0 else 0
        try:
            rows, _, _ = await self._log(after)
        except TJError:
            return None
        own = [row.seq for row in rows if row.current and row.device_id == device_id]
        return own[-1] if own else None

    async def replaced_elsewhere(self) -> dict[str, datetime]:
        """The credentials ("password", "recovery key") this device was told were changed on
        another device since its own sign-in, each with when (UTC), as `sync` told them
        (`SyncReport.credential_changes`, also earlier syncs'). The device cannot tell whose
        change it was (the user's own, on another device, or someone else's): advice built
        on it first asks for the credential the user knows, never only gives the account
        up. Forgotten when this device proves the credential works: this home signs in
        again (a login or a recovery), or changes the password or the recovery key itself
        (both need the current password). Reads the store again (no network; another
        process on this home may have changed it); {} on a device that never looked. The
        server's word, as `sign_ins()`. Raises nothing of its own (a store that does not
        read raises as `Client.open` would)."""
        await self._reload_looked()
        return {what: to_datetime(at) for what, at in sorted(_replaced(self._looked or {}).items())}

    async def changed_untold(self) -> dict[str, datetime]:
        """The credentials ("password", "recovery key") the server says were changed since
        this device last looked or changed one itself, not told yet (no sync has looked
        since), each with when (UTC): for the words of a password refused before a sync told
        it (`tj recovery-key new` after a recovery elsewhere). Tells nothing and changes
        nothing stored; one request (the log's first page). {} on a device that never
        looked, or one that changed a credential without reading its time ("own"); on a
        home signed in again since its last look (or signed up), only a change after its
        own first new sign-in, as the look tells it. The server's word, as `sign_ins()`.
        Raises NetworkError offline, AuthError when this device was signed out, NotFound
        when the server keeps no sign-in log."""
        await self._reload_looked()
        looked = self._looked or {}
        if "seq" not in looked or looked.get("own") is True:
            return {}
        page = await self._log_page(_kept_seq(looked))
        since = 0
        if looked.get("session") is True:  # its own sign-in proved the password then
            rows = page.sign_ins
            own_rows = _own_rows(rows, _own_ids(looked), _own_seqs(looked))
            own = [row.at for row in rows if row.current or row.seq in own_rows]
            since = own[0] if own else 0
        found: dict[str, datetime] = {}
        for what, at in (
            ("password", page.password_changed_at),
            ("recovery key", page.recovery_key_changed_at),
        ):
            if at > _number(looked, CREDENTIAL_TIMES[what]) > 0 and at > since:
                found[what] = to_datetime(at)
        return found

    async def acknowledge_credential_changes(self) -> dict[str, datetime]:
        """The user says the credential changes told so far (`replaced_elsewhere`) were their
        own, made on another device: forget them, so that advice built on them (what to do if
        the password was not changed by the user) is not repeated at every later sign-in
        told. Returns what was forgotten ({} when nothing was). A change told later is told
        and kept again. Changes only this device's store (no network); it proves nothing to
        the server, and the sign-ins themselves are still told. A change a sync found but
        has not told yet (its sync was cut off) is kept: it was never shown to the user to
        acknowledge. Raises nothing of its own."""
        forgotten: dict[str, datetime] = {}

        def acknowledged(row: dict[str, object]) -> dict[str, object] | None:
            replaced = _replaced(row)
            untold = {(c.what, int(c.changed_at.timestamp() * 1000)) for c in _untold(row)[1]}
            kept = {what: at for what, at in replaced.items() if (what, at) in untold}
            if len(kept) == len(replaced):
                return None
            forgotten.update(
                {what: to_datetime(at) for what, at in replaced.items() if what not in kept}
            )
            rest = {k: v for k, v in row.items() if k != "replaced"}
            return {**rest, "replaced": kept} if kept else rest

        await self._change_looked(acknowledged)
        return dict(sorted(forgotten.items()))

    async def _own_credential_change(self, what: Iterable[str] = ("password",)) -> None:
        """This device changed the password or the recovery key (`what`: the credentials it
        now knows work): the next look takes the change without telling it, and only it.
        The server's change times are read right after the change (one request: the log's
        first page after the number seen) and kept as this device's own, so that a change
        made elsewhere after it (a `recover` with the key, replacing the password and the
        key) is still told (nu86 F5); a change between the two requests is taken as this
        device's own. When they cannot be read (offline, no log on this server), "own" is
        marked: the next look takes every change since silently, as before."""
        proved = set(what)
        await self._reload_looked()
        if "seq" not in (self._looked or {}):
            return
        try:
            page = await self._log_page(_kept_seq(self._looked or {}))
            times: dict[str, int] | None = {
                "password_at": page.password_changed_at,
                "recovery_at": page.recovery_key_changed_at,
            }
        except TJError:
            times = None

        def changed_here(row: dict[str, object]) -> dict[str, object] | None:
            if "seq" not in row:
                return None
            replaced = {k: v for k, v in _replaced(row).items() if k not in proved}
            kept = {k: v for k, v in row.items() if k != "replaced"}
            if times is None:
                kept["own"] = True
            else:  # this change's time (and any before it: the credential works) is known
                for what, key in CREDENTIAL_TIMES.items():
                    if what in proved:
                        kept[key] = max(times[key], _number(row, key), 1)
            return {**kept, **({"replaced": replaced} if replaced else {})}

        await self._change_looked(changed_here)

    async def revoke(self, device_id: str) -> None:
        """Sign another device of this account out (a lost phone, say): its session token
        stops working at once, and what it already holds stays on it. `device_id` is its hex
        id, a unique prefix, or the name of exactly one signed-in device (`find_device`). Needs the
        network.

        It changes no key. The account's keys on that device stay as they are, and they open
        every journal of the account, now and later: whoever holds the device, unlocked, can
        read what it already downloaded and also decrypt any record written afterwards that
        they obtain some other way (from a copy of the server's data, a breached or
        hostile server, a backup), though they can no longer sync. What protects those keys
        on a lost device is a passphrase set there beforehand (`Client.set_passphrase`: the
        keys are sealed under it; the journal text already on the device is not) and disk
        encryption. Ending a share (`client.shares.revoke`) gives the journal a new key,
        which shuts out that member's devices, not a device of the owner's own account;
        there is no key rotation for the account itself.

        This device is refused (InvalidInput, subject "device", nothing changed): revoking
        it would leave its local data here under a session that no longer works, every
        later call failing with AuthError. To sign this device out, call `Client.logout()`,
        which tells the server and deletes the local data (and refuses while changes never
        reached the server, unless told to discard them).

        Raises NotFound when no device matches, InvalidInput when several do or when the one
        matched is this device (`DeviceInfo.current`), NetworkError when the server cannot
        be reached, AuthError when this device was signed out."""
        chosen = find_device(await self.list(), device_id)
        if chosen.current:
            raise InvalidInput(
                f"{quoted_name(chosen.name)} ({chosen.id[:12]}) is this device: to sign it out, log out "
                "(Client.logout), which also deletes its local data; revoking it would leave "
                "the data here with a session that no longer works. Nothing was changed",
                subject="device",
            )
        await self._transport.call(
            "/v1/devices/revoke", wire.DeviceRevokeRequest(bytes.fromhex(chosen.id)), wire.Empty
        )
        await self._forget_names()

    async def rename(self, device_id: str | None, name: str) -> DeviceInfo:
        """Rename a device of this account (`device_id`: an id or unique prefix; None for
        this device). Device names are metadata the server keeps in clear, like the list
        of devices. Raises InvalidInput (subject BAD_VALUE) for an empty or over-long name (1
        to 100 characters), NotFound for an unknown device."""
        name = name.strip()
        if not name or len(name) > 100:
            given = f" (this one is {len(name)})" if name else ""
            raise InvalidInput(f"a device name is 1 to 100 characters{given}", subject=BAD_VALUE)
        devices = await self.list()
        if device_id is not None:
            chosen = find_device(devices, device_id)
        else:
            current = [d for d in devices if d.current]
            if len(current) != 1:
                raise NotFound("the server lists no device as this one", subject="device")
            chosen = current[0]
        request = wire.DeviceRenameRequest(bytes.fromhex(chosen.id), name)
        await self._transport.call("/v1/devices/rename", request, wire.Empty)
        await self._forget_names()
        if chosen.current:
            await self._keep_own_name(name)
        return dataclasses.replace(chosen, name=name)

    async def _forget_names(self) -> None:
        """A device was renamed or signed out here: the next sync that names one lists the
        devices again."""
        if self._names is None:
            await self._load()
        self._names_at = 0
        await self._save()


async def kept_own_name(home: Path, device_id: bytes) -> str | None:
    """The name this home's device had (`OWN_NAME`; for a store from before that row, the
    kept name of `device_id`, its device id then), or None. Opens the store only when it
    exists; a store that cannot be read gives None (the caller's default name)."""
    if not (home / STORE_FILE).exists():
        return None
    try:
        store = await Store.open(home)
    except TJError:
        return None
    try:
        own = await own_name(store, device_id)
    except sqlite3.Error:  # a name is not worth failing a sign-in for
        return None
    finally:
        await store.close()
    return own.strip()[:100] or None  # as `rename` takes one (wire.LoginRequest: 1 to 100)


async def own_name(store: Store, device_id: bytes) -> str:
    """The name this device knows itself by (`OWN_NAME`; for a store from before that row,
    the kept name of `device_id`, its own id), from the store alone; "" when it knows none.
    Raises sqlite3.Error for a store that cannot be read."""
    own = await store.setting(OWN_NAME)
    if isinstance(own, str) and own:
        return own
    return _kept_names(await store.setting(DEVICE_NAMES))[0].get(device_id, "")


NAMES_AFTER_LOGOUT_FILE = "device_names_kept"
"""`<home>/device_names_kept` (JSON {key: name}, mode 0600): the name this home's device had,
kept by `tj logout` (which deletes the store holding `OWN_NAME`) for the next login of the
same account on the same server, which keeps it unless given another (NU25 C7, README: a
login again on a home keeps its device name). The key is a BLAKE2b hash of the server URL
and the username, as for login tickets (tickets.py), so the file does not name the account.
Display metadata only: a lost or unreadable file gives the default name ("device")."""

MAX_NAMES_KEPT = 64  # accounts one home keeps a name for; the oldest are dropped beyond


def _name_key(server_url: str, username: str) -> str:
    import nacl.encoding
    import nacl.hash

    return nacl.hash.blake2b(
        f"{server_url}\n{username}".encode(),
        digest_size=16,
        person=b"tj-device-name",
        encoder=nacl.encoding.HexEncoder,
    ).decode()


def _names_after_logout(home: Path) -> dict[str, str]:
    try:
        value = json.loads((home / NAMES_AFTER_LOGOUT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str) and v.strip()}


def keep_name_after_logout(home: Path, server_url: str, username: str, name: str) -> None:
    """Keep `name` for the next login of `username` on `server_url` from `home` (see
    NAMES_AFTER_LOGOUT_FILE). Raises nothing: a name is not worth failing a logout for."""
    from client_sdk.profile import write_private

    name = name.strip()[:100]
    if not name:
        return
    names = _names_after_logout(home)
    key = _name_key(server_url, username)
    names.pop(key, None)
    names[key] = name
    kept = dict(list(names.items())[-MAX_NAMES_KEPT:])
    try:
        write_private(home / NAMES_AFTER_LOGOUT_FILE, json.dumps(kept).encode())
    except OSError:
        pass


def forget_name_after_logout(home: Path, server_url: str, username: str) -> None:
    """Drop the name (and the ended sessions: SESSIONS_AFTER_LOGOUT_FILE) kept for this
    account and server (the account was erased: no login of it follows); each file goes with
    its last entry. Raises nothing."""
    _forget_sessions_after_logout(home, server_url, username)
    _forget_device_key(home, server_url, username)
    names = _names_after_logout(home)
    if names.pop(_name_key(server_url, username), None) is None and names:
        return
    from client_sdk.profile import write_private

    path = home / NAMES_AFTER_LOGOUT_FILE
    try:
        if names:
            write_private(path, json.dumps(names).encode())
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass


def name_after_logout(home: Path, server_url: str, username: str) -> str | None:
    """The name `keep_name_after_logout` kept for this account and server, or None."""
    found = _names_after_logout(home).get(_name_key(server_url, username))
    return found.strip()[:100] or None if found else None


DEVICE_KEYS_FILE = "device_keys"
"""`<home>/device_keys` (JSON {key: entry}, mode 0600): this home's device key for each
account and server (the key as in NAMES_AFTER_LOGOUT_FILE), made at its first login or
recovery there that succeeds, kept while the home stays signed in (a login on a home
signed in keeps it) and dropped at its logout (`forget_device_key`; protocol.md 4.21): each
sign-in from this home names its public half and signs the server's challenge with it, so
the account's other devices tell a login again of this home as the device they knew signed
in again, and one from elsewhere under the same name as a new device. An entry is the hex
Ed25519 seed, or, for a sign-in with a passphrase or a profile locked since
(`seal_device_key`), the seed sealed as the profile is: {"salt", "opslimit", "memlimit", "sealed"} (hex and ints;
XChaCha20-Poly1305 under the Argon2id key of the passphrase, associated data
frame("tj/local-secrets/v1", salt, key)). It opens nothing, but whoever holds it and the
password could make a sign-in of theirs read as this home's, hiding the new-device notice:
so it is sealed wherever the profile is. Dropped at logout and with the account's erasure
(`forget_name_after_logout`)."""


def kept_device_key(
    home: Path, server_url: str, username: str, passphrase: str | None = None
) -> tuple[nacl.signing.SigningKey, bool] | None:
    """This home's device key for `username` on `server_url` (DEVICE_KEYS_FILE) and whether
    to write it (`keep_device_key`, once the sign-in succeeded, so a failed one leaves
    nothing behind): a key made now (none kept, or one sealed under another passphrase or
    none given: the sign-in is told to the other devices as a new device's, and the key
    replaced), or one kept plain when `passphrase` is given (sealed under it then); None
    when the file does not read (it is left as it was, and the sign-in names no device
    key). Raises nothing."""
    import nacl.signing

    kept = _device_keys_kept(home)
    if kept is None:
        return None
    entry = kept.get(_name_key(server_url, username))
    if entry is None:
        return nacl.signing.SigningKey.generate(), True
    seed = _opened_seed(entry, _name_key(server_url, username), passphrase)
    if seed is None:  # sealed under another passphrase (or damaged): replaced once signed in
        return nacl.signing.SigningKey.generate(), True
    # kept plain, signed in now with a passphrase: written again, sealed under it
    return nacl.signing.SigningKey(seed), isinstance(entry, str) and passphrase is not None


def keep_device_key(
    home: Path,
    server_url: str,
    username: str,
    key: nacl.signing.SigningKey,
    passphrase: str | None = None,
    passphrase_cost: KdfCost | None = None,
) -> None:
    """Write `key` as this home's device key for the account (DEVICE_KEYS_FILE), sealed
    under `passphrase` when given (as the profile is), after a sign-in that used it
    succeeded. Raises nothing: a key not kept only makes the next sign-in read as a new
    device's."""
    from client_sdk import crypto
    from client_sdk.crypto import Context
    from client_sdk.profile import write_private

    kept = _device_keys_kept(home)
    if kept is None:
        return
    name = _name_key(server_url, username)
    entry: object = bytes(key).hex()
    if passphrase is not None:
        cost = passphrase_cost or crypto.INTERACTIVE
        salt = crypto.random_bytes(crypto.SALT_BYTES)
        root = crypto.derive_root(passphrase, salt, cost)
        ad = crypto.associated_data(Context.LOCAL_SECRETS, salt, name.encode())
        entry = {
            "salt": salt.hex(),
            "opslimit": cost.opslimit,
            "memlimit": cost.memlimit,
            "sealed": crypto.seal(root, bytes(key), ad).hex(),
        }
    kept.pop(name, None)
    kept[name] = entry
    kept = dict(list(kept.items())[-MAX_NAMES_KEPT:])
    try:
        write_private(home / DEVICE_KEYS_FILE, json.dumps(kept).encode())
    except OSError:
        pass


def seal_device_key(
    home: Path, server_url: str, username: str, passphrase: str, passphrase_cost: KdfCost
) -> None:
    """Seal this home's device key for the account under `passphrase` if it is kept plain
    (`Client.set_passphrase` locking the profile: the key is sealed as the profile is); one
    sealed already stays as it is (under the passphrase of its sign-in). Raises nothing."""
    import nacl.signing

    kept = _device_keys_kept(home)
    entry = kept.get(_name_key(server_url, username)) if kept is not None else None
    seed = _opened_seed(entry, _name_key(server_url, username), None) if entry else None
    if seed is not None:
        key = nacl.signing.SigningKey(seed)
        keep_device_key(home, server_url, username, key, passphrase, passphrase_cost)


def _device_keys_kept(home: Path) -> dict[str, object] | None:
    """DEVICE_KEYS_FILE's entries ({} without the file), None when it does not read (a
    damaged file is not overwritten: its keys stay as they were)."""
    path = home / DEVICE_KEYS_FILE
    try:
        kept = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (OSError, ValueError, RecursionError):
        return None
    return kept if isinstance(kept, dict) else None


def _opened_seed(entry: object, name: str, passphrase: str | None) -> bytes | None:
    """The 32-byte seed of a DEVICE_KEYS_FILE entry, None when it is damaged or sealed under
    another passphrase than `passphrase` (or none given)."""
    from client_sdk import crypto
    from client_sdk.crypto import Context, KdfCost
    from client_sdk.errors import IntegrityError

    try:
        if isinstance(entry, str):
            seed = bytes.fromhex(entry)
        elif isinstance(entry, dict) and passphrase is not None:
            salt = bytes.fromhex(entry["salt"])
            cost = KdfCost(int(entry["opslimit"]), int(entry["memlimit"]))
            root = crypto.derive_root(passphrase, salt, cost)
            ad = crypto.associated_data(Context.LOCAL_SECRETS, salt, name.encode())
            seed = crypto.open_sealed(root, bytes.fromhex(entry["sealed"]), ad, "a device key")
        else:
            return None
    except (KeyError, TypeError, ValueError, IntegrityError, TJError):
        return None
    return seed if len(seed) == 32 else None


def forget_device_key(home: Path, server_url: str, username: str) -> None:
    """Drop this home's device key for the account (DEVICE_KEYS_FILE) at its logout
    (`Client.logout`: the home forgets the account's data, and the key would vouch for
    whoever holds the home next, protocol.md 4.21) or erasure. Raises nothing."""
    _forget_device_key(home, server_url, username)


def _forget_device_key(home: Path, server_url: str, username: str) -> None:
    from client_sdk.profile import write_private

    path = home / DEVICE_KEYS_FILE
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(kept, dict) or kept.pop(_name_key(server_url, username), None) is None:
            return
        if kept:
            write_private(path, json.dumps(kept).encode())
        else:
            path.unlink(missing_ok=True)
    except (OSError, ValueError, RecursionError):
        pass


SESSIONS_AFTER_LOGOUT_FILE = "device_sessions_kept"
"""`<home>/device_sessions_kept` (JSON {key: [[hex device id, logout time in ms]...]}, mode
0600; a file of before 2026-12 holds bare hex ids, without the time): the device ids
of this home's sessions of an account that `logout` ended, with when it ended each, kept (the newest
`SESSIONS_KEPT`) for the next login of the same account on the same server, so that what
this home wrote before it signed out is told by this device's earlier id ("a device of this
account using this device's earlier id", `EARLIER_SESSION`), not as some other device's
"signed out since". The key as in
NAMES_AFTER_LOGOUT_FILE. Display metadata only: a lost or unreadable file names them as a
device signed out since."""

SESSIONS_KEPT = 32
"""The most ended sessions of one account kept in SESSIONS_AFTER_LOGOUT_FILE."""

EARLIER_SESSION = "a device of this account using this device's earlier id"
"""How a sync's news names a session of this home that a logout ended (`News.source`): by
the device id its records carry, which any holder of the account key can write, so it says
so rather than "this device"."""


EndedSession = tuple[str, int | None]
"""One of SESSIONS_AFTER_LOGOUT_FILE's ended sessions: (hex device id, logout time in ms, None
in a file of before 2026-12)."""


def _ended_session(item: object) -> EndedSession | None:
    if isinstance(item, str):
        return (item, None) if len(item) == 32 else None
    if (
        isinstance(item, builtins.list)
        and len(item) == 2
        and isinstance(item[0], str)
        and len(item[0]) == 32
        and type(item[1]) is int
    ):
        return item[0], item[1]
    return None


def _sessions_after_logout(home: Path) -> dict[str, builtins.list[EndedSession]]:
    try:
        value = json.loads((home / SESSIONS_AFTER_LOGOUT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(value, dict):
        return {}
    return {
        str(k): [e for e in map(_ended_session, v) if e is not None]
        for k, v in value.items()
        if isinstance(v, builtins.list)
    }


def _sessions_encoded(kept: dict[str, builtins.list[EndedSession]]) -> bytes:
    """SESSIONS_AFTER_LOGOUT_FILE's bytes: an id kept without its time stays a bare id."""
    return json.dumps(
        {k: [i if at is None else [i, at] for i, at in v] for k, v in kept.items()}
    ).encode()


def keep_session_after_logout(
    home: Path, server_url: str, username: str, device_id: str, ended_at: int
) -> None:
    """Keep `device_id` (hex) as one of this home's ended sessions of `username` on
    `server_url`, ended at `ended_at` (ms since 1970, this device's clock: see
    SESSIONS_AFTER_LOGOUT_FILE). Raises nothing: display metadata is not worth failing a
    logout for."""
    from client_sdk.profile import write_private

    kept = _sessions_after_logout(home)
    key = _name_key(server_url, username)
    ids = [e for e in kept.pop(key, []) if e[0] != device_id] + [(device_id, ended_at)]
    kept[key] = ids[-SESSIONS_KEPT:]
    kept = dict(list(kept.items())[-MAX_NAMES_KEPT:])
    try:
        write_private(home / SESSIONS_AFTER_LOGOUT_FILE, _sessions_encoded(kept))
    except OSError:
        pass


def _forget_sessions_after_logout(home: Path, server_url: str, username: str) -> None:
    kept = _sessions_after_logout(home)
    if kept.pop(_name_key(server_url, username), None) is None and kept:
        return
    from client_sdk.profile import write_private

    path = home / SESSIONS_AFTER_LOGOUT_FILE
    try:
        if kept:
            write_private(path, _sessions_encoded(kept))
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass


def sessions_after_logout(home: Path, server_url: str, username: str) -> dict[bytes, int | None]:
    """The device ids `keep_session_after_logout` kept for this account and server, each with
    when this home's logout ended it (ms; None when the file kept no time)."""
    ids = _sessions_after_logout(home).get(_name_key(server_url, username), [])
    return {bytes.fromhex(i): at for i, at in ids if all(c in "0123456789abcdef" for c in i)}


def _gone_names(value: object) -> dict[bytes, str]:
    """The names of devices signed out since they were listed, kept in the `DEVICE_NAMES`
    row `value` ({} when there are none, or it does not read)."""
    if isinstance(value, str):
        try:
            kept = json.loads(value)
            return {bytes.fromhex(k): str(v) for k, v in kept.get("gone", {}).items()}
        except (ValueError, RecursionError, KeyError, TypeError, AttributeError):
            pass
    return {}


def _kept_names(value: object) -> tuple[dict[bytes, str], int]:
    """(names by device id, when they were listed: ms) of the `DEVICE_NAMES` row `value`;
    ({}, 0) when it is not set or does not read (listed again when needed)."""
    if isinstance(value, str):
        try:
            kept = json.loads(value)
            return {bytes.fromhex(k): str(v) for k, v in kept["names"].items()}, int(kept["at"])
        except (ValueError, RecursionError, KeyError, TypeError, AttributeError):
            pass
    return {}, 0


def _untold(
    looked: dict[str, object] | None, key: str = "untold"
) -> tuple[builtins.list[NewDevice], builtins.list[CredentialChange]]:
    """The sign-ins and changes a look kept in `looked` (the `SIGN_INS` row) because the
    sync that found them has not handed its report to the app yet (`key` "untold"), or
    that were told and not marked seen ("unseen"); an item that does not read is left out."""
    kept = (looked or {}).get(key)
    if not isinstance(kept, dict):
        return [], []
    devices: builtins.list[NewDevice] = []
    changes: builtins.list[CredentialChange] = []
    for item in kept.get("devices") or []:
        try:
            devices.append(
                NewDevice(
                    str(item["id"]),
                    str(item["name"]),
                    datetime.fromisoformat(item["signed_in_at"]),
                    bool(item["by_recovery_key"]),
                    bool(item["signed_out"]),
                    int(item["earlier_not_kept"]),
                    str(item.get("name_shared") or ""),  # null: none (to_dict)
                    bool(item.get("before_sign_in", False)),
                    str(item.get("again_of") or ""),
                    str(item.get("again_name") or ""),
                    _time_or_none(item.get("again_at")),
                )
            )
        except (KeyError, TypeError, ValueError, OverflowError):
            continue
    for item in kept.get("changes") or []:
        try:
            changes.append(
                CredentialChange(str(item["what"]), datetime.fromisoformat(item["changed_at"]))
            )
        except (KeyError, TypeError, ValueError, OverflowError):
            continue
    return devices, changes


def _merged_look(
    stored: dict[str, object],
    read: dict[str, object],
    new: builtins.list[NewDevice],
    changed: builtins.list[CredentialChange],
    keep: bool,
    at: int,
    seq: int,
    password_at: int,
    recovery_at: int,
    keys: dict[str, builtins.list[object]] | None = None,
) -> tuple[dict[str, object] | None, builtins.list[NewDevice], builtins.list[CredentialChange]]:
    """What a look writes (None: nothing) and tells, merged with the `SIGN_INS` row as
    `stored` now: the look read `read` and found `new` sign-ins and `changed` credentials
    (the log read up to `seq`; the change times `password_at`, `recovery_at`, ms) at `at`.
    Another process's writes since the look read the row stay: what it marked seen or kept
    (`unseen`, `untold`), the credentials it proved (`replaced` as stored). A credential
    change it made meanwhile (`own` set since) makes the look's changes untold (the device
    cannot tell whose they were, and the next look takes the new times silently); a sign-in
    again meanwhile (`session` set since) leaves the row as stored (the next look reads
    from the number it kept, telling what came before that sign-in as such). Pure."""
    if stored.get("session") is True and (
        read.get("session") is not True or _own_id_list(stored) != _own_id_list(read)
    ):
        return None, new, changed  # told as found; told again, marked, by the next look
    own_since = stored.get("own") is True and read.get("own") is not True
    if own_since:
        changed = []
    # A change at or before a time stored since the look read the row (this device's own
    # change, kept by `_own_credential_change`, or another look's) is not told again.
    changed = [c for c in changed if _ms(c.changed_at) > _number(stored, _time_key(c.what))]
    replaced = _replaced(stored)
    for change in changed:  # kept until this device signs in again or proves it works
        replaced[change.what] = int(change.changed_at.timestamp() * 1000)
    kept_new, kept_changed = _untold(read)  # a look before whose sync was cut off
    new, changed = (kept_new + new)[-UNTOLD_KEPT:], (kept_changed + changed)[-UNTOLD_KEPT:]

    def number(key: str) -> int:
        value = stored.get(key, 0)
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    written: dict[str, object] = {
        "at": max(at, number("at")),
        "seq": max(seq, number("seq")),
        "password_at": max(password_at, number("password_at"), 1),  # 1: looked (a first
        "recovery_at": max(recovery_at, number("recovery_at"), 1),  # change is told)
    }
    if own_since:
        written["own"] = True
    pinned = _merged_keys(_device_keys(stored), keys or {})  # another look's and this one's
    if pinned:
        written["keys"] = _newest_keys(pinned)
    if replaced:
        written["replaced"] = replaced
    if "unseen" in stored:  # told by a sync, not yet marked seen (`unseen_sign_ins`)
        written["unseen"] = stored["unseen"]
    stored_new, stored_changed = _untold(stored)  # another look's, not handed yet
    said = {json.dumps(d.to_dict()) for d in new} | {json.dumps(c.to_dict()) for c in changed}
    untold_new = [d for d in stored_new if json.dumps(d.to_dict()) not in said]
    untold_changed = [c for c in stored_changed if json.dumps(c.to_dict()) not in said]
    if keep:
        untold_new, untold_changed = untold_new + new, untold_changed + changed
    if untold_new or untold_changed:  # kept until the sync's report is handed (`_handed`)
        written["untold"] = {
            "devices": [d.to_dict() for d in untold_new[-UNTOLD_KEPT:]],
            "changes": [c.to_dict() for c in untold_changed[-UNTOLD_KEPT:]],
        }
    return written, new, changed


DEVICE_KEYS_KEPT = 64
"""The most device keys a look keeps (`SIGN_INS` "keys"): the newest sign-ins'."""


DEVICE_IDS_KEPT = 32
"""The most device ids a look keeps for one device key (`SIGN_INS` "keys"): the newest."""


def _device_keys(looked: dict[str, object]) -> dict[str, builtins.list[object]]:
    """The device keys the looks saw sign in, as `looked` (the `SIGN_INS` row) keeps them:
    {hex device key: [hex device id, name, ms, signed ms, [hex ids]]}, each key with the
    newest sign-in whose device proof it signed (its id, name, server time and the time the
    key signed, protocol.md 4.21) and every device id seen signed by it (the
    DEVICE_IDS_KEPT newest); what does not read (an entry of before the signed time) is
    left out."""
    kept = looked.get("keys")
    if not isinstance(kept, dict):
        return {}
    return {
        k: [v[0], v[1], v[2], v[3], [i for i in v[4] if isinstance(i, str)]]
        for k, v in kept.items()
        if isinstance(k, str)
        and isinstance(v, builtins.list)
        and len(v) == 5
        and isinstance(v[0], str)
        and isinstance(v[1], str)
        and type(v[2]) is int
        and type(v[3]) is int
        and isinstance(v[4], builtins.list)
    }


def _merged_keys(
    stored: dict[str, builtins.list[object]], found: dict[str, builtins.list[object]]
) -> dict[str, builtins.list[object]]:
    """`stored` and `found` (`_device_keys`' form) together: for a key in both, the entry
    of the later signed time, with the ids of both."""
    merged = dict(stored)
    for key, entry in found.items():
        other = merged.get(key)
        if other is None:
            merged[key] = entry
            continue
        newer, older = (entry, other) if _signed_ms(entry) >= _signed_ms(other) else (other, entry)
        ids = [i for i in _ids_of(older) if i not in _ids_of(newer)] + _ids_of(newer)
        merged[key] = [*newer[:4], ids[-DEVICE_IDS_KEPT:]]
    return merged


def _signed_ms(entry: builtins.list[object]) -> int:
    return entry[3] if type(entry[3]) is int else 0


def _ids_of(entry: builtins.list[object]) -> builtins.list[str]:
    ids = entry[4]
    return [i for i in ids if isinstance(i, str)] if isinstance(ids, builtins.list) else []


def _newest_keys(keys: dict[str, builtins.list[object]]) -> dict[str, builtins.list[object]]:
    """`keys` (`_device_keys`' form), the DEVICE_KEYS_KEPT newest sign-ins' only."""
    newest = sorted(keys.items(), key=lambda item: item[1][2] if type(item[1][2]) is int else 0)
    return dict(newest[-DEVICE_KEYS_KEPT:])


def _signed_in_again(
    rows: builtins.list[wire.SignIn], keys: dict[str, builtins.list[object]]
) -> dict[int, tuple[str, str, int]]:
    """The rows of `rows` (the log, oldest first) made by the device of an earlier sign-in:
    {number: (hex id, name, ms) of that earlier sign-in}, for each row whose device proof
    holds (its device key's signature of its own challenge, device id and signed time,
    protocol.md 4.21) under a key that signed an earlier sign-in, kept in `keys`
    (`_device_keys`' form) or earlier in `rows`, when the row's signed time is later than
    every earlier one of that key seen and its device id was never seen signed by that key.
    `keys` is updated in place with every row whose proof holds (a key bears its newest
    sign-in and the ids seen). Only the device key's signature counts: never the name, nor
    the server's word alone (a server or whoever knows the password can copy a key, not
    sign with it); a sign-in without a proof (or without a signed time, of before it), with
    one that does not hold, or an earlier proof of the key served again (a signed time not
    later, or an id seen: rev34c F1), is a new device. Pure but for `keys`."""
    from client_sdk.keys import device_proof_holds

    found: dict[int, tuple[str, str, int]] = {}
    for row in rows:
        if not row.device_key or not device_proof_holds(
            row.device_key, row.challenge, row.device_id, row.device_signed_at,
            row.device_signature,
        ):  # fmt: skip
            continue
        key, hex_id, signed = row.device_key.hex(), row.device_id.hex(), row.device_signed_at
        earlier = keys.get(key)
        if earlier is None:
            keys[key] = [hex_id, row.name, row.at, signed, [hex_id]]
            continue
        ids = _ids_of(earlier)
        if signed > _signed_ms(earlier) and hex_id not in ids:
            found[row.seq] = (str(earlier[0]), str(earlier[1]), _at_ms(earlier))
            keys[key] = [hex_id, row.name, row.at, signed, [*ids, hex_id][-DEVICE_IDS_KEPT:]]
        elif hex_id not in ids:  # an earlier proof served again: the newest stays
            keys[key] = [*earlier[:4], [*ids, hex_id][-DEVICE_IDS_KEPT:]]
    return found


def _at_ms(entry: builtins.list[object]) -> int:
    return entry[2] if type(entry[2]) is int else 0


def _time_or_none(value: object) -> datetime | None:
    """An ISO 8601 time kept by `NewDevice.to_dict`, None for none (null)."""
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _own_id_list(looked: dict[str, object]) -> builtins.list[str]:
    """The hex ids of this home's own sessions since its last look, as `looked` (the
    `SIGN_INS` row) keeps them (oldest first); what does not read is left out."""
    kept = looked.get("own_ids")
    if not isinstance(kept, builtins.list):
        return []
    return [i for i in kept if isinstance(i, str) and i]


def _own_ids(looked: dict[str, object]) -> set[str]:
    """`_own_id_list` as a set."""
    return set(_own_id_list(looked))


def _own_seqs(looked: dict[str, object]) -> dict[str, int]:
    """The number of the sign-in log's row of each of this home's own sessions since its
    last look whose row it could read when it signed in (hex id -> number), as `looked`
    (the `SIGN_INS` row) keeps them; what does not read is left out."""
    kept = looked.get("own_seqs")
    if not isinstance(kept, dict):
        return {}
    return {
        i: n
        for i, n in kept.items()
        if isinstance(i, str) and isinstance(n, int) and not isinstance(n, bool) and n > 0
    }


def _own_rows(
    rows: builtins.list[wire.SignIn], own_ids: set[str], own_seqs: dict[str, int]
) -> set[int]:
    """The numbers of the rows of `rows` (the log, oldest first) that are this home's own
    sessions: for an id of `own_ids` with its row's number kept (`own_seqs`), that row only;
    for one without, the first row with that id (its sessions are new ids, so a later row
    with the same id is another device's that took it once the server freed it). Pure."""
    found: set[int] = set()
    seen: set[str] = set()
    for row in rows:
        hex_id = row.device_id.hex()
        if hex_id not in own_ids:
            continue
        if hex_id in own_seqs:
            if row.seq == own_seqs[hex_id]:
                found.add(row.seq)
        elif hex_id not in seen:
            found.add(row.seq)
        seen.add(hex_id)
    return found


CREDENTIAL_TIMES = {"password": "password_at", "recovery key": "recovery_at"}
"""The `SIGN_INS` key of the change time kept of each credential."""


def _number(looked: dict[str, object], key: str) -> int:
    """The whole number `looked` (the `SIGN_INS` row) keeps under `key` (0: none)."""
    value = looked.get(key, 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _ms(at: datetime) -> int:
    """`at` in milliseconds since the epoch (as the server's times)."""
    return round(at.timestamp() * 1000)


def _time_key(what: str) -> str:
    """The `SIGN_INS` key of the change time of credential `what` ("" for none)."""
    return CREDENTIAL_TIMES.get(what, "")


def _kept_seq(looked: dict[str, object]) -> int:
    """The number of the newest sign-in `looked` (the `SIGN_INS` row) saw (0: none)."""
    return max(_number(looked, "seq"), 0)


def _replaced(looked: dict[str, object]) -> dict[str, int]:
    """The credentials changed elsewhere since this device's own sign-in, as `looked` (the
    `SIGN_INS` row) keeps them: {"password" | "recovery key": ms}; what does not read is left
    out."""
    kept = looked.get("replaced")
    if not isinstance(kept, dict):
        return {}
    return {
        what: at
        for what, at in kept.items()
        if what in ("password", "recovery key") and isinstance(at, int) and at > 0
    }


def _read_looked(value: object) -> dict[str, object]:
    """The `SIGN_INS` row `value` as a dict ({} when it is not set or does not read)."""
    if isinstance(value, str):
        try:
            kept = json.loads(value)
        except (ValueError, RecursionError):
            return {}
        if isinstance(kept, dict):
            return kept
    return {}
