"""Emulator fault injection: the next calls of an ARM operation fail the way real ARM fails them.

Platform engineers need to see what their automation does when Azure accepts a request and the
operation then fails (an allocation failure during a deallocate, a quota error during a create).
`subplane faults add Microsoft.Compute/virtualMachines/deallocate/action --code AllocationFailed`
stores a fault; the next matching call on a resource fails and changes nothing: a long-running
operation (VM power actions, VM and resource-group deletes) is accepted (202 with polling headers) and
its status then says ``Failed`` with that error; any other call answers the error at once (409). Faults work only in
emulator mode, are consumed in the same transaction that records the failed operation, and are part
of the emulator's state (reset and snapshots include them).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..adapters.db.ops_repo import FaultRepo
from ..domain.access import Principal
from ..domain.errors import InvalidInput
from ..settings import Settings
from .unit_of_work import UowFactory

FAILED = "Failed"
# subscription-level and tenant-level operations (cancel, role assignments, aliases) take no faults
_NOT_FAULTABLE = ("microsoft.subscription/", "microsoft.authorization/", "microsoft.billing/")
# e.g. Microsoft.Compute/virtualMachines/deallocate/action, Microsoft.Storage/storageAccounts/write
_OPERATION = re.compile(r"^[A-Za-z][A-Za-z0-9.]*/[A-Za-z0-9]+(/[A-Za-z0-9]+)*/(action|write|delete)$", re.IGNORECASE)
_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,63}$")
MAX_COUNT = 1000


@dataclass(frozen=True)
class Fault:
    fault_id: str
    operation: str
    code: str
    message: str
    remaining: int
    created_at: datetime


def _fault(row: dict[str, Any]) -> Fault:
    return Fault(row["fault_id"], row["operation"], row["code"], row["message"], row["remaining"], row["created_at"])


class FaultService:
    def __init__(self, uow: UowFactory, settings: Settings) -> None:
        self.uow = uow
        self.settings = settings

    def add(self, *, operation: str, code: str, message: str | None = None, count: int = 1) -> Fault:
        self.settings.require_emulator("Fault injection")
        operation, code = (operation or "").strip(), (code or "").strip()
        if not _OPERATION.fullmatch(operation):
            raise InvalidInput("InvalidOperation", f"{operation!r} is not an ARM write operation such as "
                                                   "'Microsoft.Compute/virtualMachines/deallocate/action'.")
        if operation.lower().startswith(_NOT_FAULTABLE):
            raise InvalidInput("OperationNotFaultable", f"Faults apply to operations on resources and resource "
                                                        f"groups, not to {operation!r}.")
        if not _CODE.fullmatch(code):
            raise InvalidInput("InvalidErrorCode", f"{code!r} is not an error code (letters and digits, e.g. AllocationFailed).")
        if not 1 <= count <= MAX_COUNT:
            raise InvalidInput("InvalidCount", f"count must be between 1 and {MAX_COUNT}, not {count}.")
        with self.uow() as uow:
            row = {"fault_id": str(uuid.uuid4()), "operation": operation, "code": code,
                   "message": message or f"The operation '{operation}' failed: {code} (injected by the emulator).",
                   "remaining": count, "created_at": uow.now}
            FaultRepo(uow.conn).add(row)
        return _fault(row)

    def list(self) -> list[Fault]:
        with self.uow(read_only=True) as uow:
            return [_fault(r) for r in FaultRepo(uow.conn).list()]

    def clear(self) -> int:
        self.settings.require_emulator("Fault injection")
        with self.uow() as uow:
            return FaultRepo(uow.conn).clear()

    def waiting(self, operation: str) -> bool:
        """Is a fault waiting for ``operation``? (A read; false outside emulator mode.)"""
        if not self.settings.emulator:
            return False
        with self.uow(read_only=True) as uow:
            return FaultRepo(uow.conn).waiting(operation)

    def fail_next(self, operation: str, *, actor: Principal, subscription_id: str | None = None,
                  target: str | None = None) -> tuple[str, Fault] | None:
        """Consume one use of a fault for ``operation``, record the failed operation and the failure in the
        activity log, in one transaction; returns (operation id, fault), or None when no fault waits."""
        if not self.settings.emulator:
            return None
        with self.uow() as uow:
            repo = FaultRepo(uow.conn)
            row = repo.take(operation)
            if row is None:
                return None
            operation_id = uuid.uuid4().hex
            repo.record_failure(operation_id, row, uow.now)
            uow.activity.record(instant=uow.now, actor=actor.name, action=operation, outcome=FAILED,
                                subscription_id=subscription_id, target=target, code=row["code"],
                                message=row["message"], correlation_id=uow.correlation_id,
                                details={"injectedFault": row["fault_id"], "operationId": operation_id})
            return operation_id, _fault(row)

    def failure(self, operation_id: str) -> dict[str, Any] | None:
        """``{"code", "message"}`` when ``operation_id`` failed by an injected fault, else None."""
        with self.uow(read_only=True) as uow:
            row = FaultRepo(uow.conn).failure(operation_id)
        return {"code": row["code"], "message": row["message"]} if row else None
