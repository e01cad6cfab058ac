"""How often the public forms may be used (docs/behaviour.md, Subscribers): fixed windows, pure.

A limit counts requests in a window aligned on the epoch (an hour: 10:00-11:00), so every
process counts the same window in the one stored row, and says when the next window opens
(`Retry-After`). The client is the address the request came from, as the proxies in front say
(`client_address`); IPv6 clients are counted per /64, the block one customer usually holds.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Limit:
    name: str  # stored with each count: "client", "address"
    hits: int  # allowed per window
    per: timedelta

    def window(self, now: datetime) -> datetime:
        """When the window holding `now` began."""
        seconds = self.per.total_seconds()
        return EPOCH + timedelta(seconds=math.floor((now - EPOCH).total_seconds() / seconds) * seconds)

    def retry_after(self, now: datetime) -> int:
        """Whole seconds until the next window (at least 1)."""
        ends = self.window(now) + self.per
        return max(1, math.ceil((ends - now).total_seconds()))


SUBSCRIBE_PER_CLIENT = Limit("client", 5, timedelta(hours=1))  # form posts from one client
CONFIRMATIONS_PER_ADDRESS = Limit("address", 3, timedelta(days=1))  # confirmation mails to one address


def client_address(remote_addr: str, forwarded_for: str | None, proxy_hops: int) -> str:
    """Who sent the request, for the limits: with `proxy_hops` proxies in front (each appending the
    address it received from to `X-Forwarded-For`), the address the outermost one saw; with none,
    the connection's own. Whatever the client wrote itself further left is never believed. IPv6
    addresses count per /64."""
    chosen = remote_addr
    if proxy_hops > 0 and forwarded_for:
        hops = [part.strip() for part in forwarded_for.split(",") if part.strip()]
        chosen = hops[-proxy_hops] if len(hops) >= proxy_hops else (hops[0] if hops else remote_addr)
    try:
        address = ipaddress.ip_address(chosen)
    except ValueError:
        return chosen[:64] or "unknown"
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
