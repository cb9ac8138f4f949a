"""Three `subplane serve` processes, one PostgreSQL database, haproxy in front (issue 11).

Each test drives the cluster the way an operator's users would: through the load balancer, where
consecutive requests land on different processes, or at one process directly where the test needs to
know which one (a kill, a race)."""

from __future__ import annotations

import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from subplane.cli.connection import az_environment
from tests.browser.conftest import new_page, sign_in
from tests.conftest import Database

from .cluster import Cluster

pytestmark = pytest.mark.multiprocess
AZ = os.environ.get("SUBPLANE_AZ") or shutil.which("az")
READS = 60


@pytest.fixture(scope="module")
def sinks():
    """An SMTP server and a webhook receiver every process sends to, counting what arrives."""
    from aiosmtpd.controller import Controller

    from tests.ops.receiver import Receiver
    from tests.ops.test_smtp import Inbox
    from tests.server import free_port

    inbox, receiver = Inbox(), Receiver()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    yield {"smtp_port": smtp.port, "inbox": inbox, "receiver": receiver}
    smtp.stop()
    receiver.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, sinks):
    from .cluster import HAPROXY

    if not Path(HAPROXY).exists():
        if os.environ.get("SUBPLANE_REQUIRE_POSTGRES") == "1":  # CI (.ci/run) installs it
            pytest.fail(f"{HAPROXY} is missing; .ci/run installs Debian's haproxy")
        pytest.skip("haproxy is not installed (apt-get install haproxy)")
    root = tmp_path_factory.mktemp("cluster")
    database = Database("postgres", root)
    running = Cluster(root, database.url, env={"SUBPLANE_SMTP_HOST": "127.0.0.1",
                                               "SUBPLANE_SMTP_PORT": str(sinks["smtp_port"]),
                                               # reads never refill: a bucket's count is exact whoever answers
                                               "SUBPLANE_ARM_THROTTLE": f"reads={READS}:0"})
    running.database = database
    try:
        yield running
    finally:
        running.stop()
        database.drop()


def call(cluster, url: str, *, method: str = "GET", body: dict | None = None, token: str | None = None,
         headers: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json", **(headers or {}),
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    context = ssl.create_default_context(cafile=cluster.ca)
    context.check_hostname = url.startswith(cluster.url)  # the processes' own certificates name 127.0.0.1 too
    try:
        with urllib.request.urlopen(request, timeout=120, context=context) as answer:
            raw = answer.read()
            return answer.status, json.loads(raw) if raw else {}
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, json.loads(raw) if raw else {}


def owner_token(cluster, base: str) -> str:
    owner = cluster.connection["principals"]["owner"]
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": owner["clientId"],
                                   "client_secret": owner["clientSecret"],
                                   "scope": "https://management.azure.com/.default"}).encode()
    request = urllib.request.Request(f"{base}/{cluster.connection['tenantId']}/oauth2/v2.0/token", data=form)
    context = ssl.create_default_context(cafile=cluster.ca)
    context.check_hostname = False
    with urllib.request.urlopen(request, timeout=30, context=context) as answer:
        return json.loads(answer.read())["access_token"]


def test_consecutive_requests_land_on_every_process(cluster):
    seen = Counter(call(cluster, cluster.url + "/_subplane/health")[1]["instance"] for _ in range(9))
    assert set(seen) == {"p1", "p2", "p3"}, seen


def test_a_token_from_any_process_is_accepted_by_every_process(cluster):
    for issuer in cluster.processes:
        token = owner_token(cluster, issuer.url)
        for verifier in cluster.processes:
            status, body = call(cluster, f"{verifier.url}/subscriptions?api-version=2022-12-01", token=token)
            assert status == 200, (issuer.name, verifier.name, body)
            assert {s["displayName"] for s in body["value"]} >= {"Productie", "Proefversie"}


