"""`subplane reset`, `snapshot export|import`, `webhooks add|list|deliveries`, `outbox` through the real command."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_cli_walkthrough import Cli

from .receiver import Receiver


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_operator_commands(database, tmp_path):
    cli = Cli(tmp_path / "data", database.url)
    cli("demo")
    receiver = Receiver()
    try:
        added = cli.json("webhooks", "add", receiver.url, "--secret", "cli-secret")
        assert added["secret"] == "cli-secret"
        assert [w["url"] for w in cli.json("webhooks", "list")] == [receiver.url]

        cli("subscriptions", "cancel", "Productie", "--reason", "x", "--turn-off-resources")
        cli("clock", "advance", "91d")
        events = cli.json("outbox", "--deliver")
        assert [e["type"].rsplit(".", 1)[-1] for e in events if e["subject"].endswith(events[-1]["subscriptionId"])][-1] \
            == "Deleted"
        mails = cli.json("outbox", "--messages")
        assert [m["kind"] for m in mails].count("deletionReminder") == 2 and mails[0]["language"] == "nl"
        deliveries = cli.json("webhooks", "deliveries")
        assert deliveries and all(d["status"] == "delivered" for d in deliveries)
        assert len(receiver.accepted()) == len(deliveries)

        snapshot = tmp_path / "state.zip"
        assert json.loads(cli("snapshot", "export", str(snapshot), "--output", "json").stdout)["formatVersion"] == 1
        before = cli.json("subscriptions", "list")
        assert cli.json("reset")["demo"] is None
        cli("snapshot", "import", str(snapshot))
        assert cli.json("subscriptions", "list") == before
    finally:
        receiver.close()
