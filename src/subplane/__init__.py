"""Subplane: a self-hostable control plane for cloud subscriptions."""

__version__ = "0.1.0"
