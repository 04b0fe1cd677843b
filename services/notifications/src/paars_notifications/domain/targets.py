"""Where a webhook may point: https (http only in development), no credentials in the URL, no cluster or
loopback names, and only public addresses after resolution, unless the operator's allow-list says otherwise."""
from __future__ import annotations

import ipaddress
import string
from collections.abc import Iterable
from dataclasses import dataclass, field

import yarl

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Names that only mean something inside a host, a cluster or a private network.
INTERNAL_SUFFIXES = ("localhost", "local", "internal", "localdomain", "home.arpa", "svc", "lan", "intranet")
# IPv6 forms that carry an IPv4 address: judged by the address inside.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# Printable ASCII except space and backslash: no parser may read a URL differently from the one that checked it.
URL_CHARACTERS = frozenset(string.printable) - frozenset(string.whitespace) - {"\\"}


class TargetRefused(Exception):
    """The URL or the address it resolves to is not one Paars will call; the message is safe for its owner."""


@dataclass(frozen=True)
class AllowList:
    """Operator exceptions (PAARS_WEBHOOK_ALLOW_HOSTS): exact host names, which skip every name and address
    rule, and networks in CIDR notation, whose addresses are accepted though not public."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowList:
        hosts, networks = set(), []
        for entry in (e.strip().lower() for e in entries):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                hosts.add(entry.rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    def names(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.hosts

    def covers(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)


def is_public(address: IPAddress) -> bool:
    """Globally routable unicast: not private, loopback, link-local, unique-local, shared, multicast,
    unspecified or reserved, also when an IPv4 address hides inside an IPv6 one."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour
        if inner is None and address in NAT64:
            inner = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if inner is not None:
            return is_public(inner)
    return address.is_global and not (address.is_multicast or address.is_reserved or address.is_unspecified)


def literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


@dataclass(frozen=True)
class TargetPolicy:
    allow: AllowList = field(default_factory=AllowList)
    https_only: bool = True

    def check_url(self, url: str) -> tuple[str, int]:
        """The host and port to resolve, or TargetRefused: what is wrong with the URL itself."""
        if not url or not set(url) <= URL_CHARACTERS:
            raise TargetRefused("must be an absolute URL of printable ASCII without spaces")
        try:
            parsed = yarl.URL(url)
            port = parsed.port
        except ValueError:
            raise TargetRefused("is not a valid URL") from None
        schemes = ("https",) if self.https_only else ("https", "http")
        if parsed.scheme not in schemes:
            raise TargetRefused("must be an https URL" if self.https_only else "must be an http(s) URL")
        if parsed.raw_user is not None or parsed.raw_password is not None:
            raise TargetRefused("must not carry a user name or password")
        host = (parsed.host or "").lower()
        if not host or port is None:
            raise TargetRefused("must name a host")
        if self.allow.names(host):
            return host, port
        address = literal_address(host)
        if address is not None:
            self.check_addresses(host, [host])
            return host, port
        name = host.rstrip(".")
        if "." not in name or any(name == s or name.endswith("." + s) for s in INTERNAL_SUFFIXES):
            raise TargetRefused("must name a public host, not a local or cluster-internal one")
        return host, port

    def check_addresses(self, host: str, addresses: Iterable[str]) -> None:
        """Every address the host resolved to must be public or in an allowed network (a name that mixes
        public and private addresses is refused whole)."""
        if self.allow.names(host):
            return
        resolved = [literal_address(a.split("%", 1)[0]) for a in addresses]
        if not resolved:
            raise TargetRefused("the host name does not resolve")
        for address in resolved:
            if address is None or not (is_public(address) or self.allow.covers(address)):
                raise TargetRefused("must resolve to a public address")
