"""The facts read from Azure's published OpenAPI files (``data/arm_spec_facts.json``, built by
``scripts/build_spec_facts.py``): the api-versions of each ARM area and, per served operation, its declared
status codes and response schema summary."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def facts() -> dict:
    return json.loads(resources.files("subplane.data").joinpath("arm_spec_facts.json").read_text("utf-8"))


def accepted_versions(area: dict) -> tuple[str, ...]:
    """Every stable version the area's spec folder publishes, the newer ones clients send, and the previews
    strict mode accepts, oldest first."""
    versions = {*area["stable"], *area.get("beyond", {}), *area.get("previews", {})}
    return tuple(sorted(versions))
