"""What running one due job came to: the runner reports it, the clock's advance collects it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class JobResult:
    job_id: int
    kind: str
    subject: str
    due_at: datetime
    ran_at: datetime
    outcome: str
