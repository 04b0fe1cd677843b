"""What notifications accepts from outside: webhook targets (no SSRF), e-mail addresses, time zones; and the
live-stream fan-out's cap per person and its wake-ups."""
from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import zoneinfo

import pytest

from paars.notifications.v1 import notifications_pb2 as pb
from paars_notifications.adapters.fanout import FanOut, Signal
from paars_notifications.adapters.senders import checked_addresses
from paars_notifications.domain import policy
from paars_notifications.domain.addresses import valid_email
from paars_notifications.domain.targets import AllowList, TargetPolicy, TargetRefused, is_public
from paars_platform.db import is_unavailable

STRICT = TargetPolicy(AllowList(), https_only=True)
DEVELOPMENT = TargetPolicy(AllowList(), https_only=False)

INTERNAL_URLS = [
    "http://169.254.169.254/latest/meta-data/",
    "http://localhost:8080/",
    "http://127.0.0.1:5432/",
    "http://[::1]/",
    "http://0x7f000001/",
    "http://2130706433/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://10.0.0.1/",
    "http://192.168.1.1/",
    "http://172.16.0.1/",
    "http://100.64.0.1/",
    "http://0.0.0.0/",
    "http://224.0.0.1/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[2002:7f00:1::]/",
    "http://[64:ff9b::a00:1]/",
    "http://goals:50051/",
    "http://goals./",
    "http://x.svc.cluster.local/",
    "http://notifications.paars.svc/",
    "http://printer.local/",
    "http://user:secret@hooks.example.com/",
    "http://hooks.example.com@127.0.0.1/",
    "http://hooks.example.com\\@127.0.0.1/",
    "http://hooks.example.com /",
    "ftp://hooks.example.com/",
]


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_a_webhook_to_a_loopback_private_link_local_cluster_or_credentialed_target_is_refused(url: str) -> None:
    with pytest.raises(TargetRefused):
        DEVELOPMENT.check_url(url)


def test_plain_http_is_refused_outside_development_and_https_to_a_public_name_passes() -> None:
    with pytest.raises(TargetRefused, match="https"):
        STRICT.check_url("http://hooks.example.com/paars")
    assert STRICT.check_url("https://hooks.example.com/paars") == ("hooks.example.com", 443)
    assert DEVELOPMENT.check_url("http://hooks.example.com:8080/paars") == ("hooks.example.com", 8080)


def test_a_public_name_that_resolves_to_an_internal_address_is_refused_even_if_only_one_address_is() -> None:
    STRICT.check_addresses("hooks.example.com", ["93.184.216.34", "2606:2800:220:1::1"])
    for addresses in (["10.0.0.1"], ["93.184.216.34", "127.0.0.1"], ["169.254.169.254"], ["::1"], []):
        with pytest.raises(TargetRefused):
            STRICT.check_addresses("hooks.example.com", addresses)


async def test_registration_resolves_the_name_and_checks_every_address() -> None:
    answers = {"rebind.example.com": ["10.0.0.1"], "hooks.example.com": ["93.184.216.34"]}

    async def resolve(host: str, port: int) -> list[str]:
        if host not in answers:
            raise OSError("no such host")
        return answers[host]

    assert await checked_addresses(STRICT, resolve, "https://hooks.example.com/x") == ["93.184.216.34"]
    with pytest.raises(TargetRefused, match="public address"):
        await checked_addresses(STRICT, resolve, "https://rebind.example.com/x")
    with pytest.raises(TargetRefused, match="does not resolve"):
        await checked_addresses(STRICT, resolve, "https://nowhere.example.com/x")


