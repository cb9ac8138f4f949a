"""The ARM error envelope, and how each domain error code maps to an HTTP status."""

from __future__ import annotations

from ...domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound


class ArmError(Exception):
    def __init__(self, status: int, code: str, message: str, target: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.target = status, code, message, target
        self.headers = headers or {}

    def body(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.target:
            error["target"] = self.target
        return {"error": error}


# Codes whose status differs from the default of their error class (arm-contract.md, research §3.2).
_STATUS_BY_CODE = {
    "ResourcesExistingOnSubscription": 400,
    "InvalidSubscriptionId": 400,
    "ReadOnlyDisabledSubscription": 409,
    "SubscriptionDeleted": 409,
    "StorageAccountAlreadyTaken": 409,
    "OperationNotAllowed": 409,
    "InvalidStateTransition": 409,
    "RetentionExpired": 409,
    "AuthorizationFailed": 403,
}
_STATUS_BY_CLASS = ((NotFound, 404), (Forbidden, 403), (Conflict, 409), (InvalidInput, 400))


def from_domain(error: DomainError) -> ArmError:
    status = _STATUS_BY_CODE.get(error.code)
    if status is None:
        status = next((s for cls, s in _STATUS_BY_CLASS if isinstance(error, cls)), 400)
    return ArmError(status, error.code, error.message)


def missing_api_version() -> ArmError:
    return ArmError(400, "MissingApiVersionParameter",
                    "The api-version query parameter (?api-version=) is required for all requests.")


def subscription_not_found(subscription_id: str) -> ArmError:
    return ArmError(404, "SubscriptionNotFound", f"The subscription '{subscription_id}' could not be found.")


def resource_not_found(namespace_type: str, name: str, group: str) -> ArmError:
    return ArmError(404, "ResourceNotFound",
                    f"The Resource '{namespace_type}/{name}' under resource group '{group}' was not found. "
                    "For more details please go to https://aka.ms/ARMResourceNotFoundFix")


def location_given(location: str | None) -> str:
    """A PUT that creates needs a location (its shape is the domain's rule)."""
    if not location:
        raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
    return location


def bad_request(code: str, message: str) -> ArmError:
    return ArmError(400, code, message)
