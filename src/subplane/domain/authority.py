"""Who Subplane is to a token: the issuer it signs as and the audiences each endpoint takes.

Both follow from the configured public base URLs (the first is the primary one), never from a request:
a ``Host`` or ``X-Forwarded-Host`` header chooses at most which configured URL links in an answer use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ARM_AUDIENCES = ("https://management.azure.com/", "https://management.core.windows.net/")
STORAGE_AUDIENCE = "https://storage.azure.com/"
# OpenID Connect scopes name no resource; MSAL adds them to a user's token request.
OIDC_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})
_ACCOUNT = re.compile(r"^[a-z0-9]{3,24}/$")


def normalise_audience(audience: str) -> str:
    return audience.rstrip("/").lower() + "/"


def audience_for_scope(scope: str) -> str:
    """The resource a token request asks for: its first non-OIDC scope without ``/.default``
    (``https://management.core.windows.net//.default`` -> ``https://management.core.windows.net/``);
    ``""`` when it names none."""
    resource = next((item for item in scope.split() if item.lower() not in OIDC_SCOPES), "")
    if resource.endswith("/.default"):
        resource = resource[: -len(".default")]
    resource = resource.rstrip("/")
    return resource + "/" if resource else ""


@dataclass(frozen=True)
class Authority:
    public_urls: tuple[str, ...]  # normalised: scheme://host[:port][/path], no trailing slash

    def __post_init__(self) -> None:
        if not self.public_urls:
            raise ValueError("an authority needs at least one public URL")

    @property
    def primary(self) -> str:
        return self.public_urls[0]

    def issuer(self, tenant_id: str) -> str:
        return f"{self.primary}/{tenant_id}/v2.0"

    def authorization_uri(self, tenant: str) -> str:
        return f"{self.primary}/{tenant}"

    @property
    def arm_audiences(self) -> tuple[str, ...]:
        return (*ARM_AUDIENCES, *(f"{url}/" for url in self.public_urls))

    @property
    def graph_audiences(self) -> tuple[str, ...]:
        """The Microsoft Graph the metadata advertises (``<base>/graph/``): accepted on the Graph routes only."""
        return tuple(f"{url}/graph/" for url in self.public_urls)

    def refresh_audience(self, client_id: str) -> str:
        """The audience of a user's refresh token for one client: no endpoint serves it, so a refresh token is
        never an access token, and it redeems only for the client it was issued to."""
        return f"{self.primary}/oauth2/refresh/{client_id.lower()}"

    def blob_audiences(self, account: str) -> tuple[str, ...]:
        """The storage audience, and the account's own URL (Azure's ``https://<account>.blob...`` form)."""
        return (STORAGE_AUDIENCE, *(f"{url}/blob/{account}/" for url in self.public_urls))

    def serves(self, audience: str) -> bool:
        """Whether a token for ``audience`` would be accepted by one of Subplane's endpoints."""
        wanted = normalise_audience(audience)
        if wanted in {normalise_audience(a) for a in (*self.arm_audiences, *self.graph_audiences, STORAGE_AUDIENCE)}:
            return True
        return any(wanted.startswith(prefix) and _ACCOUNT.match(wanted[len(prefix):])
                   for prefix in (normalise_audience(url) + "blob/" for url in self.public_urls))

    def base_for(self, origin: str) -> str:
        """The configured URL whose scheme and host:port are ``origin`` (how the client reached us), else
        the primary one: links in answers stay inside the configuration."""
        wanted = origin.rstrip("/").lower()
        return next((url for url in self.public_urls if _origin(url) == wanted), self.primary)


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}".lower()
