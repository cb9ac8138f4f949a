"""The log filter's quick pre-check (issue 14) lets a line without a secret's marker through untouched and still
masks every kind of secret the patterns know, whatever its case."""

import json
import logging

import pytest

from subplane import logs


@pytest.mark.parametrize("text, secret", [
    ("header BASIC dXNlcjpwYXNz", "dXNlcjpwYXNz"),
    ("Authorization: bearer abc.def", "abc.def"),
    ("token eyJhbGc.eyJzdWI.c2ln seen", "eyJhbGc"),
    ("PASSWORD=hunter2", "hunter2"),
    ("client_secret: s3cr3t", "s3cr3t"),
    ("url?SIG=abcdef&x=1", "abcdef"),
    ("ApiKey=k3y", "k3y"),
    ("refresh_token=r3fr3sh", "r3fr3sh"),
    ("signing with whsec_0123abc", "whsec_0123abc"),
])
def test_every_kind_of_secret_is_masked(text, secret):
    assert secret not in logs.redact(text)
    assert logs.MASK in logs.redact(text)


def test_a_line_without_a_marker_is_returned_as_it_is():
    line = "GET /subscriptions/70c1e554-68d3-4d6c-b032-b77749c0d9c8/resourceGroups/rg-1 200"
    assert logs.redact(line) is line


def test_the_json_line_keeps_non_ascii_text_and_non_string_keys():
    record = logging.makeLogRecord({"name": "subplane.test", "levelno": logging.INFO, "levelname": "INFO",
                                    "msg": "Überweisung %s", "args": ("ok",), "detail": {1: "één"}})
    entry = json.loads(logs.JsonFormatter().format(record))
    assert entry["message"] == "Überweisung ok" and entry["detail"] == {"1": "één"}
