"""The emulated identity provider: OIDC discovery, JWKS and the token endpoint (MSAL-compatible)."""

from .routes import install

__all__ = ["install"]
