"""Where webhooks may be sent: public internet addresses only (no SSRF).

A webhook's URL is chosen by a lead, but the request is made by the desk's worker, from inside
the desk's network: pointed at 127.0.0.1, 10.x, 169.254.169.254 (a cloud server's metadata
service, which hands out its credentials) or ::1, it would make the worker probe and post to
machines nobody outside can reach. So:

- at registration, a URL whose host is such an address (written in any of its forms: IPv6,
  IPv4-mapped IPv6, ...) or a localhost name is refused with the reason (webhook_url_refusal);
  the name is not looked up then (it may not resolve yet, and the answer can change anyway);
- at every delivery the host name is resolved, every address it resolves to is checked, and
  the connection is made to the checked address (webhook_opener), never to a second look-up
  of the name, which DNS rebinding could point elsewhere. No proxy is used (it would make its
  own look-up) and redirects are not followed.

CLAIMDESK_WEBHOOK_ALLOW_PRIVATE lifts both checks, for a desk whose receivers are on its own
network (and for tests that deliver to a local server).

Checked with the standard library's ipaddress: the SSRF-safe HTTP clients on PyPI wrap
requests (this sends with urllib), and the best known, advocate, has had no release since 2020.
"""

import http.client
import ipaddress
import socket
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
ALLOW_SETTING = "CLAIMDESK_WEBHOOK_ALLOW_PRIVATE"


class AddressRefused(Exception):
    """The webhook's host is, or resolves to, an address webhooks are not sent to."""


def private_allowed() -> bool:
    return bool(getattr(settings, ALLOW_SETTING, False))


def address_refusal(address: Address) -> str:
    """Why webhooks are not sent to `address` ("" when they may be): what kind of address it
    is. An IPv6 address that carries an IPv4 one (::ffff:127.0.0.1, 6to4) is judged by it."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return address_refusal(embedded)
    # In this order: loopback and link-local addresses are private too, and say more.
    if address.is_loopback:
        return "a loopback address (the desk's own machine)"
    if address.is_unspecified:
        return "the unspecified address (the desk's own machine)"
    if address.is_link_local:
        return ("a link-local address (where cloud servers answer with their credentials, "
                "169.254.169.254)")
    if address.is_multicast:
        return "a multicast address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private:
        return "a private network address"
    if not address.is_global:
        return "not a public internet address"
    return ""


def _literal_address(host: str) -> Address | None:
    """`host` as an IP address when it is one, in any form a resolver takes (2130706433 and
    0x7f.1 are 127.0.0.1 too)."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if host and all(c in "0123456789abcdefx." for c in host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _advice() -> str:
    return (" Give the receiver's public address (a desk that delivers inside its own network "
            f"sets {ALLOW_SETTING}).")


def webhook_url_refusal(url: str) -> str:
    """Why a webhook may not be registered for `url` ("" when it may): its host names this
    machine or is a non-public address. The name is not looked up (see the module)."""
    if private_allowed():
        return ""
    host = (urlsplit(url).hostname or "").rstrip(".")
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        return f"Webhooks are not sent to {host}: it is the desk's own machine." + _advice()
    address = _literal_address(host)
    reason = address_refusal(address) if address is not None else ""
    if reason:
        return f"Webhooks are not sent to {host}: it is {reason}." + _advice()
    return ""


def webhook_address_resolve(host: str, port: int) -> str:
    """The address to connect to for `host`: its first, once every address it resolves to has
    been checked. AddressRefused when one is not public (a name that resolves to a private
    address among public ones is refused whole: which one a client picks is not ours to
    choose); OSError (socket.gaierror) when it does not resolve."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise socket.gaierror(f"{host} has no address")
    if not private_allowed():
        for text in addresses:
            reason = address_refusal(ipaddress.ip_address(text.split("%")[0]))
            if reason:
                named = host if text == host.strip("[]") else f"{host} resolves to {text}"
                raise AddressRefused(f"Refused, not sent: {named}, {reason}; webhooks go to "
                                     "public addresses only.")
    return addresses[0]


def _pinned(connection: http.client.HTTPConnection, address: str):
    """Make `connection` connect to `address` whatever its host name; the name still goes in
    the Host header and, for https, in the TLS server name and the certificate check."""
    def create_connection(host_port, timeout, source_address=None):
        return socket.create_connection((address, host_port[1]), timeout, source_address)

    connection._create_connection = create_connection
    return connection


class _PinnedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, address: str):
        super().__init__()
        self.address = address

    def http_open(self, req):
        return self.do_open(
            lambda host, **kwargs: _pinned(http.client.HTTPConnection(host, **kwargs),
                                           self.address), req)


class _PinnedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, address: str):
        super().__init__()
        self.address = address

    def https_open(self, req):
        return self.do_open(
            lambda host, **kwargs: _pinned(http.client.HTTPSConnection(host, **kwargs),
                                           self.address), req, context=self._context)


def webhook_opener(url: str, *handlers) -> urllib.request.OpenerDirector:
    """An opener for `url` that connects only to its checked address (webhook_address_resolve:
    AddressRefused, OSError), without proxies; `handlers` are added (the redirect policy)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise AddressRefused(f"Refused, not sent: only http:// and https:// URLs receive "
                             f"webhooks, not {parts.scheme}://.")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = webhook_address_resolve(parts.hostname or "", port)
    return urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                       _PinnedHTTPHandler(address),
                                       _PinnedHTTPSHandler(address), *handlers)
