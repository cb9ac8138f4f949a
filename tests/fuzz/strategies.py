"""Hypothesis strategies for requests: known-good path values mixed with hostile ones, bounded and
unbounded numbers, JSON documents, mutations of valid bodies, and raw bodies of each class that once
reached a 500 (issue 10 §3)."""

from __future__ import annotations

import json
import re
import uuid
from urllib.parse import quote

from hypothesis import strategies as st

from subplane.api.arm.versions import SUPPORTED

READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
HOSTILE_TEXT = ["\ud800", "a\udfffb", "a\x00b", "x" * 600, "", " ", "westeurope", "Standard_B2s", "../..", "%",
                "<script>", "9" * 5000, "true", "-1", "1e309"]
HUGE_NUMBERS = ["9" * 5000, "99999999999999999999", "-1", "1e3", "²", "inf", "NaN", "0", "1", "", " 1", "0x10"]
RAW_BODIES = [
    b"[" * 100_000 + b"]" * 100_000, b'{"a": ' * 50_000 + b"1" + b"}" * 50_000, b'{"a": 1, "a": 2}',
    b'{"location": "westeurope", "location": "eastus"}', b"9" * 5000, b'{"n": ' + b"9" * 5000 + b"}",
    b'{"n": 1e999}', b'{"n": NaN}', b'{"n": -Infinity}', b"\xff\xfe\x00", b'"\\ud800"',
    b'{"tags": "x"}', b'{"tags": ["x"]}', b'{"tags": {"a": 1}}', b'{"location": "\\ud800"}',
    b'{"location": ["westeurope"]}', b'{"properties": "x"}', b'{"properties": {"ipConfigurations": "x"}}',
    b'{"properties": {"ipConfigurations": [1]}}', b'{"properties": {"displayName": ["x"], "workload": {}}}',
    b'{"subscriptionName": "\\ud800"}', b'{"subscriptionName": "a\\u0000b"}', b'{"wait": "inf"}',
    b'{"advance": "99999999999999d"}', b'{"advance": "1d", "wait": 1e308}', b"{", b"null", b"[]", b'""',
]
# a valid-looking body per route (matched on the pattern's end); fuzzing replaces one part of it
TEMPLATES = [
    (r"resourcegroups/\{rg\}$", {"location": "westeurope", "tags": {"env": "fuzz"}}),
    (r"virtualMachines/\{name\}$", {"location": "westeurope", "tags": {"a": "b"}, "properties": {
        "hardwareProfile": {"vmSize": "Standard_B2s"}, "networkProfile": {"networkInterfaces": [{"id": "/x"}]}}}),
    (r"publicIPAddresses/\{name\}$", {"location": "westeurope", "sku": {"name": "Basic"},
                                      "properties": {"publicIPAllocationMethod": "Dynamic"}}),
    (r"networkInterfaces/\{name\}$", {"location": "westeurope", "properties": {"ipConfigurations": [
        {"name": "c", "properties": {"publicIPAddress": {"id": "/x"}}}]}}),
    (r"storageAccounts/\{name\}$", {"location": "westeurope", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2",
                                    "tags": {"a": "b"}}),
    (r"/rename$", {"subscriptionName": "renamed"}),
    (r"Subplane.Subscription/delete$", {"confirmName": "x"}),
    (r"aliases/\{alias\}$", {"properties": {"displayName": "fuzz", "billingScope": "/billingAccounts/contoso",
                                            "workload": "Production", "additionalProperties": {"tags": {"a": "b"}}}}),
    (r"roleAssignments/\{assignment\}$", {"properties": {
        "roleDefinitionId": f"/providers/Microsoft.Authorization/roleDefinitions/{READER}", "principalId": str(uuid.UUID(int=1))}}),
    (r"checkNameAvailability$", {"name": "fuzzaccount", "type": "Microsoft.Storage/storageAccounts"}),
    (r"regenerateKey$", {"keyName": "key1"}),
    (r"/_subplane/clock$", {"advance": "1h", "wait": 5}),
    (r"/_subplane/webhooks$", {"url": "http://127.0.0.1:9/hook", "description": "fuzz"}),
    (r"/_subplane/faults$", {"operation": "Microsoft.Compute/virtualMachines/start/action", "code": "Fuzz", "count": 1}),
]

