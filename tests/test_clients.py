"""The client's address behind our proxies, its network, and limits counted by them."""

from __future__ import annotations

import pytest

from learnhub.clients import network_of, pseudonym


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.7", "203.0.113.0/24"),
        ("203.0.113.250", "203.0.113.0/24"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.0/24"),  # IPv4 seen through an IPv6 socket
        ("not an address", "not an address"),
    ],
)
def test_a_network_is_a_slash_24_or_a_slash_64(address, network):
    assert network_of(address) == network


def test_pseudonyms_are_stable_per_purpose_and_hide_the_address(app):
    with app.app_context():
        first = pseudonym("203.0.113.0/24", "views")
        assert first == pseudonym("203.0.113.0/24", "views")
        assert first != pseudonym("203.0.113.0/24", "registrations")
        assert "203.0.113" not in first


def _api_codes(client, count: int, **environ) -> list[int]:
    return [client.get("/api/v1/rankings", **environ).status_code for _ in range(count)]


def test_forged_forwarded_headers_do_not_escape_a_limit_without_trusted_proxies(app, client):
    app.config["RANKINGS_API_RATE_LIMIT"] = 2
    codes = [
        client.get(
            "/api/v1/rankings",
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
            environ_base={"REMOTE_ADDR": "203.0.113.7"},
        ).status_code
        for n in range(4)
    ]
    assert codes == [200, 200, 429, 429]  # one client, whatever it says it forwards


def test_behind_our_proxy_each_client_counts_alone_and_cannot_pick_its_address(app_factory):
    app = app_factory(TRUSTED_PROXY_COUNT=1, RANKINGS_API_RATE_LIMIT=2)
    client = app.test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.2"}  # every request arrives from our nginx

    def through_proxy(client_address: str, forged: str | None = None) -> int:
        # nginx appends the address it saw; a client may send a header of its own first.
        chain = f"{forged}, {client_address}" if forged else client_address
        return client.get(
            "/api/v1/rankings", headers={"X-Forwarded-For": chain}, environ_base=proxy
        ).status_code

    assert [through_proxy("203.0.113.7") for _ in range(3)] == [200, 200, 429]
    assert through_proxy("198.51.100.9") == 200  # another client has its own budget
    assert through_proxy("203.0.113.7", forged="192.0.2.1") == 429  # the forged part is ignored


def test_an_app_built_without_limits_leaves_the_next_app_its_limits(app_factory):
    app_factory(RATELIMIT_ENABLED=False)  # e.g. a load test's app in the same process
    client = app_factory(RANKINGS_API_RATE_LIMIT=1).test_client()
    assert [client.get("/api/v1/rankings").status_code for _ in range(2)] == [200, 429]
