"""Run by test_crash.py in a subprocess: cancel a large subscription and stall before commit."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from subplane import settings
from subplane.adapters.db.subscriptions_repo import SubscriptionRepo
from subplane.bootstrap import build_app
from subplane.domain.access import OPERATOR

original_save = SubscriptionRepo.save


def stalling_save(self, sub):
    original_save(self, sub)
    print("effects-applied", flush=True)  # every UPDATE has run; the transaction is still open
    time.sleep(600)


SubscriptionRepo.save = stalling_save
app = build_app(settings.load(env={}, data_dir=Path(sys.argv[1]), database_url=sys.argv[2]))
app.subscriptions.cancel(actor=OPERATOR, ref=sys.argv[3], reason="crash", turn_off_resources=True)
