"""End-to-end: a real `subplane serve --demo` over HTTPS, driven by the real Azure SDK (and az CLI)."""

from __future__ import annotations

import json

import pytest

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


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    server = ServerProcess(tmp_path_factory.mktemp("serve"), env={"SUBPLANE_ARM_PAGE_SIZE": "2"})
    try:
        assert server.url.startswith("https://") and server.ca_bundle
        yield Live(server)
    finally:
        server.stop()


# MSAL's user-realm discovery, the first step of a user's password sign-in (`az login -u`, UsernamePasswordCredential),
# asks https://<authority host>/common/userrealm on port 443 whatever port the authority names: a user sign-in needs
# Subplane on port 443, as it would be deployed.
USER_HOST = "127.31.12.4"  # a loopback address of its own, so no other process's port 443 is in the way


@pytest.fixture(scope="session")
def live_on_443(tmp_path_factory):
    import socket

    with socket.socket() as probe:
        try:
            probe.bind((USER_HOST, 443))
        except PermissionError:
            pytest.skip("binding port 443 needs root or CAP_NET_BIND_SERVICE (MSAL's user realm discovery uses 443)")
        except OSError as error:
            pytest.skip(f"{USER_HOST}:443 is not free: {error}")
    server = ServerProcess(tmp_path_factory.mktemp("serve443"), host=USER_HOST, port=443)
    try:
        yield Live(server)
    finally:
        server.stop()
