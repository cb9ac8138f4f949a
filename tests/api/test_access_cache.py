"""What a principal may do is cached per process while the database's access token holds (issue 14): a role removed
or granted through this process, another process on the same database, or raw SQL takes effect on the next request."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from subplane import demo
from subplane.adapters.db.tables import role_assignments
from subplane.domain.access import OPERATOR, Principal, PrincipalKind, Role
from subplane.domain.errors import DomainError
from subplane.services.access_cache import StandingCache


def reader_of(app, sub_name: str = "Productie"):
    """The demo's reader user, its assignment on the subscription, and the subscription id."""
    sub = app.subscriptions.get(actor=OPERATOR, ref=sub_name).subscription_id
    with app.uow(read_only=True) as uow:
        user_id = uow.directory.user_credential(f"reader@{demo.DOMAIN}").principal.principal_id
    assignment = next(a for a in app.management.role_assignments(actor=OPERATOR, subscription=sub)
                      if a.principal_id == user_id)
    return Principal(user_id, "reader", PrincipalKind.USER), assignment, sub


def refused(app, reader: Principal, sub: str) -> bool:
    try:
        app.subscriptions.get_with_tags(actor=reader, ref=sub)
    except DomainError as error:
        assert error.code == "AuthorizationFailed"
        return True
    return False


@pytest.fixture
def two(make_app, tmp_path):
    a = make_app(data_dir=tmp_path / "a")
    b = make_app(data_dir=tmp_path / "b")
    demo.seed(a)
    return a, b


def test_a_role_removed_in_this_process_refuses_the_next_read(demo_app):
    reader, assignment, sub = reader_of(demo_app)
    assert not refused(demo_app, reader, sub) and not refused(demo_app, reader, sub)  # the second from the cache
    assert demo_app.access_cache._entries  # the standing is cached
    demo_app.management.delete_role_assignment(actor=OPERATOR, assignment_id=assignment.assignment_id)
    assert refused(demo_app, reader, sub)


def test_a_role_removed_through_another_process_refuses_the_next_read_here(two):
    a, b = two
    reader, assignment, sub = reader_of(a)
    assert not refused(a, reader, sub) and not refused(a, reader, sub)
    b.management.delete_role_assignment(actor=OPERATOR, assignment_id=assignment.assignment_id)
    assert refused(a, reader, sub)


def test_a_role_granted_through_another_process_is_honoured_on_the_next_read_here(two):
    a, b = two
    reader, assignment, sub = reader_of(a)
    a.management.delete_role_assignment(actor=OPERATOR, assignment_id=assignment.assignment_id)
    assert refused(a, reader, sub) and refused(a, reader, sub)  # the refusal's standing is cached too
    b.directory.assign_role(actor=OPERATOR, subscription=sub, principal_id=reader.principal_id, role=Role.READER)
    assert not refused(a, reader, sub)


def test_a_role_deleted_by_raw_sql_refuses_the_next_read(two):
    a, b = two
    reader, assignment, sub = reader_of(a)
    assert not refused(a, reader, sub)
    with b.engine.begin() as conn:  # no service: a tool, a restore, an operator's psql
        conn.execute(delete(role_assignments).where(role_assignments.c.assignment_id == assignment.assignment_id))
    assert refused(a, reader, sub)


def test_the_cache_forgets_the_least_recently_used_and_a_changed_token_misses():
    cache = StandingCache(size=2)
    cache.put(("p", "s1"), "t1", "one")
    cache.put(("p", "s2"), "t1", "two")
    assert cache.get(("p", "s1"), "t1") == "one"  # s1 used last: s2 goes next
    cache.put(("p", "s3"), "t1", "three")
    assert cache.get(("p", "s2"), "t1") is None and cache.get(("p", "s1"), "t1") == "one"
    assert cache.get(("p", "s1"), "t2") is None  # another token: what it guards changed


def test_a_role_removed_and_checked_inside_one_writing_unit_of_work_is_refused_there(demo_app):
    from subplane.services.access import require_visible

    reader, assignment, sub = reader_of(demo_app)
    assert not refused(demo_app, reader, sub)  # cached
    with pytest.raises(DomainError, match="AuthorizationFailed|does not have authorization"):
        with demo_app.uow() as uow:
            subscription = uow.subscriptions.get(sub)
            require_visible(uow, demo_app.offers, reader, subscription)  # cached standing: allowed
            uow.directory.delete_role_assignment(assignment.assignment_id)
            require_visible(uow, demo_app.offers, reader, subscription)  # after its own delete: refused
