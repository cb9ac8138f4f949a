"""Placeholder until the blob data plane lands."""


def install(http, app) -> None:
    return None
