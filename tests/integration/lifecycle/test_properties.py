"""Random sequences of cancel / reactivate / start / advance keep the lifecycle's invariants."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from subplane.domain.access import OPERATOR
from subplane.domain.errors import DomainError
from subplane.domain.resources import PowerState, ResourceType, VmAction

STEPS = st.lists(
    st.one_of(
        st.just(("cancel",)),
        st.just(("reactivate",)),
        st.just(("start",)),
        st.just(("deallocate",)),
        st.tuples(st.just("advance"), st.integers(min_value=1, max_value=40 * 24)),  # hours
    ),
    min_size=1,
    max_size=12,
)


EXPECTED_REFUSALS = {
    "cancel": {"InvalidStateTransition"},  # after deletion
    "reactivate": {"InvalidStateTransition", "RetentionExpired"},
    "start": {"ReadOnlyDisabledSubscription", "ResourceNotFound", "SubscriptionDeleted"},
    "deallocate": {"ReadOnlyDisabledSubscription", "ResourceNotFound", "SubscriptionDeleted"},
    "advance": set(),
}


def _new_subscription(app, account_id: str, offer_id: str):
    sub = app.subscriptions.create(actor=OPERATOR, display_name="prop", billing_account_id=account_id,
                                   offer_id=offer_id)
    ref = sub.subscription_id
    app.resources.create_group(actor=OPERATOR, subscription=ref, name="rg", location="westeurope")
    app.resources.create_vm(actor=OPERATOR, subscription=ref, group="rg", name=f"vm{ref[:8]}", public_ip="Dynamic")
    store = app.resources.create_storage_account(actor=OPERATOR, subscription=ref, group="rg", name=f"s{ref[:8]}")
    app.blobs.create_container(actor=OPERATOR, account=store.resource_id, name="data")
    app.blobs.put(actor=OPERATOR, account=store.resource_id, container="data", name="b", data=b"bytes" * 10)
    return sub


def _check_invariants(app, sub_id: str, expected_cancels: int, expected_reactivations: int, last_cancel):
    with app.uow(read_only=True) as uow:
        sub = uow.subscriptions.get(sub_id)
        fleet = uow.resources.list(sub_id)
        cancels = uow.activity.count(subscription_id=sub_id, action="cancel", outcome="Succeeded")
        reactivations = uow.activity.count(subscription_id=sub_id, action="reactivate", outcome="Succeeded")
    assert cancels == expected_cancels
    assert reactivations == expected_reactivations
    if sub.state.value == "Disabled":
        assert not [r for r in fleet if r.power_state is PowerState.RUNNING]
        assert not [r for r in fleet if r.type is ResourceType.STORAGE_ACCOUNT and not r.read_only]
        if sub.state_reason.value == "Cancelled":
            retention = app.offers.get(sub.offer_id).retention_days
            assert sub.deletion_date == last_cancel + timedelta(days=retention)
    if sub.state.value == "Deleted":
        with app.uow(read_only=True) as uow:
            assert uow.activity.count(subscription_id=sub_id, action="expireRetention", outcome="Succeeded") == 1
        assert fleet == []
        assert app.blobstore.subscription_bytes(sub_id) == 0
    return sub


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS, offer_id=st.sampled_from(["MS-AZR-0003P", "MS-AZR-0044P"]))
def test_random_lifecycles_keep_the_invariants(demo_app, steps, offer_id):
    account_id = demo_app.subscriptions.get(actor=OPERATOR, ref="Ontwikkeling").billing_account_id
    sub = _new_subscription(demo_app, account_id, offer_id)
    sub_id = sub.subscription_id
    vm = f"vm{sub_id[:8]}"
    cancels = reactivations = 0
    last_cancel = None
    for step in steps:
        try:
            if step[0] == "cancel":
                result = demo_app.subscriptions.cancel(actor=OPERATOR, ref=sub_id, reason="p", turn_off_resources=True)
                if result.changed:
                    cancels += 1
                    last_cancel = result.subscription.cancelled_at
            elif step[0] == "reactivate":
                before = demo_app.subscriptions.get(actor=OPERATOR, ref=sub_id).state.value
                demo_app.subscriptions.reactivate(actor=OPERATOR, ref=sub_id)
                reactivations += before == "Disabled"
            elif step[0] in ("start", "deallocate"):
                demo_app.resources.vm_action(actor=OPERATOR, vm=vm, action=VmAction(step[0]))
            else:
                demo_app.clock_control.advance(timedelta(hours=step[1]))
        except DomainError as refused:
            # Only the refusals the lifecycle defines for the current state are acceptable.
            assert refused.code in EXPECTED_REFUSALS[step[0]], (step, refused.code)
        _check_invariants(demo_app, sub_id, cancels, reactivations, last_cancel)