def test_the_seed_story_through_the_python_sdk_and_the_load_balancer(cluster):
    from azure.identity import ClientSecretCredential
    from azure.mgmt.resource.subscriptions import SubscriptionClient
    from azure.mgmt.subscription import SubscriptionClient as LifecycleClient

    owner = cluster.connection["principals"]["owner"]
    credential = ClientSecretCredential(cluster.connection["tenantId"], owner["clientId"], owner["clientSecret"],
                                        authority=cluster.url, disable_instance_discovery=True,
                                        connection_verify=cluster.ca)
    reader = SubscriptionClient(credential, base_url=cluster.url, connection_verify=cluster.ca)
    sid = next(s.subscription_id for s in reader.subscriptions.list() if s.display_name == "Ontwikkeling")
    lifecycle = LifecycleClient(credential, base_url=cluster.url, connection_verify=cluster.ca)
    assert lifecycle.subscription.cancel(sid).subscription_id == sid
    for _ in range(6):  # every process sees the cancel at once: it lives in the database
        assert reader.subscriptions.get(sid).state == "Disabled"
    lifecycle.subscription.enable(sid)
    assert reader.subscriptions.get(sid).state == "Enabled"


def test_the_dutch_portal_cancel_path_with_each_request_on_another_process(cluster, browser):
    page = new_page(browser, cluster, "nl")
    sign_in(page, cluster, "admin")
    page.get_by_role("heading", name="Abonnementen").wait_for()
    page.get_by_role("link", name="Productie").click()
    page.get_by_role("link", name="Overzicht").click()
    assert page.locator("#subscription-state").inner_text() == "Ingeschakeld"
    page.get_by_role("link", name="Abonnement opzeggen").click()
    page.get_by_label("Ik heb dit abonnement niet meer nodig").check()
    page.get_by_label(re.compile("^Resources uitschakelen")).check()
    page.get_by_role("button", name="Volgende: controleren").click()
    page.get_by_role("heading", name=re.compile("Opzegging bevestigen")).wait_for()
    page.get_by_role("button", name="Abonnement opzeggen").click()
    page.get_by_role("heading", name=re.compile("Abonnement opgezegd")).wait_for()
    assert page.locator("#subscription-state").inner_text() == "Uitgeschakeld / opgezegd"
    page.context.close()
    served = Counter(r["instance"] for r in call(cluster, cluster.url + "/_subplane/requests?limit=1000")[1]["value"]
                     if r["path"].startswith("/portal/"))
    assert set(served) == {"p1", "p2", "p3"}, served  # one session, every process served it


