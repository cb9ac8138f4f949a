"""The Azure SDK for JavaScript (npm @azure/arm-compute, @azure/arm-resources, @azure/identity) against a served
Subplane: its own api-versions and its LRO pollers finish (issue 12). Needs Node.js and a node_modules folder
holding those packages: point SUBPLANE_JS_MODULES at it; without it these tests are skipped, saying so."""

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
SCRIPT = Path(__file__).parent / "js" / "lro_story.mjs"


def test_list_all_deallocate_start_and_group_delete_finish(live, tmp_path):
    script = tmp_path / SCRIPT.name  # beside a node_modules link, so node resolves the packages
    script.write_text(SCRIPT.read_text("utf-8"), "utf-8")
    (tmp_path / "node_modules").symlink_to(Path(MODULES).resolve())
    sub = live.subscription_id("Productie")
    done = subprocess.run([NODE, str(script), json.dumps(live.connection), sub], capture_output=True, text=True,
                          timeout=180, env={**os.environ, "NODE_EXTRA_CA_CERTS": live.ca})
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert "web-01" in result["vms"]
    assert "PowerState/deallocated" in result["deallocated"]
    assert "PowerState/running" in result["started"]
    assert result["groupExists"] is False
