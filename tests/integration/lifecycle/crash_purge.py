"""Run by test_batch_purge.py in a subprocess: run the due jobs in batches of three and stall at a chosen
point of the second retention batch (``mid_batch``: its rows changed, not committed; ``after_commit``: its
transaction committed, its bytes not yet removed), so the test can kill the process there."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from subplane import settings
from subplane.adapters.blobstore import FileBlobStore
from subplane.adapters.db.subscriptions_repo import SubscriptionRepo
from subplane.bootstrap import build_app

data_dir, database_url, where = sys.argv[1], sys.argv[2], sys.argv[3]
batches = [0]
original_save_many = SubscriptionRepo.save_many
original_remove = FileBlobStore.remove_subscription


def stalling_save_many(self, subs):
    original_save_many(self, subs)
    batches[0] += 1
    if where == "mid_batch" and batches[0] == 2:
        print("stalled", flush=True)  # the second batch's statements have run; its transaction is open
        time.sleep(600)


def stalling_remove(self, conn, subscription_id):
    if where == "after_commit" and batches[0] == 2:
        print("stalled", flush=True)  # the second batch has committed; none of its bytes are removed
        time.sleep(600)
    original_remove(self, conn, subscription_id)


SubscriptionRepo.save_many = stalling_save_many
FileBlobStore.remove_subscription = stalling_remove
app = build_app(settings.load(env={}, data_dir=Path(data_dir), database_url=database_url, job_batch_size=3))
app.jobs.run_due()
print("finished without stalling", flush=True)
