"""The Azure SDK for JavaScript (tests/e2e/js/package.json: @azure/identity, arm-resources-subscriptions,
arm-subscriptions, arm-resources, arm-compute, arm-network, storage-blob) against a served Subplane: its own
api-versions and LRO pollers finish, and the seed's story runs step by step (issue 12 items 2 and 7). Needs Node.js
and a node_modules folder holding those packages (`npm ci --prefix tests/e2e/js`): point SUBPLANE_JS_MODULES at it;
without it these tests are skipped, saying so.

The story tests share one served instance (the module's ``live``) and run in file order, each a step of the story."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

MODULES = os.environ.get("SUBPLANE_JS_MODULES")
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(not (MODULES and NODE), reason="Node.js or SUBPLANE_JS_MODULES (a node_modules "
                                                               "with @azure/identity, arm-compute, arm-resources) missing")
JS = Path(__file__).parent / "js"


@pytest.fixture(scope="module")
def scripts(tmp_path_factory) -> Path:
    """The scripts beside a node_modules link, so node resolves the packages."""
    folder = tmp_path_factory.mktemp("js")
    for script in JS.glob("*.mjs"):
        (folder / script.name).write_text(script.read_text("utf-8"), "utf-8")
    (folder / "node_modules").symlink_to(Path(MODULES).resolve())
    return folder


def _node(scripts: Path, live, *args: str) -> dict:
    done = subprocess.run([NODE, str(scripts / args[0]), *args[1:]], capture_output=True, text=True,
                          timeout=180, env={**os.environ, "NODE_EXTRA_CA_CERTS": live.ca})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_list_all_deallocate_start_and_group_delete_finish(live, scripts):
    result = _node(scripts, live, "lro_story.mjs", json.dumps(live.connection), live.subscription_id("Productie"))
    assert "web-01" in result["vms"]
    assert "PowerState/deallocated" in result["deallocated"]
    assert "PowerState/running" in result["started"]
    assert result["groupExists"] is False
    assert result["ip"]["name"] == "js-ip" and result["ip"]["address"] and result["ip"]["left"] == []


class Story:
    """One step of story.mjs against the Productie subscription; what a step saw that a later one compares."""

    seen: dict = {}

    def __init__(self, live, scripts: Path) -> None:
        self.live, self.scripts = live, scripts
        if "subscription" not in Story.seen:  # by name before step 10 renames it
            Story.seen["subscription"] = live.subscription_id("Productie")
        self.subscription_id = Story.seen["subscription"]

    def step(self, name: str) -> dict:
        demo = json.loads((self.live.server.data_dir / "demo.json").read_text("utf-8"))
        args = {"subscriptionId": self.subscription_id, "billingAccount": demo["billingAccountId"]}
        return _node(self.scripts, self.live, "story.mjs", name, json.dumps(self.live.connection), json.dumps(args))


@pytest.fixture
def story(live, scripts) -> Story:
    return Story(live, scripts)


def test_story_1_list_subscriptions(story):
    result = story.step("list")
    listed = {s["id"]: s for s in result["subscriptions"]}
    assert listed[story.subscription_id]["name"] == "Productie" and listed[story.subscription_id]["state"] == "Enabled"
    assert story.live.subscription_id("Ontwikkeling") in listed
    assert result["power"] == {"web-01": "PowerState/running", "db-01": "PowerState/running"}
    assert result["addresses"]["web-01-ip"]["method"] == "Dynamic" and result["addresses"]["web-01-ip"]["address"]
    assert result["addresses"]["db-01-ip"]["method"] == "Static" and result["addresses"]["db-01-ip"]["address"]
    Story.seen["addresses"] = result["addresses"]


def test_story_2_create_a_group_with_tags(story):
    result = story.step("group")
    assert result == {"name": "js-rg", "tags": {"team": "js", "env": "e2e"}, "provisioningState": "Succeeded"}


def test_story_3_cancel_without_ignore_resource_check_is_refused_while_resources_run(story):
    result = story.step("cancelRefused")
    assert result["status"] == 400 and result["code"] == "ResourcesExistingOnSubscription"
    assert result["state"] == "Enabled"


def test_story_4_cancel_with_ignore_resource_check(story):
    result = story.step("cancel")
    assert result["subscriptionId"] == story.subscription_id and result["state"] == "Disabled"


def test_story_5_vms_deallocated_dynamic_ip_released_static_kept(story):
    result = story.step("turnedOff")
    assert result["power"] == {"web-01": "PowerState/deallocated", "db-01": "PowerState/deallocated"}
    assert result["addresses"]["web-01-ip"]["address"] is None
    assert result["addresses"]["db-01-ip"]["address"] == Story.seen["addresses"]["db-01-ip"]["address"]


def test_story_6_writes_to_the_cancelled_subscription_are_409(story):
    result = story.step("writesRefused")
    assert result["group"] == {"status": 409, "code": "ReadOnlyDisabledSubscription"}
    assert result["start"] == {"status": 409, "code": "ReadOnlyDisabledSubscription"}


def test_story_7_blob_download_works_upload_is_refused(story):
    result = story.step("blob")
    assert "leesmij.txt" in result["names"] and result["leesmij"].startswith("Contoso productiegegevens.")
    assert result["upload"] == {"status": 409, "code": "ReadOnlyDisabledSubscription"}


def test_story_8_enable_reactivates(story):
    result = story.step("enable")
    assert result["subscriptionId"] == story.subscription_id and result["state"] == "Enabled"


def test_story_9_start_the_vm_and_get_a_dynamic_ip_again(story):
    result = story.step("start")
    assert result["power"]["web-01"] == "PowerState/running"
    assert result["addresses"]["web-01-ip"]["address"]
    assert result["addresses"]["db-01-ip"]["address"] == Story.seen["addresses"]["db-01-ip"]["address"]


def test_story_10_rename(story):
    result = story.step("rename")
    assert result["subscriptionId"] == story.subscription_id and result["displayName"] == "Productie (JS)"


def test_story_11_alias_create_and_get(story):
    result = story.step("alias")
    created, got = result["created"], result["got"]
    assert created["provisioningState"] == "Succeeded" and created["subscriptionId"]
    assert got["subscriptionId"] == created["subscriptionId"] and got["displayName"] == "Vended by JS"
