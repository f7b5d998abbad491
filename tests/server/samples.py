"""A schema-valid sample body for every endpoint, and the ways to break it.

The samples only have to pass schema validation: every broken variant fails there, before
the service looks at a single value, so dummy ids and keys are enough. The variants are
derived from the wire dataclasses' own field types and limits, so a new field is covered
the day it is added.
"""

from __future__ import annotations

import copy
import dataclasses
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from client_sdk import wire
from tests.server.raw import plain

ZERO_ID = bytes(wire.ID_BYTES)

SAMPLES: dict[str, Any] = {
    "/v1/health": wire.Empty(),
    "/v1/auth/prelogin": wire.PreloginRequest("nobody"),
    "/v1/auth/signup": wire.SignupRequest(
        username="nobody",
        account_id=ZERO_ID,
        salt=bytes(16),
        opslimit=1,
        memlimit=8192,
        login_public_key=bytes(32),
        recovery_login_public_key=bytes(32),
        bundle=bytes(40),
        recovery_bundle=bytes(40),
        identity=wire.Identity(ZERO_ID, "nobody", bytes(32), bytes(32), bytes(64)),
        device_name="laptop",
        device_id=ZERO_ID,
    ),
    "/v1/auth/challenge": wire.ChallengeRequest("nobody", "login"),
    "/v1/auth/login": wire.LoginRequest(
        "nobody", bytes(32), bytes(64), "phone", bytes(48), ZERO_ID, bytes(32), bytes(64)
    ),
    "/v1/auth/recover": wire.LoginRequest(
        "nobody", bytes(32), bytes(64), "phone", bytes(48), ZERO_ID, bytes(32), bytes(64)
    ),
    "/v1/auth/logout": wire.Empty(),
    "/v1/account/password": wire.PasswordChangeRequest(  # as a recovery sends it
        bytes(32), bytes(64), bytes(16), 1, 8192, bytes(32), bytes(40), bytes(32), bytes(40)
    ),
    "/v1/account/recovery-key": wire.RecoveryKeyRequest(bytes(32), bytes(64), bytes(32), bytes(40)),
    "/v1/account/recovery-key/current": wire.Empty(),
    "/v1/account/identity": wire.IdentityRequest("nobody"),
    "/v1/account/delete": wire.AccountDeleteRequest(bytes(32), bytes(64)),
    "/v1/devices/list": wire.ListRequest(bytes(24)),
    "/v1/devices/revoke": wire.DeviceRevokeRequest(ZERO_ID),
    "/v1/devices/rename": wire.DeviceRenameRequest(ZERO_ID, "phone"),
    "/v1/journals/create": wire.JournalCreateRequest(
        ZERO_ID, wire.KeyEnvelope(0, bytes(40)), bytes(40), [bytes(40)]
    ),
    "/v1/journals/access": wire.AccessRequest([wire.Cursor(ZERO_ID, 0)]),
    "/v1/journals/list": wire.ListRequest(bytes(24)),
    "/v1/journals/keys": wire.KeyPageRequest(ZERO_ID, 0, 10, 10),
    "/v1/journals/meta": wire.JournalMetaRequest(ZERO_ID, bytes(40)),
    "/v1/journals/delete": wire.JournalRequest(ZERO_ID),
    "/v1/records/push": wire.PushRequest(ZERO_ID, [wire.RecordUpload(ZERO_ID, 0, bytes(40))]),
    "/v1/records/compact": wire.CompactRequest(
        ZERO_ID, wire.RecordUpload(ZERO_ID, 0, bytes(40)), [b"\x01" * wire.ID_BYTES]
    ),
    "/v1/journals/rotate": wire.RotateRequest(
        ZERO_ID,
        1,
        (1).to_bytes(4, "big") + bytes(36),
        [wire.MemberKey(ZERO_ID, bytes(40), "owner", 0)],
        1,
        [bytes(40)],
    ),
    "/v1/shares/list": wire.ListRequest(bytes(32)),
    "/v1/shares/leave": wire.JournalRequest(ZERO_ID),
    "/v1/shares/audit": wire.AuditRequest(ZERO_ID, bytes(32), with_erased=True),
    "/v1/account/sign-ins": wire.SignInsRequest(1, with_keys=True),
    "/v1/account/identity-by-id": wire.AccountRequest(ZERO_ID),
    "/v1/account/known": wire.AccountsRequest([ZERO_ID]),
    "/v1/sync": wire.SyncRequest([wire.Cursor(ZERO_ID, 0)], 10, ZERO_ID),
}
# The live channel takes no body: it is a WebSocket upgrade (GET), tested on its own.
BODY_ROUTES = sorted(SAMPLES)


@dataclass(frozen=True)
class Slot:
    """One value inside a sample body, addressed by map keys and list indexes."""

    path: tuple[str | int, ...]
    hint: Any
    limits: Mapping[str, Any]
    optional: bool = False  # a field with a default, which a sender may leave out

    @property
    def name(self) -> str:
        return ".".join(str(part) for part in self.path)

    @property
    def is_field(self) -> bool:
        """A named field of a map (a list item is not a field and cannot go missing)."""
        return isinstance(self.path[-1], str)