def test_the_operator_allow_list_admits_named_hosts_and_networks_only() -> None:
    allow = TargetPolicy(AllowList.parse(["chat-bridge.paars.svc", "10.20.0.0/16", " "]), https_only=False)
    assert allow.check_url("http://chat-bridge.paars.svc:8080/hook") == ("chat-bridge.paars.svc", 8080)
    allow.check_addresses("chat-bridge.paars.svc", ["10.99.0.1"])
    allow.check_addresses("bridge.example.com", ["10.20.3.4"])
    assert allow.check_url("http://10.20.3.4/") == ("10.20.3.4", 80)
    with pytest.raises(TargetRefused):
        allow.check_url("http://10.21.0.1/")
    with pytest.raises(TargetRefused):
        allow.check_url("http://other.paars.svc/")


def test_only_globally_routable_unicast_addresses_are_public() -> None:
    assert is_public(ipaddress.ip_address("8.8.8.8")) and is_public(ipaddress.ip_address("2606:4700::1111"))
    for address in ("127.0.0.1", "10.1.2.3", "169.254.169.254", "224.0.0.251", "ff02::1", "::", "::ffff:10.0.0.1", "64:ff9b::7f00:1"):
        assert not is_public(ipaddress.ip_address(address)), address


@pytest.mark.parametrize(
    "address",
    ["a@b.example\r\nBcc: everyone@b.example", "a@b.example\n", "A <a@b.example>", "a b@b.example", "a@b", "@b.example", "a@-b.example", "a" * 65 + "@b.example", ""],
)
def test_an_e_mail_address_with_a_line_break_a_display_name_or_no_domain_is_invalid(address: str) -> None:
    assert not valid_email(address)


def test_an_ordinary_e_mail_address_is_valid() -> None:
    assert valid_email("mo.manager+paars@paars.example") and valid_email("x@mail.b-c.example")


@pytest.mark.parametrize("name", ["a" * 300, "Europe", "../etc/passwd", "/etc/localtime", "Europe/Brussels ", "europe/brussels", "zone.tab", ""])
def test_a_time_zone_that_is_not_an_iana_name_is_invalid_without_opening_a_file(name: str) -> None:
    assert not policy.valid_zone(name)
    assert policy.zone(name) is dt.UTC, "an unknown zone counts as UTC"


def test_an_iana_time_zone_is_valid() -> None:
    assert policy.valid_zone("Europe/Brussels") and policy.valid_zone("UTC")
    assert str(policy.zone("Europe/Brussels")) == "Europe/Brussels"


def test_an_os_error_from_zoneinfo_is_not_a_database_outage_but_a_refused_connection_is() -> None:
    for name in ("a" * 300, "Europe"):
        with pytest.raises(OSError) as raised:
            zoneinfo.ZoneInfo(name)
        assert not is_unavailable(raised.value)
    assert is_unavailable(ConnectionRefusedError(111, "Connect call failed"))
    assert is_unavailable(OSError("Multiple exceptions: [Errno 111] Connect call failed"))


async def test_a_person_beyond_the_stream_cap_closes_their_oldest_stream() -> None:
    fanout = FanOut()
    first, second = fanout.subscribe("mo", limit=2), fanout.subscribe("mo", limit=2)
    fanout.publish([pb.Prompt(recipient_id="mo", cursor=1)])
    third = fanout.subscribe("mo", limit=2)
    assert fanout.subscribers("mo") == 2
    assert await first.queue.get() is Signal.EVICTED and first.queue.empty()
    assert (await second.queue.get()).cursor == 1 and third.queue.empty()
    other = fanout.subscribe("ann", limit=2)
    assert other.queue.empty(), "the cap is per person"


async def test_the_replica_watch_wakes_only_streams_behind_their_recipients_latest_cursor() -> None:
    fanout = FanOut()
    behind, current = fanout.subscribe("mo"), fanout.subscribe("ann")
    behind.last_cursor, current.last_cursor = 3, 7
    assert fanout.wake_behind({"mo": 5, "ann": 7}) == 1
    assert fanout.wake_behind({"mo": 6}) == 0, "one wake-up waits in the queue at a time"
    assert await asyncio.wait_for(behind.queue.get(), 1) is Signal.WAKE and current.queue.empty()
