"""Pure rules for throttling failed logins and for naming the client behind a request.

Failed logins are counted per **subject**. An attempt without a login ticket counts for the
normalized username from this client address (`user-at:<address>/<name>`: the delays a
guesser earns fall on the guesser's address, not on the real user's), for the username from
every address (`user:<name>`, whether or not the account exists, so the answer reveals
nothing; a much looser limit against guessing from many addresses) and for the client
address (`addr:<address>`, an IPv6 address counted by its /64 network, the smallest block
one customer usually holds). An attempt that presents a valid login ticket (a device that
logged in before) counts for that ticket (`ticket:<id>`) and the address instead, so
others' failures never lock a known device out; a password change or account deletion,
made with a session, counts for that device (`device:<id>`) and the address. After `free`
failures of a subject, its next attempt waits
`base * 2**(failures - free)` ms after the last failure, capped at `cap`; a counter is
forgotten once its last failure is older than the forget window. No I/O here.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

USER_PREFIX = "user:"
ADDRESS_PREFIX = "addr:"
USER_AT_PREFIX = "user-at:"
TICKET_PREFIX = "ticket:"
DEVICE_PREFIX = "device:"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def user_subject(username: str) -> str:
    return USER_PREFIX + username


def address_subject(address: str) -> str:
    return ADDRESS_PREFIX + address


def user_at_address_subject(username: str, address: str) -> str:
    return f"{USER_AT_PREFIX}{address}/{username}"


def ticket_subject(ticket_id: bytes) -> str:
    return TICKET_PREFIX + ticket_id.hex()


def device_subject(device_id: bytes) -> str:
    return DEVICE_PREFIX + device_id.hex()


def delay_ms(failures: int, free: int, base_ms: int, cap_ms: int) -> int:
    """How long after its last failure a subject with `failures` must wait (0: not at all)."""
    if failures < free:
        return 0
    exponent = min(failures - free, 40)  # 2**40 ms is beyond any sensible cap
    return min(cap_ms, base_ms * (1 << exponent))


def wait_ms(
    counters: dict[str, tuple[int, int]],
    free: dict[str, int],
    base_ms: int,
    cap_ms: int,
    now: int,
) -> int:
    """The longest wait any subject imposes. `counters`: subject -> (failures, last failure
    ms); `free`: subject -> failures allowed before delays start."""
    longest = 0
    for subject, (failures, last_failure_at) in counters.items():
        until = last_failure_at + delay_ms(failures, free[subject], base_ms, cap_ms)
        longest = max(longest, until - now)
    return longest


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """Trusted proxies as networks: "10.0.0.1", "10.0.0.0/8", "::1" (ValueError if bad)."""
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values if value)


def client_address(
    peer: str | None, forwarded_for: Sequence[str], trusted: tuple[Network, ...]
) -> str:
    """The address a request is counted under.

    By default the TCP peer. Only when the peer is a trusted proxy is `X-Forwarded-For`
    read, from the right: the first address that is not itself a trusted proxy is the
    client (addresses further left were written by the client and may be forged).
    """
    address = _parse(peer)
    if address is None:
        return "unknown"
    if trusted and _is_trusted(address, trusted):
        hops = [hop.strip() for value in forwarded_for for hop in value.split(",")]
        for hop in reversed(hops):
            forwarded = _parse(hop)
            if forwarded is None:
                break  # garbage in the header: stop at the last address we trust
            address = forwarded
            if not _is_trusted(forwarded, trusted):
                break
    return _bucket(address)


def _parse(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not text:
        return None
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, trusted: tuple[Network, ...]
) -> bool:
    return any(address.version == net.version and address in net for net in trusted)


def _bucket(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
