"""``GET /metadata/endpoints``: what ``az cloud register`` reads to learn Subplane's endpoints (no auth)."""

from __future__ import annotations

from ...domain.authority import ARM_AUDIENCES
from .routing import ArmRequest, ArmRouter

CLOUD_NAME = "Subplane"


def register(router: ArmRouter) -> None:
    @router.route("GET", "/metadata/endpoints", area="metadata", anonymous=True)
    def endpoints(ctx: ArmRequest):
        return {
            "name": CLOUD_NAME,
            "portal": f"{ctx.base_url}/portal",
            "resourceManager": f"{ctx.base_url}/",
            "authentication": {"loginEndpoint": f"{ctx.base_url}/", "audiences": [ARM_AUDIENCES[1], ARM_AUDIENCES[0]],
                               "tenant": "common", "identityProvider": "AAD"},
            "graphAudience": f"{ctx.base_url}/graph/",
            "graph": f"{ctx.base_url}/graph/",
            "microsoftGraphResourceId": f"{ctx.base_url}/graph/",
            "suffixes": {"storage": "blob.localhost", "keyVaultDns": "vault.localhost"},
            "batch": f"{ctx.base_url}/batch/",
            "media": f"{ctx.base_url}/media/",
            "sqlManagement": f"{ctx.base_url}/sql/",
            "gallery": f"{ctx.base_url}/gallery/",
            "activeDirectoryDataLake": f"{ctx.base_url}/datalake/",
        }
