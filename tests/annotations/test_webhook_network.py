"""Which addresses webhooks may go to (annotations/webhook_network.py): public ones only. The
delivery-time checks are in test_webhooks.py, the registration form's in
test_webhook_views.py."""

import ipaddress

import pytest

from annotations.webhook_network import address_refusal, webhook_url_refusal


@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "a loopback address"),
    ("127.255.0.9", "a loopback address"),
    ("::1", "a loopback address"),
    ("::ffff:127.0.0.1", "a loopback address"),  # IPv4-mapped IPv6
    ("0.0.0.0", "the unspecified address"),
    ("::", "the unspecified address"),
    ("169.254.169.254", "a link-local address"),
    ("::ffff:169.254.169.254", "a link-local address"),
    ("fe80::1", "a link-local address"),
    ("10.0.0.5", "a private network address"),
    ("172.16.3.4", "a private network address"),
    ("192.168.1.10", "a private network address"),
    ("fd00::7", "a private network address"),
    ("2002:a00:1::", "a private network address"),  # 6to4 of 10.0.0.1
    ("224.0.0.251", "a multicast address"),
    ("ff02::1", "a multicast address"),
    ("240.0.0.1", "a reserved address"),
    ("100.64.0.1", "not a public internet address"),  # carrier-grade NAT
    ("198.18.0.1", "a private network address"),  # benchmarking
])
def test_addresses_inside_a_network_are_refused_with_their_kind(address, kind):
    assert address_refusal(ipaddress.ip_address(address)).startswith(kind)


@pytest.mark.parametrize("address", ["93.184.215.14", "1.1.1.1", "2606:4700:4700::1111",
                                     "::ffff:93.184.215.14"])
def test_public_addresses_are_accepted(address):
    assert address_refusal(ipaddress.ip_address(address)) == ""


@pytest.mark.parametrize(("url", "host"), [
    ("http://localhost:8000/hook", "localhost"),
    ("http://LOCALHOST./hook", "localhost"),
    ("http://api.localhost/hook", "api.localhost"),
    ("http://127.0.0.1:6379/", "127.0.0.1"),
    ("http://[::1]/hook", "::1"),
    ("http://[::ffff:a9fe:a9fe]/latest/meta-data/", "::ffff:a9fe:a9fe"),
    ("http://2130706433/hook", "2130706433"),  # 127.0.0.1 written as one number
    ("http://0x7f.1/hook", "0x7f.1"),
])
def test_urls_naming_this_machine_are_refused_at_registration(url, host, settings):
    settings.CLAIMDESK_WEBHOOK_ALLOW_PRIVATE = False
    assert webhook_url_refusal(url).startswith(f"Webhooks are not sent to {host}: it is ")


def test_the_setting_lets_a_desk_register_receivers_in_its_own_network(settings):
    settings.CLAIMDESK_WEBHOOK_ALLOW_PRIVATE = True
    assert webhook_url_refusal("http://10.0.0.5/hook") == ""
    settings.CLAIMDESK_WEBHOOK_ALLOW_PRIVATE = False
    assert webhook_url_refusal("https://hooks.newsroom.example/hook") == ""
