"""The blob data plane (azure-storage-blob compatible with a bearer token)."""

from .routes import install

__all__ = ["install"]
