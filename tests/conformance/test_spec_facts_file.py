"""The committed spec facts are what scripts/build_spec_facts.py makes of the spec cache, when this machine has one."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build_spec_facts.py"


def _builder():
    spec = importlib.util.spec_from_file_location("build_spec_facts", _SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_facts_are_the_script_output_for_the_spec_cache():
    builder = _builder()
    if not builder.CACHE.is_dir():
        pytest.skip(f"no spec cache at {builder.CACHE} (SUBPLANE_SPEC_CACHE)")
    assert json.loads(builder.OUTPUT.read_text("utf-8")) == builder.build()