def test_the_throttle_limit_holds_across_every_process(cluster):
    token = owner_token(cluster, cluster.url)
    status, listed = call(cluster, f"{cluster.url}/subscriptions?api-version=2022-12-01", token=token)
    sid = next(s["subscriptionId"] for s in listed["value"] if s["displayName"] == "Productie")
    remaining = []
    for _ in range(READS + 3):
        request = urllib.request.Request(f"{cluster.url}/subscriptions/{sid}?api-version=2022-12-01",
                                         headers={"Authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(request, context=ssl.create_default_context(cafile=cluster.ca)) as answer:
                remaining.append(int(answer.headers["x-ms-ratelimit-remaining-subscription-reads"]))
        except urllib.error.HTTPError as error:
            assert error.code == 429 and int(error.headers["Retry-After"]) >= 1
            remaining.append(None)
    assert remaining[:READS] == list(range(READS - 1, -1, -1)), remaining  # one counter, whoever answered
    assert remaining[READS:] == [None, None, None]  # (round-robin spread them: see the first test)


def test_of_two_concurrent_clock_advances_through_two_processes_one_is_refused(cluster):
    before = call(cluster, cluster.url + "/_subplane/clock")[1]["now"]
    barrier, answers = threading.Barrier(2), []

    def advance(process):
        barrier.wait()
        answers.append(call(cluster, process.url + "/_subplane/clock", method="POST",
                            body={"advance": "1d", "wait": 60}))

    threads = [threading.Thread(target=advance, args=(p,)) for p in cluster.processes[:2]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    statuses = sorted(status for status, _ in answers)
    assert len(statuses) == 2 and statuses.count(200) >= 1
    if statuses == [200, 409]:  # they overlapped: one refused, by either process
        refused = next(body for status, body in answers if status == 409)
        assert refused["error"]["code"] == "ClockAdvancing"
    after = call(cluster, cluster.url + "/_subplane/clock")[1]
    moved = (_instant(after["now"]) - _instant(before)).total_seconds()
    assert moved == 86400 * statuses.count(200), (answers, after)  # each accepted advance moved it exactly once
    statuses_seen = {call(cluster, p.url + "/_subplane/clock")[1]["now"] for p in cluster.processes}
    assert statuses_seen == {after["now"]}, "every process tells the same time"


@pytest.mark.skipif(AZ is None, reason="azure-cli not installed (set SUBPLANE_AZ; .ci/run does)")
def test_az_works_through_the_load_balancer(cluster, tmp_path):
    config = tmp_path / "azure"
    login = subprocess.run([sys.executable, "-m", "subplane.cli.main", "az-login", "--config-dir", str(config),
                            "--az", AZ], env={**cluster.first.env, "PATH": f"{Path(AZ).parent}:{os.environ['PATH']}"},
                           capture_output=True, text=True, timeout=180)
    assert login.returncode == 0, login.stderr + login.stdout
    env = az_environment(config, json.loads((cluster.first.data_dir / "connection.json").read_text("utf-8")))
    assert env["AZURE_CONFIG_DIR"] == str(config)

    def az(*args):
        done = subprocess.run([AZ, *args, "-o", "json"], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    names = {a["name"] for a in az("account", "list", "--all", "--refresh")}
    assert {"Productie", "Proefversie", "Ontwikkeling"} <= names
    groups = az("group", "list", "--subscription", "Proefversie")  # each call lands on another process
    assert groups and all(g["id"].startswith("/subscriptions/") for g in groups)


def test_every_event_and_every_mail_of_120_cancelled_subscriptions_arrives_once(cluster, sinks, tmp_path):
    from subplane import settings as settings_module
    from subplane.bootstrap import build_app
    from subplane.domain.access import OPERATOR

    status, _ = call(cluster, cluster.url + "/_subplane/webhooks", method="POST", body={"url": sinks["receiver"].url})
    assert status == 201
    operator = build_app(settings_module.load(data_dir=tmp_path / "operator", database_url=cluster.database.url))
    try:  # the operator's bulk work, straight on the shared database
        account = operator.subscriptions.get(actor=OPERATOR, ref="Ontwikkeling").billing_account_id
        for n in range(120):
            sub = operator.subscriptions.create(actor=OPERATOR, display_name=f"vend-{n}", billing_account_id=account,
                                                offer_id="MS-AZR-0044P")
            operator.subscriptions.cancel(actor=OPERATOR, ref=sub.subscription_id, reason="decommissioned")
    finally:
        operator.close()
    status, advanced = call(cluster, cluster.url + "/_subplane/clock", method="POST", body={"advance": "31d", "wait": 110})
    assert (status, advanced["status"]) == (200, "ready"), advanced

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        deliveries = call(cluster, cluster.url + "/_subplane/webhooks/deliveries?limit=1000")[1]["value"]
        messages = call(cluster, cluster.url + "/_subplane/outbox/messages?limit=1000")[1]["value"]
        if deliveries and messages and all(d["status"] == "delivered" for d in deliveries) and \
                all(m["status"] == "sent" for m in messages):
            break
        time.sleep(1)
    assert len(deliveries) >= 120 * 4 and {d["status"] for d in deliveries} == {"delivered"}
    assert len(messages) >= 120 * 3 and {m["status"] for m in messages} == {"sent"}
    posted = Counter(r["event"]["id"] for r in sinks["receiver"].accepted())
    mailed = Counter(str(m["X-Subplane-Notification"]) for _, _, m in sinks["inbox"].messages)
    assert sorted(posted) == sorted(d["eventId"] for d in deliveries) and set(posted.values()) == {1}
    assert sorted(mailed) == sorted(str(m["id"]) for m in messages) and set(mailed.values()) == {1}


def test_an_advance_whose_process_is_killed_is_finished_by_another(cluster):
    victim = cluster.processes[-1]
    before = _instant(call(cluster, cluster.url + "/_subplane/clock")[1]["now"])
    status, started = call(cluster, victim.url + "/_subplane/clock", method="POST",
                           body={"advance": "400d", "wait": 0})
    assert status in (200, 202)
    victim.kill()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        status, seen = call(cluster, cluster.processes[0].url + "/_subplane/clock")
        if seen["status"] != "advancing":
            break
        time.sleep(0.5)
    assert seen["status"] == "ready", seen
    assert _instant(seen["now"]) == before + _days(400)  # to the stored target, not short of it


def _instant(text: str):
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _days(n: int):
    from datetime import timedelta

    return timedelta(days=n)