texts = st.one_of(st.text(max_size=20), st.sampled_from(HOSTILE_TEXT))
scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
                    st.floats(allow_nan=False, allow_infinity=False), texts)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
                           max_leaves=12)
ascii_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40).map(str.strip)
query_values = st.one_of(st.sampled_from(HUGE_NUMBERS), st.integers(-10**25, 10**25).map(str), st.text(max_size=12))
path_text = st.one_of(st.text(st.characters(min_codepoint=1, exclude_categories=("Cs",)), min_size=1, max_size=90),
                      st.sampled_from(["\x00", "a\x00", "x" * 1000, ".", "..", "%2F"]))
QUERY_NAMES = ["$top", "$skiptoken", "$filter", "$expand", "IgnoreResourceCheck", "limit", "after", "subscription",
               "endpoint", "comp", "prefix", "wait"]
HEADER_NAMES = ["x-ms-range", "range", "x-ms-correlation-request-id", "x-ms-client-request-id", "x-ms-blob-type",
                "x-ms-blob-content-type", "content-type", "x-ms-version"]
HEADER_VALUES = st.one_of(ascii_text, st.sampled_from(["bytes=0-" + "9" * 5000, "bytes=99999999999999999999-",
                                                       "bytes=5-1", "bytes=0-0", "application/json", "BlockBlob"]))


def _paths(value, prefix=()):
    """Every place in a JSON document, as key/index paths (the document itself is ``()``)."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, prefix + (index,))


def _replace(document, path, new):
    if not path:
        return new
    copy = json.loads(json.dumps(document))
    holder = copy
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = new
    return copy


def template_for(pattern: str) -> dict | None:
    return next((body for regex, body in TEMPLATES if re.search(regex, pattern)), None)


@st.composite
def bodies(draw, pattern: str) -> bytes | None:
    template = template_for(pattern)
    kind = draw(st.sampled_from(["none", "raw", "json", "mutated", "mutated", "valid"] if template else
                                ["none", "raw", "json"]))
    if kind == "none":
        return None
    if kind == "raw":
        return draw(st.sampled_from(RAW_BODIES))
    if kind == "valid":
        return json.dumps(template).encode()
    if kind == "json":
        return json.dumps(draw(json_values)).encode()
    path = draw(st.sampled_from(list(_paths(template))))
    return json.dumps(_replace(template, path, draw(json_values))).encode()


def fill(pattern: str, known: dict[str, list[str]], draw) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        choices = known.get(name) or known.get("name")
        if name in ("assignment", "op", "definition", "endpoint_id"):
            choices = [str(uuid.UUID(int=7))]
        if name == "action":
            choices = ["start", "powerOff", "deallocate", "restart"]
        raw = draw(st.one_of(st.sampled_from(choices), path_text)) if choices else draw(path_text)
        return quote(raw, safe="")
    return re.sub(r"\{(\w+)(?::path)?\}", value, pattern)


NUMERIC_QUERY = ["$top", "$skiptoken", "limit", "after", "wait"]
HOSTILE_NUMBERS = ["9" * 5000, "99999999999999999999", "-1", "²", "inf"]


@st.composite
def queries(draw, area: str) -> dict[str, str]:
    query: dict[str, str] = {}
    if area:
        versions = SUPPORTED.get(area, SUPPORTED["subscriptions"])
        query["api-version"] = draw(st.one_of(st.sampled_from(versions), st.sampled_from(versions), ascii_text))
    if draw(st.integers(0, 2)) == 0:  # every number the route might read, hostile at once
        hostile = draw(st.sampled_from(HOSTILE_NUMBERS))
        return {**query, **{name: hostile for name in NUMERIC_QUERY}}
    for name in draw(st.lists(st.sampled_from(QUERY_NAMES), max_size=4, unique=True)):
        query[name] = draw(query_values)
    return query


@st.composite
def headers(draw) -> dict[str, str]:
    return {name: draw(HEADER_VALUES) for name in draw(st.lists(st.sampled_from(HEADER_NAMES), max_size=3, unique=True))}
