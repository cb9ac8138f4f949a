"""The (path template, api-version) pairs the installed Azure SDKs send: PyPI azure-mgmt-* packages read from their
request builders, npm @azure/arm-* packages from their operation files."""

from __future__ import annotations

import re
from pathlib import Path

_VERSION = r"\d{4}-\d{2}-\d{2}(?:-preview)?"
_PY_VERSION = re.compile(rf'_params\.pop\("api-version", "({_VERSION})"\)')
_PY_URL = re.compile(r'_url = (?:kwargs\.pop\(\s*"template_url",\s*)?"(/[^"]+)"')
_PY_PROFILE_ENTRY = re.compile(rf"'(\w+)': '({_VERSION})'")
_PY_DEFAULT = re.compile(rf"DEFAULT_API_VERSION = '({_VERSION})'")
_JS_PATH = re.compile(r'"(/(?:subscriptions|providers)/[^"{?]*(?:\{[^}?]+\}[^"{?]*)*)')
_JS_VERSION = re.compile(rf'apiVersion(?:\s*:\s*|\s*=\s*options\.apiVersion\s*(?:\|\||\?\?)\s*)"({_VERSION})"')
_PLACEHOLDER = re.compile(r"\{[^}]+\}")
_SCOPE = re.compile(r"\{\w*[sS]cope\}")


def concrete(template: str) -> str:
    """A path the router can match: every ``{parameter}`` filled with a stand-in segment, a ``{scope}`` (a path
    of its own, not encoded) with a subscription's."""
    path = _SCOPE.sub("subscriptions/00000000-0000-0000-0000-000000000000", template.split("{?")[0])
    return _PLACEHOLDER.sub("x0", path)


def python_requests(site_packages: Path) -> list[tuple[str, str, str]]:
    """(package file, path template, api-version) for every request builder of the installed azure-mgmt-* SDKs;
    a multi-API package counts only the versions its latest profile uses for each operation group."""
    found = []
    for module in sorted((site_packages / "azure" / "mgmt").glob("**/operations/_*.py")):
        if "/aio/" in module.as_posix() or not _in_latest_profile(module):
            continue
        for block in module.read_text("utf-8").split("\ndef build_")[1:]:
            url, version = _PY_URL.search(block), _PY_VERSION.search(block)
            if url and version:
                found.append((str(module.relative_to(site_packages)), url.group(1), version.group(1)))
    return found


def _in_latest_profile(module: Path) -> bool:
    versioned = next((p for p in module.parents if re.fullmatch(r"v\d{4}_\d{2}_\d{2}(_preview)?", p.name)), None)
    if versioned is None:
        return True
    client = next(versioned.parent.glob("_*_client.py"), None)
    if client is None:
        return False
    text = client.read_text("utf-8")
    default = _PY_DEFAULT.search(text)
    group = module.stem.removeprefix("_").removesuffix("_operations")
    profile = dict(_PY_PROFILE_ENTRY.findall(text))
    wanted = profile.get(group, default.group(1) if default else None)
    return wanted is not None and versioned.name == "v" + wanted.replace("-", "_")


def js_requests(node_modules: Path) -> list[tuple[str, str, str]]:
    """(package file, path template, api-version) from the npm @azure/arm-* SDKs: each operations file's paths with
    the versions that file names, else the package client's default."""
    found = []
    for package in sorted((node_modules / "@azure").glob("arm-*")):
        dist = package / "dist" / "commonjs"
        files = sorted(p for p in dist.rglob("*.js") if "operations" in p.as_posix().lower())
        defaults = {v for p in dist.glob("*Client.js") for v in _JS_VERSION.findall(p.read_text("utf-8"))}
        for module in files:
            text = module.read_text("utf-8")
            versions = set(_JS_VERSION.findall(text)) or defaults
            for path in set(_JS_PATH.findall(text)):
                found.extend((str(module.relative_to(node_modules)), path, v) for v in sorted(versions))
    return found