@dataclass(frozen=True)
class Variant:
    """A broken body and the error the server must answer it with."""

    description: str
    body: Any
    status: int
    code: str


def slots(cls: type, prefix: tuple[str | int, ...] = ()) -> Iterator[Slot]:
    hints = typing.get_type_hints(cls)
    for declared in dataclasses.fields(cls):
        hint, path = hints[declared.name], (*prefix, declared.name)
        yield Slot(path, hint, declared.metadata, declared.default is not dataclasses.MISSING)
        if dataclasses.is_dataclass(hint):
            yield from slots(hint, path)  # type: ignore[arg-type]
        elif typing.get_origin(hint) is list:
            (item,) = typing.get_args(hint)
            if dataclasses.is_dataclass(item):
                yield from slots(item, (*path, 0))  # type: ignore[arg-type]
            else:
                yield Slot((*path, 0), item, declared.metadata.get("item", {}))


def maps(cls: type, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """The path of every map (the body and each nested message) in a sample of `cls`."""
    yield prefix
    for slot in slots(cls, prefix):
        if dataclasses.is_dataclass(slot.hint):
            yield slot.path
        elif typing.get_origin(slot.hint) is list:
            (item,) = typing.get_args(slot.hint)
            if dataclasses.is_dataclass(item):
                yield (*slot.path, 0)


def replaced(body: Any, path: tuple[str | int, ...], value: Any) -> Any:
    changed = copy.deepcopy(body)
    target = changed
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return changed


def removed(body: Any, path: tuple[str | int, ...]) -> Any:
    changed = copy.deepcopy(body)
    target = changed
    for part in path[:-1]:
        target = target[part]
    del target[path[-1]]
    return changed


def at(body: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        body = body[part]
    return body


def wrong_values(hint: Any) -> list[Any]:
    """Values of the wrong msgpack type for a field of type `hint`."""
    if typing.get_origin(hint) is list:
        return [{"0": 1}, b"list", None]
    if dataclasses.is_dataclass(hint):
        return [[1, 2], "map", None]
    by_type: dict[Any, list[Any]] = {
        bytes: ["text", 7, [0], None],
        str: [b"binary", 7, ["a"], None],
        int: ["7", 7.5, True, b"\x07", None],
        bool: [1, "true", None],
    }
    return by_type[hint]


def sized(hint: Any, size: int, sample: Any) -> Any:
    """A value of `hint`'s type with `size` bytes, characters or items."""
    if typing.get_origin(hint) is list:
        return [copy.deepcopy(sample[0]) for _ in range(size)]
    return b"\x01" * size if hint is bytes else "a" * size


def sample_body(path: str) -> Any:
    return plain(SAMPLES[path])


def request_type(path: str) -> type:
    return type(SAMPLES[path])


def wrong_type_variants(path: str) -> list[Variant]:
    body = sample_body(path)
    return [
        Variant(f"{slot.name} = {value!r}", replaced(body, slot.path, value), 400, "invalid_field")
        for slot in slots(request_type(path))
        for value in wrong_values(slot.hint)
    ]


def missing_field_variants(path: str) -> list[Variant]:
    body = sample_body(path)
    return [
        Variant(f"without {slot.name}", removed(body, slot.path), 400, "missing_field")
        for slot in slots(request_type(path))
        if slot.is_field and not slot.optional
    ]


def unknown_field_variants(path: str) -> list[Variant]:
    body = sample_body(path)
    return [
        Variant(
            f"unknown field in {'.'.join(map(str, where)) or 'body'}",
            replaced(body, (*where, "is_admin"), True),
            400,
            "invalid_field",
        )
        for where in maps(request_type(path))
    ]


def out_of_range_variants(path: str) -> list[Variant]:
    """Integers outside their limits, and sizes below their minimum."""
    body = sample_body(path)
    variants = []
    for slot in slots(request_type(path)):
        if not slot.limits:
            continue
        lo, hi = slot.limits["lo"], slot.limits["hi"]
        if slot.hint is int:
            for value in (lo - 1, hi + 1):
                if -(2**63) <= value < 2**64:
                    variants.append(
                        Variant(
                            f"{slot.name} = {value}",
                            replaced(body, slot.path, value),
                            400,
                            "invalid_field",
                        )
                    )
        elif lo > 0:
            short = sized(slot.hint, lo - 1, at(body, slot.path))
            variants.append(
                Variant(
                    f"{slot.name} of size {lo - 1}",
                    replaced(body, slot.path, short),
                    400,
                    "invalid_field",
                )
            )
    return variants


def oversize_field_variants(path: str) -> list[Variant]:
    """Each bytes, str or list field one unit over its maximum."""
    body = sample_body(path)
    return [
        Variant(
            f"{slot.name} of size {slot.limits['hi'] + 1}",
            replaced(body, slot.path, sized(slot.hint, slot.limits["hi"] + 1, at(body, slot.path))),
            413,
            "too_large",
        )
        for slot in slots(request_type(path))
        if slot.limits and slot.hint is not int
    ]
