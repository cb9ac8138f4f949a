"""End-to-end: a real `subplane serve --demo` over HTTPS, driven by the real Azure SDK (and az CLI)."""

from __future__ import annotations

import json
import os

import pytest

from tests.conformance.check import table, violations
from tests.server import ServerProcess


class Live:
    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.connection = json.loads((server.data_dir / "connection.json").read_text("utf-8"))
        self.url = self.connection["armEndpoint"]
        self.ca = self.connection["caBundle"]
        self.tenant = self.connection["tenantId"]

    def credential(self, role: str = "owner"):
        from azure.identity import ClientSecretCredential

        p = self.connection["principals"][role]
        return ClientSecretCredential(self.tenant, p["clientId"], p["clientSecret"], authority=self.connection["authority"],
                                      disable_instance_discovery=True, connection_verify=self.ca)

    def client(self, cls, role: str = "owner", *args, **kwargs):
        return cls(self.credential(role), *args, base_url=self.url, connection_verify=self.ca, **kwargs)

    def subscription_id(self, name: str) -> str:
        from azure.mgmt.resource.subscriptions import SubscriptionClient

        subs = self.client(SubscriptionClient).subscriptions.list()
        return next(s.subscription_id for s in subs if s.display_name == name)


@pytest.fixture(scope="session")
def recorded_answers(tmp_path_factory):
    """Every ARM answer the served Subplanes gave this session; at its end each is checked against the spec facts
    (issue 12, item 6) and the session fails on any violation, with a table of them."""
    folder = tmp_path_factory.mktemp("answers")
    yield folder
    found = []
    for record_file in sorted(folder.glob("*.jsonl")):
        for line in record_file.read_text("utf-8").splitlines():
            r = json.loads(line)
            found += violations(r["method"], r["route"], r["apiVersion"], r["status"], r["body"])
    if found:
        pytest.fail("responses that break the published specs:\n" + table(found), pytrace=False)


@pytest.fixture(scope="module")
def live(tmp_path_factory, recorded_answers, request):
    server = ServerProcess(tmp_path_factory.mktemp("serve"), env={"SUBPLANE_ARM_PAGE_SIZE": "2"},
                           record_to=recorded_answers / f"{request.module.__name__}.jsonl")
    try:
        assert server.url.startswith("https://") and server.ca_bundle
        yield Live(server)
    finally:
        server.stop()


# MSAL's user-realm discovery, the first step of a user's password sign-in (`az login -u`, UsernamePasswordCredential),
# asks https://<authority host>/common/userrealm on port 443 whatever port the authority names: a user sign-in needs
# Subplane on port 443, as it would be deployed.
@pytest.fixture(scope="session")
def live_on_443(tmp_path_factory, recorded_answers):
    import random
    import socket

    host = f"127.31.{random.randint(0, 255)}.{random.randint(2, 254)}"  # a loopback address of its own: no other
    with socket.socket() as probe:  # process's (or test worker's) port 443 is in the way
        try:
            probe.bind((host, 443))
        except PermissionError:
            if os.environ.get("SUBPLANE_REQUIRE_POSTGRES") == "1":  # CI (.ci/run) runs as root
                pytest.fail("binding port 443 needs root or CAP_NET_BIND_SERVICE; CI has them")
            pytest.skip("binding port 443 needs root or CAP_NET_BIND_SERVICE (MSAL's user realm discovery uses 443)")
        except OSError as error:
            pytest.skip(f"{host}:443 is not free: {error}")
    server = ServerProcess(tmp_path_factory.mktemp("serve443"), host=host, port=443,
                           record_to=recorded_answers / "live_on_443.jsonl")
    try:
        yield Live(server)
    finally:
        server.stop()
