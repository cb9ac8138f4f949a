"""Small helpers shared by the integration tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from subplane.domain.access import OPERATOR
from subplane.domain.resources import ResourceType


def by_name(app, subscription: str) -> dict:
    return {r.name: r for r in app.resources.list(actor=OPERATOR, subscription=subscription)}


def principal(app, name: str):
    return app.directory.principal(name)


def storage_account(app, subscription: str):
    return next(r for r in by_name(app, subscription).values() if r.type is ResourceType.STORAGE_ACCOUNT)


def cancelled_trials(app, count: int, *, prefix: str = "race") -> list[str]:
    """``count`` new Free Trial subscriptions on the demo account, each cancelled; their ids."""
    account = app.subscriptions.get(actor=OPERATOR, ref="Ontwikkeling").billing_account_id
    ids = []
    for n in range(count):
        sub = app.subscriptions.create(actor=OPERATOR, display_name=f"{prefix}-{n}", billing_account_id=account,
                                       offer_id="MS-AZR-0044P")
        app.subscriptions.cancel(actor=OPERATOR, ref=sub.subscription_id, reason=prefix)
        ids.append(sub.subscription_id)
    return ids


def kill_when(script: Path, args: list[str], marker: bytes) -> None:
    """Run ``script`` in a child process and SIGKILL it once it prints ``marker`` (within two minutes)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen([sys.executable, str(script), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=env)
    deadline = time.monotonic() + 120
    line = b""
    while time.monotonic() < deadline and marker not in line:
        line = child.stdout.readline() if child.stdout else b""
        if not line and child.poll() is not None:
            raise AssertionError(child.stderr.read().decode() if child.stderr else "the child exited")
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)


def run_due_at_once(runners: list) -> dict[str, list]:
    """Every runner's ``jobs.run_due()`` started at the same moment on its own thread; results by instance."""
    results: dict[str, list] = {}
    barrier = threading.Barrier(len(runners))

    def work(runner):
        barrier.wait()
        results[runner.instance] = runner.jobs.run_due()

    threads = [threading.Thread(target=work, args=(r,)) for r in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
