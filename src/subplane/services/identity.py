"""Sign-in for the emulated identity provider: which principal a client id/secret or user/password is.

The identity edge turns the result into tokens; this module only answers "who is this, in which tenant",
using the directory tables and the stored (hashed) secrets. Every check goes through the lockout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..adapters.passwords import VerifiedSecrets, verify_secret
from ..domain.access import Principal, PrincipalKind
from ..domain.errors import Forbidden, NotFound
from ..domain.lockout import CLIENT, USER
from .lockout import LockoutService
from .unit_of_work import UowFactory

if TYPE_CHECKING:
    from ..adapters.db.directory_repo import StoredCredential


@dataclass(frozen=True)
class SignedIn:
    principal: Principal
    tenant_id: str
    client_id: str | None


class IdentityService:
    def __init__(self, uow: UowFactory, lockout: LockoutService, verified: VerifiedSecrets) -> None:
        self.uow = uow
        self.lockout = lockout
        self.verified = verified  # client secrets argon2 accepted in this process (not user passwords)

    def tenant(self, ref: str) -> dict[str, Any]:
        """A tenant by GUID or by its domain name."""
        with self.uow(read_only=True) as uow:
            found = uow.directory.find_tenant(ref.lower())
            if found is None:
                found = next((t for t in uow.directory.list_tenants() if t["domain"].lower() == ref.lower()), None)
        if found is None:
            raise NotFound("TenantNotFound", f"Tenant '{ref}' not found.", tenant=ref)
        return found

    def tenants(self) -> list[dict[str, Any]]:
        with self.uow(read_only=True) as uow:
            return uow.directory.list_tenants()

    def tenants_of(self, principal: Principal) -> list[dict[str, Any]]:
        """What ``GET /tenants`` lists: the caller's own tenants, never the whole directory."""
        with self.uow(read_only=True) as uow:
            return uow.directory.tenants_of(principal.principal_id)

    def refresh_user(self, tenant_id: str, user_id: str) -> SignedIn:
        """A refresh token's user, if still in the tenant it signed in to (a removed user gets no new tokens)."""
        with self.uow(read_only=True) as uow:
            found = uow.directory.users_in(tenant_id, id=user_id)
        if not found:
            raise Forbidden("InvalidCredentials", "The user of this refresh token is not in the directory.")
        return SignedIn(Principal(found[0].object_id, found[0].name, PrincipalKind.USER), tenant_id, None)

    def sign_in_client(self, tenant_id: str, client_id: str, secret: str) -> SignedIn:
        """A secret this process verified against the stored hash as it is now skips argon2 (still refused while
        the client is locked); any other goes through the lockout's count-then-check."""
        stored = self._client_credential(tenant_id, client_id)
        if stored is not None and self.verified.known(client_id.lower(), secret or "", stored.secret_hash):
            return self.lockout.admitted(CLIENT, client_id, SignedIn(stored.principal, stored.tenant_id, stored.client_id))
        return self.lockout.checked(CLIENT, client_id, lambda: self._client(tenant_id, client_id, secret))

    def sign_in_user(self, tenant_id: str, upn: str, password: str) -> SignedIn:
        return self.lockout.checked(USER, upn, lambda: self._user(tenant_id, upn, password))

    def _client_credential(self, tenant_id: str, client_id: str) -> StoredCredential | None:
        """The service principal whose client id (not name) this is, in this tenant."""
        with self.uow(read_only=True) as uow:
            stored = uow.directory.client_credential(client_id)
        if stored is None or stored.tenant_id != tenant_id:
            return None
        return stored

    def _client(self, tenant_id: str, client_id: str, secret: str) -> SignedIn:
        stored = self._client_credential(tenant_id, client_id)
        if stored is None:
            raise NotFound("ApplicationNotFound", f"Application with identifier '{client_id}' was not found in the "
                                                  f"directory '{tenant_id}'.", client_id=client_id)
        if not self.verified.verify(client_id.lower(), stored.secret_hash, secret or ""):
            raise Forbidden("InvalidClientSecret", f"Invalid client secret provided. Ensure the secret being sent in "
                                                   f"the request is the client secret value for app '{client_id}'.")
        return SignedIn(stored.principal, stored.tenant_id, stored.client_id)

    def _user(self, tenant_id: str, upn: str, password: str) -> SignedIn:
        with self.uow(read_only=True) as uow:
            stored = uow.directory.user_credential(upn or "")
        if stored is None or stored.tenant_id != tenant_id or not verify_secret(stored.secret_hash, password or ""):
            raise Forbidden("InvalidCredentials", "Error validating credentials due to invalid username or password.")
        return SignedIn(stored.principal, stored.tenant_id, None)
