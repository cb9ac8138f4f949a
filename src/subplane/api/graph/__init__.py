"""The part of Microsoft Graph the clients call (``az role assignment list`` names principals through it)."""

from .routes import install

__all__ = ["install"]
