"""Safe targets and the safe sender: checked addresses, no redirects, capped reads, timeouts."""

from __future__ import annotations

import pytest

from streetlevel.notifications.adapters.sender import MAX_RESPONSE_BYTES, SafeSender
from streetlevel.notifications.domain.errors import UnsafeTarget
from streetlevel.notifications.domain.targets import check_address, parse_target

from .support import Receiver

REFUSED = [
    "127.0.0.1",
    "::1",
    "::ffff:127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "169.254.1.1",
    "fe80::1",
    "fd00:ec2::254",
    "100.100.100.200",
    "100.64.0.1",
    "224.0.0.1",
    "ff02::1",
    "0.0.0.0",
    "240.0.0.1",
]


@pytest.mark.parametrize("address", REFUSED)
def test_non_public_addresses_are_refused(address: str) -> None:
    with pytest.raises(UnsafeTarget):
        check_address(address, allow_loopback=False)


def test_public_addresses_are_accepted() -> None:
    check_address("93.184.215.14", allow_loopback=False)
    check_address("2606:2800:21f:cb07:6820:80da:af6b:8b2c", allow_loopback=False)


def test_only_https_unless_the_test_setting_allows_loopback_http() -> None:
    with pytest.raises(UnsafeTarget):
        parse_target("http://example.org/h", allow_loopback=False)
    with pytest.raises(UnsafeTarget):
        parse_target("https://localhost/h", allow_loopback=False)
    target = parse_target("https://example.org:8443/h?x=1", allow_loopback=False)
    assert (target.host, target.port, target.path) == ("example.org", 8443, "/h?x=1")
    assert parse_target("http://127.0.0.1:9/h", allow_loopback=True).port == 9


async def test_a_host_resolving_to_any_private_address_is_refused_at_delivery() -> None:
    async def rebinding(host: str, port: int) -> list[str]:
        return ["93.184.215.14", "10.0.0.7"]

    sender = SafeSender(resolver=rebinding)
    outcome = await sender("https://hooks.example.org/h", {}, b"{}")
    assert outcome.status is None
    assert outcome.error is not None
    assert outcome.error.startswith("refused")


async def test_the_sender_connects_to_the_address_it_checked() -> None:
    receiver = await Receiver(status=200).start()
    port = int(receiver.url.split(":")[2].split("/")[0])
    seen: list[str] = []

    async def resolver(host: str, p: int) -> list[str]:
        seen.append(host)
        return ["127.0.0.1"]

    try:
        sender = SafeSender(allow_loopback=True, resolver=resolver)
        outcome = await sender(f"http://hooks.test:{port}/h", {"webhook-id": "msg_1"}, b"{}")
        assert outcome.status == 200
        assert seen == ["hooks.test"]  # resolved once, by the checked resolver
        assert receiver.requests[0].headers["host"] == f"hooks.test:{port}"
    finally:
        await receiver.stop()


async def test_redirects_are_not_followed_and_big_responses_are_cut() -> None:
    receiver = await Receiver(status=302, answer=b"y" * (MAX_RESPONSE_BYTES * 2)).start()
    try:
        outcome = await SafeSender(allow_loopback=True)(receiver.url, {}, b"{}")
        assert outcome.status == 302
        assert len(receiver.requests) == 1
        assert len(outcome.excerpt) == 1024
    finally:
        await receiver.stop()


async def test_a_receiver_that_never_answers_times_out() -> None:
    receiver = await Receiver(delay_s=30).start()
    try:
        outcome = await SafeSender(allow_loopback=True, read_timeout_s=0.2)(receiver.url, {}, b"{}")
        assert outcome.status is None
        assert outcome.error == "timeout"
    finally:
        await receiver.stop()
