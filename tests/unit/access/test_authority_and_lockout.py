"""The pure rules of issue 10 §1–§2: which audiences and issuer follow from the public URLs, and when a
name is locked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from subplane.domain.authority import Authority, audience_for_scope
from subplane.domain.lockout import Attempts, LockoutPolicy, subject_key

AUTHORITY = Authority(("https://subplane.example", "https://10.0.0.5:8443"))


def test_the_issuer_is_the_primary_url_whatever_else_is_configured():
    assert AUTHORITY.issuer("t1") == "https://subplane.example/t1/v2.0"


@pytest.mark.parametrize("audience, served", [
    ("https://management.azure.com/", True), ("https://management.core.windows.net", True),
    ("https://SUBPLANE.example/", True), ("https://10.0.0.5:8443/", True), ("https://storage.azure.com/", True),
    ("https://subplane.example/blob/contosodata/", True), ("https://subplane.example/blob/a/", False),
    ("https://subplane.example/blob/contosodata/x/", False), ("https://subplane.example.evil/", False),
    ("https://graph.microsoft.com/", False), ("https://subplane.example/graph/", True),
    ("https://10.0.0.5:8443/graph", True), ("https://subplane.example/graph/x/", False), ("", False),
])
def test_which_audiences_are_served(audience, served):
    assert AUTHORITY.serves(audience) is served


@pytest.mark.parametrize("scope, audience", [
    ("https://management.core.windows.net//.default", "https://management.core.windows.net/"),
    ("openid profile offline_access https://storage.azure.com/.default", "https://storage.azure.com/"),
    ("openid profile", ""),
])
def test_the_audience_of_a_scope(scope, audience):
    assert audience_for_scope(scope) == audience


def test_links_use_the_configured_url_the_client_came_by_else_the_primary():
    assert AUTHORITY.base_for("https://10.0.0.5:8443") == "https://10.0.0.5:8443"
    assert AUTHORITY.base_for("https://evil.example") == "https://subplane.example"
    assert AUTHORITY.base_for("http://subplane.example") == "https://subplane.example"


def test_a_lock_holds_until_its_instant():
    policy = LockoutPolicy()
    now = datetime(2030, 1, 1, tzinfo=UTC)
    locked = Attempts(5, now, now + timedelta(minutes=15))
    assert policy.locked_until(locked, now + timedelta(minutes=14, seconds=59)) == now + timedelta(minutes=15)
    assert policy.locked_until(locked, now + timedelta(minutes=15)) is None
    assert policy.locked_until(Attempts(4, now, None), now) is None
    assert policy.locked_until(None, now) is None
    count = policy.failure(now)
    assert (count.restart_before, count.lock_until) == (now - timedelta(minutes=15), now + timedelta(minutes=15))


def test_subject_keys_ignore_case_and_spaces_and_keep_kinds_apart():
    assert subject_key("user", " Admin@Contoso.example ") == subject_key("user", "admin@contoso.example")
    assert subject_key("user", "x") != subject_key("client", "x")
    assert len(subject_key("user", "\ud800" * 1000)) == 64
