"""Every route of the served app, fuzzed: for each route hypothesis draws path values, query, headers and
body. No answer may be a 5xx, and a refused request (4xx) must leave the database as it was.

Reproducible: ``derandomize=True`` and no example database, so CI sends the same requests every time.
``SUBPLANE_FUZZ_EXAMPLES`` (per route, default 4) runs a longer search locally.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .strategies import bodies, fill, headers, queries

# Destructive by design, whatever the body: a reset empties every table (the demo's tokens stop working) and
# a snapshot import replaces them. Their refusals are covered by test_regressions.py and tests/ops.
NOT_FUZZED = {("POST", "/_subplane/reset"), ("POST", "/_subplane/snapshot")}
EMULATOR_CONTROLS = ("/_subplane/clock", "/_subplane/faults")
EXAMPLES_PER_ROUTE = int(os.environ.get("SUBPLANE_FUZZ_EXAMPLES", "4"))


def _auth(target, path: str) -> dict[str, str]:
    token = target.tokens["blob" if path.startswith("/blob/") else "arm"]
    return {"Authorization": f"Bearer {token}"}


def _fuzz(target, route, seen: dict[int, int]) -> None:
    @settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def one_request(data):
        path = fill(route.pattern, target.known, data.draw)
        query = data.draw(queries(route.area if route.kind == "arm" else ""), label="query")
        sent = {**data.draw(headers(), label="headers"), **_auth(target, path)}
        body = data.draw(bodies(route.pattern), label="body")
        before = target.fingerprint()
        answer = target.client.request(route.method, path, params=query, headers=sent, content=body)
        seen[answer.status_code // 100] = seen.get(answer.status_code // 100, 0) + 1
        sent_body = body[:200] if body else body
        assert answer.status_code < 500, (route, path, query, sent_body, answer.text[:500])
        if 400 <= answer.status_code < 500:
            assert target.fingerprint() == before, (route, path, query, sent_body, answer.text[:300])
        if path.startswith(EMULATOR_CONTROLS):
            target.settle()

    one_request()


def test_no_input_reaches_a_500_and_refusals_change_nothing(target):
    routes = [r for r in target.routes if (r.method, r.pattern) not in NOT_FUZZED]
    assert {"arm", "app", "portal"} <= {r.kind for r in routes} and len(routes) > 100  # the whole app was found
    seen: dict[int, int] = {}
    for route in routes:
        _fuzz(target, route, seen)
    assert seen.get(2, 0) > 0 and seen.get(4, 0) > 0  # requests reached handlers, and refusals were tried
