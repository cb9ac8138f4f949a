"""C27: a burst that hits the throttle is retried by the SDK and succeeds; answers carry the remaining count."""

from __future__ import annotations

import pytest
from azure.mgmt.resource.subscriptions import SubscriptionClient

from tests.server import ServerProcess

from .conftest import Live

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def throttled(tmp_path_factory):
    server = ServerProcess(tmp_path_factory.mktemp("throttled"), env={"SUBPLANE_ARM_THROTTLE": "reads=4:2"})
    try:
        yield Live(server)
    finally:
        server.stop()


def test_c27_burst_is_retried_transparently(throttled):
    seen: list[tuple[int, str | None, str | None]] = []

    def record(response):
        http = response.http_response
        seen.append((http.status_code, http.headers.get("x-ms-ratelimit-remaining-subscription-reads"),
                     http.headers.get("Retry-After")))

    client = throttled.client(SubscriptionClient)
    sub = throttled.subscription_id("Productie")
    for _ in range(8):
        assert client.subscriptions.get(sub, raw_response_hook=record).state == "Enabled"
    throttled_answers = [s for s in seen if s[0] == 429]
    assert throttled_answers, seen  # the burst did hit the limit...
    assert all(int(retry) >= 1 for _, _, retry in throttled_answers)
    assert [s for s in seen if s[0] == 200 and s[1] is not None]  # ...and successes carry the remaining count
