"""GET /subscriptions over ARM: keyset pages through nextLink, an opaque $skiptoken, $top, and refused tokens."""

from __future__ import annotations

import base64
import json

import pytest

from subplane.domain.access import OPERATOR

from .conftest import Arm

OFFER = "MS-AZR-0003P"


def _token(value) -> str:
    return "k" + base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.fixture
def paged(make_app) -> Arm:
    from subplane import demo

    built = make_app(arm_throttle="off", arm_page_size=2)
    demo.seed(built)
    arm = Arm(built)
    account = built.subscriptions.get(actor=OPERATOR, ref="Ontwikkeling").billing_account_id
    owner = built.directory.principal("subplane-owner")
    for name in ("Bouw", "Acceptatie", "Bouw", "Zandbak"):
        built.subscriptions.create(actor=OPERATOR, display_name=name, billing_account_id=account, offer_id=OFFER,
                                   owner_id=owner.principal_id)
    return arm


def _walk(arm: Arm, role: str = "owner", params: dict | None = None) -> tuple[list[dict], list[str]]:
    answer = arm.call("GET", "/subscriptions", role=role, params=params)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    items, links = list(body["value"]), []
    while "nextLink" in body:
        links.append(body["nextLink"])
        body = arm.client.get(body["nextLink"], headers={"Authorization": f"Bearer {arm.token(role)}"}).json()
        assert len(body["value"]) <= 2
        items += body["value"]
    return items, links


def _refused(arm: Arm, token: str, role: str = "owner") -> None:
    answer = arm.call("GET", "/subscriptions", role=role, params={"$skiptoken": token})
    assert answer.status_code == 400, (token, answer.text)
    error = answer.json()["error"]
    assert error["code"] == "InvalidParameter" and "$skiptoken" in error["message"], (token, error)


def test_next_links_walk_every_subscription_once_in_the_lists_order(paged):
    items, links = _walk(paged)
    owner = paged.app.directory.principal("subplane-owner")
    expected = paged.app.subscriptions.list(actor=owner)
    assert [s["subscriptionId"] for s in items] == [s.subscription_id for s in expected]
    assert len(items) == 7 and len(links) == 3
    for link in links:  # absolute, the api-version kept, and the token says nothing in clear text
        assert link.startswith("https://testserver/subscriptions?") and "api-version=2022-12-01" in link
        assert not any(name in link for name in ("Bouw", "Acceptatie", "Ontwikkeling", "Productie"))


def test_top_caps_the_whole_walk(paged):
    everything, _ = _walk(paged)
    for top, pages in ((3, 2), (4, 2), (1, 1), (0, 1)):
        items, links = _walk(paged, params={"$top": str(top)})
        assert items == everything[:top] and len(links) == pages - 1, top


def test_an_offset_skiptoken_of_an_older_next_link_still_reads(paged):
    everything, _ = _walk(paged)
    body = paged.call("GET", "/subscriptions", params={"$skiptoken": "3"}).json()
    assert body["value"] == everything[3:5]
    rest = paged.client.get(body["nextLink"], headers={"Authorization": f"Bearer {paged.token()}"}).json()
    assert rest["value"] == everything[5:7]
    assert paged.call("GET", "/subscriptions", params={"$skiptoken": "70"}).json() == {"value": []}


def test_tokens_it_did_not_give_out_are_invalid_parameter(paged):
    for token in ("garbage", "k", "k!!!", "K" + _token([0, "a", "b"])[1:], _token({"a": 1}), _token([1, "a"]),
                  _token([-1, "a", "b"]), _token([True, "a", "b"]), _token(["1", "a", "b"]), _token([0, "a", 3]),
                  _token([0, "a\u0000", "b"]), _token([0, "\ud800", "b"]), _token([10**10, "a", "b"]),
                  _token([0, "a" * 600, "b"]), "k" + "A" * 5000, "k" + base64.urlsafe_b64encode(b"\xff\xfe").decode(),
                  _token([0, "a", "b"]).replace("k", "k" + "W1s" * 500, 1), "k" + base64.urlsafe_b64encode(b"[" * 1500).decode(),
                  "-1", "1e3", "\u00b2", "9" * 5000):
        _refused(paged, token)


def test_a_made_up_token_shows_no_more_than_the_callers_own_list(paged):
    readers, _ = _walk(paged, role="reader")
    visible = {s["subscriptionId"] for s in readers}
    everything = paged.app.subscriptions.list(actor=OPERATOR)
    assert len(visible) < len(everything)
    for position in ([0, "", ""], [0, "A", ""], [5, "Bouw", ""], [0, "Ontwikkeling", "0"]):
        answer = paged.call("GET", "/subscriptions", role="reader", params={"$skiptoken": _token(position)})
        assert answer.status_code == 200, answer.text
        assert {s["subscriptionId"] for s in answer.json()["value"]} <= visible
