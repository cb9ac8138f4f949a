"""The README's tour through the real `subplane` command, on a temporary data directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta

import pytest


class Cli:
    def __init__(self, data_dir, database_url):
        self.env = {**os.environ, "SUBPLANE_DATA_DIR": str(data_dir), "SUBPLANE_DATABASE_URL": database_url,
                    "COLUMNS": "200"}

    def __call__(self, *args, ok=True):
        done = subprocess.run([sys.executable, "-m", "subplane.cli.main", *args], env=self.env,
                              capture_output=True, text=True, timeout=120)
        if ok and done.returncode != 0:
            raise AssertionError(f"subplane {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
        return done

    def json(self, *args):
        return json.loads(self(*args, "--output", "json").stdout)


@pytest.fixture
def cli(database, tmp_path):
    runner = Cli(tmp_path / "data", database.url)
    runner("demo")
    return runner


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_the_tour(cli, tmp_path):
    demo = json.loads((tmp_path / "data" / "demo.json").read_text())
    assert {u["userPrincipalName"] for u in demo["users"]} == {
        "admin@contoso.example", "owner@contoso.example", "reader@contoso.example"}
    assert {p["name"] for p in demo["servicePrincipals"]} == {"subplane-owner", "subplane-reader"}
    assert all(p["clientSecret"] and p["clientId"] for p in demo["servicePrincipals"])

    denied = cli("subscriptions", "cancel", "Productie", "--reason", "Niet meer nodig",
                 "--as", "reader@contoso.example", ok=False)
    assert denied.returncode == 3 and "AuthorizationFailed" in denied.stderr and "Traceback" not in denied.stderr
    assert len(denied.stderr.strip().splitlines()) == 1

    refused = cli("subscriptions", "cancel", "Productie", "--reason", "Niet meer nodig",
                  "--as", "admin@contoso.example", ok=False)
    assert refused.returncode == 5 and "ResourcesExistingOnSubscription" in refused.stderr
    assert "7 resource" in refused.stderr

    cancelled = cli.json("subscriptions", "cancel", "Productie", "--reason", "Niet meer nodig",
                         "--as", "admin@contoso.example", "--turn-off-resources")
    assert (cancelled["state"], cancelled["stateReason"]) == ("Disabled", "Cancelled")
    assert when(cancelled["deletionDate"]) - when(cancelled["cancelledAt"]) == timedelta(days=90)

    resources = {r["name"]: r for r in cli.json("resources", "list", "--subscription", "Productie")}
    assert resources["web-01"]["powerState"] == resources["db-01"]["powerState"] == "deallocated"
    assert resources["web-01-ip"]["ipAddress"] is None and resources["web-01-ip"]["allocationMethod"] == "Dynamic"
    assert resources["db-01-ip"]["ipAddress"]
    assert resources["contosodata"]["readOnly"] is True
    assert resources["web-01"]["type"] == "Microsoft.Compute/virtualMachines"
    assert resources["web-01"]["id"].startswith(f"/subscriptions/{cancelled['subscriptionId']}/resourceGroups/")

    assert cli("blobs", "get", "contosodata", "backups", "leesmij.txt").stdout.startswith("Contoso")
    upload = tmp_path / "up.txt"
    upload.write_text("nieuw")
    put = cli("blobs", "put", "contosodata", "backups", "up.txt", "--file", str(upload),
              "--as", "admin@contoso.example", ok=False)
    assert put.returncode == 5 and "ReadOnlyDisabledSubscription" in put.stderr
    start = cli("vm", "start", "web-01", "--as", "admin@contoso.example", ok=False)
    assert start.returncode == 5 and "ReadOnlyDisabledSubscription" in start.stderr

    activity = cli.json("activity", "--subscription", "Productie")
    cancel_entries = [a for a in activity if a["action"] == "cancel"]
    assert [(a["actor"], a["outcome"]) for a in cancel_entries] == [
        ("admin@contoso.example", "Succeeded"), ("admin@contoso.example", "Refused"),
        ("reader@contoso.example", "Refused")]

    again = cli.json("subscriptions", "cancel", "Productie", "--reason", "opnieuw", "--as", "admin@contoso.example",
                     "--turn-off-resources")
    assert again["changed"] is False and again["cancelledAt"] == cancelled["cancelledAt"]
    assert len(cli.json("activity", "--subscription", "Productie")) == len(activity)

    reactivated = cli.json("subscriptions", "reactivate", "Productie", "--as", "owner@contoso.example")
    assert reactivated["state"] == "Enabled" and reactivated["deletionDate"] is None
    resources = {r["name"]: r for r in cli.json("resources", "list", "--subscription", "Productie")}
    assert resources["contosodata"]["readOnly"] is False and resources["web-01"]["powerState"] == "deallocated"
    assert cli.json("vm", "start", "web-01", "--as", "owner@contoso.example")["powerState"] == "running"
    resources = {r["name"]: r for r in cli.json("resources", "list", "--subscription", "Productie")}
    assert resources["web-01-ip"]["ipAddress"]
    cli("blobs", "put", "contosodata", "backups", "up.txt", "--file", str(upload), "--as", "owner@contoso.example")
    assert cli("blobs", "get", "contosodata", "backups", "up.txt").stdout == "nieuw"


def test_trial_purged_after_31_days_and_delete_guards(cli, tmp_path):
    trial = cli.json("subscriptions", "cancel", "Proefversie", "--reason", "Alleen getest", "--turn-off-resources")
    blob_dir = tmp_path / "data" / "blobs"
    advanced = cli.json("clock", "advance", "31d")
    # Other work (invoices, reminders) may fall due in the same 31 days; what must hold is that the
    # trial's retention expired and its files were purged after that, each exactly once.
    trial_jobs = [j["kind"] for j in advanced["jobs"]
                  if j["subject"] == trial["subscriptionId"] and j["kind"] in ("retention_expiry", "purge_files")]
    assert trial_jobs == ["retention_expiry", "purge_files"], advanced["jobs"]
    shown = cli.json("subscriptions", "show", trial["subscriptionId"])  # the name is forgotten (docs/data-retention.md)
    assert (shown["state"], shown["stateReason"]) == ("Deleted", "RetentionExpired")
    assert shown["displayName"] == "deleted-" + trial["subscriptionId"][:8]
    assert cli.json("resources", "list", "--subscription", trial["subscriptionId"]) == []
    assert not (blob_dir / trial["subscriptionId"]).exists()

    cli("subscriptions", "cancel", "Ontwikkeling", "--reason", "klaar", "--as", "admin@contoso.example")
    too_soon = cli("subscriptions", "delete", "Ontwikkeling", "--confirm-name", "Ontwikkeling",
                   "--as", "admin@contoso.example", ok=False)
    assert too_soon.returncode == 5 and "DeleteTooSoon" in too_soon.stderr and "15 minutes" in too_soon.stderr
    cli("clock", "advance", "15m")
    wrong = cli("subscriptions", "delete", "Ontwikkeling", "--confirm-name", "Fout", "--as", "admin@contoso.example",
                ok=False)
    assert wrong.returncode == 5 and "ConfirmationNameMismatch" in wrong.stderr
    deleted = cli.json("subscriptions", "delete", "Ontwikkeling", "--confirm-name", "Ontwikkeling",
                       "--as", "admin@contoso.example")
    assert (deleted["state"], deleted["stateReason"]) == ("Deleted", "DeletedByOwner")

    cli("subscriptions", "cancel", "Productie", "--reason", "weg", "--turn-off-resources")
    cli("clock", "advance", "20m")
    left = cli("subscriptions", "delete", "Productie", "--confirm-name", "Productie", ok=False)
    assert left.returncode == 5 and "ResourcesExistingOnSubscription" in left.stderr


def test_user_errors_are_one_line_without_traceback(cli):
    for args, code in ((["subscriptions", "show", "Bestaat-niet"], 4),
                       (["clock", "advance", "soon"], 2),
                       (["subscriptions", "cancel", "Productie", "--turn-off-resources"], 2),
                       (["vm", "start", "web-01", "--as", "nobody@contoso.example"], 4),
                       (["invoices", "list", "--status", "Unpaid"], 2)):
        done = cli(*args, ok=False)
        assert done.returncode == code, (args, done.stderr)
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_cancel_at_a_later_moment(cli):
    now = when(cli.json("clock", "show")["now"])
    at = (now + timedelta(days=3)).date().isoformat()
    scheduled = cli("subscriptions", "cancel", "Productie", "--reason", "Project ends", "--turn-off-resources",
                    "--at", at, "--as", "admin@contoso.example")
    assert "will be cancelled on" in scheduled.stdout and "nothing changes" in scheduled.stdout
    assert cli.json("subscriptions", "show", "Productie")["state"] == "Enabled"
    past = cli("subscriptions", "cancel", "Productie", "--reason", "x", "--at", "2001-01-01",
               "--as", "admin@contoso.example", ok=False)
    assert past.returncode == 2 and "ScheduledCancelNotInFuture" in past.stderr
    cli("clock", "advance", "4d")
    shown = cli.json("subscriptions", "show", "Productie")
    assert (shown["state"], shown["stateReason"]) == ("Disabled", "Cancelled")
    assert when(shown["cancelledAt"]).date().isoformat() == at
