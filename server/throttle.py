"""Pure rules for throttling failed logins and for naming the client behind a request.

Failed logins are counted per **subject**. An attempt without a login ticket counts for the
normalized username from this client address (`user-at:<address>/<name>`: the delays a
guesser earns fall on the guesser's address, not on the real user's), for the username from
every address (`user:<name>`, whether or not the account exists, so the answer reveals
nothing; a much looser limit against guessing from many addresses) and for the client
address (`addr:<address>`; an IPv6 client is counted by its /56 network, what one site or
household is given, and by its /48 under a looser limit: see `address_buckets`). An attempt
that presents a valid login ticket (a device that logged in before, since the last change of
the account's password) counts for that ticket (`ticket:<id>`), for the username's ticketed
attempts from every address (`user-ticketed:<name>`, a bounded allowance that guessers
without a ticket cannot touch) and the address instead, so others' failures never lock a
known device out; a password change or account deletion,
made with a session, counts for that device (`device:<id>`) and the address. After `free`
failures of a subject, its next attempt waits
`base * 2**(failures - free)` ms after the last failure, capped at `cap`; a counter is
forgotten once its last failure is older than the forget window. No I/O here.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Sequence

USER_PREFIX = "user:"
ADDRESS_PREFIX = "addr:"
USER_AT_PREFIX = "user-at:"
TICKET_PREFIX = "ticket:"
USER_TICKETED_PREFIX = "user-ticketed:"
DEVICE_PREFIX = "device:"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

IPV6_SITE_PREFIX = 56
"""An IPv6 client is counted by its /56: the smallest block a provider commonly gives one
site or household (RIPE-690 section 4.2 recommends a /56 or a /48 per site), so it is worth
one IPv4 address. A /64 bucket would add nothing beside it (same limit, contained in it),
and counting /64s gave one customer 256 to 65,536 times every limit (R9B finding 9)."""

WIDER_BUCKETS = ((48, 4),)
"""Larger IPv6 blocks counted too, as (prefix length, multiple of the per-address limit): a
/48 (one business site, or one tunnel-broker user, 256 /56s) gets 4 times one address's
allowance. No /32 or wider: that is a whole provider, and one customer in it could then hold
every other customer's signups and logins (IPv4 has no such limit on a /16 either)."""

ADDRESSES_KEPT = 4096
"""Addresses whose parsing and buckets are kept (`_parse`, `_buckets`, `_bucket`): pure
functions of the address text, each least recently used one dropped past this many."""


def user_subject(username: str) -> str:
    return USER_PREFIX + username


def address_subject(address: str) -> str:
    return ADDRESS_PREFIX + address


def user_at_address_subject(username: str, address: str) -> str:
    return f"{USER_AT_PREFIX}{address}/{username}"


def ticket_subject(ticket_id: bytes) -> str:
    return TICKET_PREFIX + ticket_id.hex()


def user_ticketed_subject(username: str) -> str:
    return USER_TICKETED_PREFIX + username


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
    client (addresses further left were written by the client and may be forged). An IPv4
    address as itself, an IPv6 one as its /56 network (IPV6_SITE_PREFIX).
    """
    if not trusted or not forwarded_for:
        return _peer_bucket(peer)  # nothing forwarded is read: the peer's, kept
    address = _parse(peer)
    if address is None:
        return "unknown"
    if _is_trusted(address, trusted):
        hops = [hop.strip() for value in forwarded_for for hop in value.split(",")]
        for hop in reversed(hops):
            forwarded = _parse(hop)
            if forwarded is None:
                break  # garbage in the header: stop at the last address we trust
            address = forwarded
            if not _is_trusted(forwarded, trusted):
                break
    return _bucket(address)


@functools.lru_cache(maxsize=ADDRESSES_KEPT)
def _peer_bucket(peer: str | None) -> str:
    """`client_address` of a request whose X-Forwarded-For is not read."""
    address = _parse(peer)
    return "unknown" if address is None else _bucket(address)


def trusted_peer(peer: str | None, trusted: tuple[Network, ...]) -> bool:
    """Whether the TCP peer `peer` is a trusted proxy (its X-Forwarded-For is read)."""
    address = _parse(peer)
    return address is not None and _is_trusted(address, trusted)


def loopback(peer: str | None) -> bool:
    """Whether the TCP peer `peer` is on this machine (127.0.0.0/8, ::1)."""
    address = _parse(peer)
    return address is not None and address.is_loopback


@functools.lru_cache(maxsize=ADDRESSES_KEPT)
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


def address_buckets(client: str) -> list[tuple[str, int]]:
    """Every bucket a per-address limit counts `client` (a `client_address` result) in, with
    the multiple of the limit each allows: the address itself (x1) and, for IPv6, the
    WIDER_BUCKETS that hold it. Every per-address limit (signups, challenges, identity
    lookups, failed logins) counts a request in all of them and refuses it past any."""
    return list(_buckets(client))


@functools.lru_cache(maxsize=ADDRESSES_KEPT)
def _buckets(client: str) -> tuple[tuple[str, int], ...]:
    """`address_buckets`, kept: every request is counted (OpenCounts), and parsing its
    address each time cost ~20 µs of a no-op sync's ~250 (issue 10)."""
    buckets = [(client, 1)]
    try:
        network = ipaddress.ip_network(client, strict=False)
    except ValueError:
        return tuple(buckets)  # "unknown"
    if isinstance(network, ipaddress.IPv6Network):
        for prefix, multiple in WIDER_BUCKETS:
            if prefix < network.prefixlen:
                buckets.append((str(network.supernet(new_prefix=prefix)), multiple))
    return tuple(buckets)


class OpenCounts:
    """How many requests each client address has in progress at once (a live socket is one
    for as long as it is open), counted in every bucket of `address_buckets` (IPv6: its /56,
    and 4x the limit on its /48); an address whose request would pass `limit` in any bucket
    is refused. A request from an address that cannot be told ("unknown") is not counted."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: dict[str, int] = {}

    def take(self, client: str) -> list[str] | None:
        """Count one more request of `client` (a `client_address` result): the buckets to
        hand back to `release` when it ends, or None (nothing counted) past the limit."""
        if client == "unknown":
            return []
        buckets = address_buckets(client)
        if any(self._open.get(bucket, 0) >= self.limit * multiple for bucket, multiple in buckets):
            return None
        for bucket, _ in buckets:
            self._open[bucket] = self._open.get(bucket, 0) + 1
        return [bucket for bucket, _ in buckets]

    def release(self, taken: list[str]) -> None:
        """The request counted by `take` (its result) ended."""
        for bucket in taken:
            left = self._open[bucket] - 1
            if left:
                self._open[bucket] = left
            else:
                del self._open[bucket]

    def open(self, client: str) -> int:
        """The requests `client` has in progress (its own bucket)."""
        return self._open.get(client, 0)


@functools.lru_cache(maxsize=ADDRESSES_KEPT)
def _bucket(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, IPV6_SITE_PREFIX), strict=False))
    return str(address)
