"""Who is asking: the client's real address behind our own proxies, and its network.

Behind the reverse proxy that docs/deployment.md prescribes, every request comes from the
proxy's address; the proxy says who the client was in ``X-Forwarded-For``. Only the
``TRUSTED_PROXY_COUNT`` proxies we run ourselves are believed (Werkzeug's ProxyFix takes
the address that many hops from the right): a client that sends the header itself cannot
choose the address we count it under. Limits count per address and per network (a /24 of
IPv4, a /64 of IPv6: one household, office or mobile gateway), so many addresses of one
network are one client for them. Stored counters use :func:`pseudonym`, never the address.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re

from flask import Flask, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

IPV4_NETWORK_BITS = 24
IPV6_NETWORK_BITS = 64


def client_address() -> str:
    """The client's address (after our trusted proxies), or "unknown"."""
    return request.remote_addr or "unknown"


def network_of(address: str) -> str:
    """The client's network: 203.0.113.7 → 203.0.113.0/24; 2001:db8::1 → 2001:db8::/64."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    bits = IPV4_NETWORK_BITS if ip.version == 4 else IPV6_NETWORK_BITS
    return str(ipaddress.ip_network(f"{ip}/{bits}", strict=False))


def client_network() -> str:
    """The network of this request's client."""
    return network_of(client_address())


def pseudonym(value: str, purpose: str) -> str:
    """A keyed hash of an address or network, for counting without keeping the address.

    Stable for one installation (keyed with SECRET_KEY), not reversible without the key.
    """
    key = f"{current_app.config['SECRET_KEY']}:{purpose}".encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


# ---- people or programs --------------------------------------------------------------------

# Crawlers, monitors, scripts and headless browsers, including the big Chinese engines.
BOT_USER_AGENT = re.compile(
    r"bot|crawl|spider|slurp|archiver|fetch|scan|monitor|preview|headless|phantomjs|"
    r"selenium|puppeteer|playwright|lighthouse|pingdom|curl|wget|httpie|python|java/|"
    r"go-http|okhttp|axios|node-fetch|libwww|scrapy|yisou|sogou|360spider|bytespider|"
    r"baiduspider|petalbot|semrush|ahrefs|facebookexternalhit|mediapartners",
    re.IGNORECASE,
)


def is_bot(user_agent: str) -> bool:
    """A crawler, monitor or script by its User-Agent (or one that sends none)."""
    return not user_agent or bool(BOT_USER_AGENT.search(user_agent))


def is_prefetch(purpose: str) -> bool:
    """A page fetched ahead in case it is opened (Sec-Purpose / Purpose headers)."""
    purpose = purpose.lower()
    return "prefetch" in purpose or "prerender" in purpose


def looks_like_a_browser(user_agent: str, accept: str) -> bool:
    """Every real browser says "Mozilla/" and sends an Accept header."""
    return user_agent.startswith("Mozilla/") and bool(accept)


def is_a_person(req=None) -> bool:
    """Whether a request looks like a person's browser: no bot, no prefetch, a browser."""
    req = req or request
    user_agent = req.headers.get("User-Agent", "")
    purpose = req.headers.get("Sec-Purpose", "") + req.headers.get("Purpose", "")
    return (
        req.method != "HEAD"
        and not is_prefetch(purpose)
        and not is_bot(user_agent)
        and looks_like_a_browser(user_agent, req.headers.get("Accept", ""))
    )


def init_proxies(app: Flask) -> None:
    """Believe X-Forwarded-For/-Proto/-Host from the TRUSTED_PROXY_COUNT proxies in front."""
    hops = int(app.config["TRUSTED_PROXY_COUNT"])
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
