"""Every (state, reason, action) of the lifecycle, against an expectation written out independently
of the implementation's table (lifecycle.md §2)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from subplane.domain import lifecycle
from subplane.domain.errors import Conflict
from subplane.domain.lifecycle import Effect, Outcome
from subplane.domain.lifecycle import LifecycleAction as A
from subplane.domain.lifecycle import Reason as R
from subplane.domain.lifecycle import State as S

STATES = [
    (S.ENABLED, None), (S.WARNED, None), (S.WARNED, R.CREDIT_NEARLY_USED), (S.WARNED, R.PAYMENT_OVERDUE_SOON),
    (S.PAST_DUE, None),
    *[(S.DISABLED, r) for r in (R.CANCELLED, R.SPENDING_LIMIT_REACHED, R.CREDIT_EXPIRED, R.NON_PAYMENT,
                                R.DISABLED_BY_OPERATOR)],
    *[(S.DELETED, r) for r in (R.DELETED_BY_OWNER, R.RETENTION_EXPIRED, R.DELETED_BY_OPERATOR)],
]

WARNED = [None, R.CREDIT_NEARLY_USED, R.PAYMENT_OVERDUE_SOON]

# (state, reason, action) -> (state after, reason after) | "same" | "keep". Everything else is refused.
EXPECTED = {
    (S.ENABLED, None, A.CANCEL): (S.DISABLED, R.CANCELLED),
    # Warned (lifecycle.md §2): usable like Enabled; cancel, rename, the spending limit, credit expiry and
    # past due apply as from Enabled; a repeated warning keeps the first; the condition clearing -> Enabled.
    **{(S.WARNED, r, A.CANCEL): (S.DISABLED, R.CANCELLED) for r in WARNED},
    **{(S.WARNED, r, A.RENAME): "keep" for r in WARNED},
    **{(S.WARNED, r, A.REACTIVATE): "same" for r in WARNED},
    **{(S.WARNED, r, A.REACH_SPENDING_LIMIT): (S.DISABLED, R.SPENDING_LIMIT_REACHED) for r in WARNED},
    **{(S.WARNED, r, A.EXPIRE_CREDIT): (S.DISABLED, R.CREDIT_EXPIRED) for r in WARNED},
    **{(S.WARNED, r, A.MARK_PAST_DUE): (S.PAST_DUE, None) for r in WARNED},
    **{(S.WARNED, r, A.WARN_CREDIT_NEARLY_USED): "same" for r in WARNED},
    **{(S.WARNED, r, A.WARN_PAYMENT_OVERDUE_SOON): "same" for r in WARNED},
    **{(S.WARNED, r, A.CLEAR_WARNING): (S.ENABLED, None) for r in WARNED},
    (S.ENABLED, None, A.WARN_CREDIT_NEARLY_USED): (S.WARNED, R.CREDIT_NEARLY_USED),
    (S.ENABLED, None, A.WARN_PAYMENT_OVERDUE_SOON): (S.WARNED, R.PAYMENT_OVERDUE_SOON),
    (S.ENABLED, None, A.CLEAR_WARNING): "same",
    # A new billing period with a renewing credit: the spending limit's stop and the credit warning end.
    (S.DISABLED, R.SPENDING_LIMIT_REACHED, A.RENEW_CREDIT): (S.ENABLED, None),
    (S.WARNED, R.CREDIT_NEARLY_USED, A.RENEW_CREDIT): (S.ENABLED, None),
    (S.WARNED, None, A.RENEW_CREDIT): "same",
    (S.WARNED, R.PAYMENT_OVERDUE_SOON, A.RENEW_CREDIT): "same",
    (S.ENABLED, None, A.RENEW_CREDIT): "same",
    (S.PAST_DUE, None, A.CANCEL): (S.DISABLED, R.CANCELLED),
    # A cancel scheduled for later (issue 13's trial): allowed wherever a cancel is, the state unchanged until then.
    (S.ENABLED, None, A.SCHEDULE_CANCEL): "keep",
    **{(S.WARNED, r, A.SCHEDULE_CANCEL): "keep" for r in WARNED},
    (S.PAST_DUE, None, A.SCHEDULE_CANCEL): "keep",
    (S.DISABLED, R.CANCELLED, A.CANCEL): "same",
    (S.DISABLED, R.CANCELLED, A.REACTIVATE): (S.ENABLED, None),
    (S.ENABLED, None, A.REACTIVATE): "same",
    (S.DISABLED, R.CANCELLED, A.DELETE): (S.DELETED, R.DELETED_BY_OWNER),
    (S.DISABLED, R.CANCELLED, A.EXPIRE_RETENTION): (S.DELETED, R.RETENTION_EXPIRED),
    (S.ENABLED, None, A.RENAME): "keep",
    (S.PAST_DUE, None, A.RENAME): "keep",
    **{(S.DISABLED, r, A.RENAME): "keep" for r in (R.CANCELLED, R.SPENDING_LIMIT_REACHED, R.CREDIT_EXPIRED,
                                                  R.NON_PAYMENT, R.DISABLED_BY_OPERATOR)},
    (S.ENABLED, None, A.REACH_SPENDING_LIMIT): (S.DISABLED, R.SPENDING_LIMIT_REACHED),
    (S.ENABLED, None, A.EXPIRE_CREDIT): (S.DISABLED, R.CREDIT_EXPIRED),
    (S.DISABLED, R.SPENDING_LIMIT_REACHED, A.LIFT_SPENDING_LIMIT): (S.ENABLED, None),
    (S.DISABLED, R.CREDIT_EXPIRED, A.LIFT_SPENDING_LIMIT): (S.ENABLED, None),
    (S.ENABLED, None, A.MARK_PAST_DUE): (S.PAST_DUE, None),
    (S.PAST_DUE, None, A.SETTLE): (S.ENABLED, None),
    (S.DISABLED, R.NON_PAYMENT, A.SETTLE): (S.ENABLED, None),
    (S.PAST_DUE, None, A.DISABLE_FOR_NON_PAYMENT): (S.DISABLED, R.NON_PAYMENT),
    (S.ENABLED, None, A.SWITCH_OFFER): "keep",
}

CASES = [(state, reason, action) for state, reason in STATES for action in A]


@pytest.mark.parametrize(("state", "reason", "action"), CASES,
                         ids=[f"{s.value}-{r.value if r else '-'}-{a.value}" for s, r, a in CASES])
def test_every_state_and_action(state, reason, action):
    rule = lifecycle.find_rule(state, reason, action)
    expected = EXPECTED.get((state, reason, action))
    if expected is None:
        assert rule is None, f"{state}/{reason} must refuse {action}"
        return
    assert rule is not None, f"{state}/{reason} must allow {action}"
    if expected == "same":
        assert rule.outcome is Outcome.SAME
    elif expected == "keep":
        assert rule.outcome is Outcome.KEEP
    else:
        assert rule.outcome is Outcome.CHANGE
        assert (rule.to_state, rule.to_reason) == expected
        assert rule.effect is expected_effect(state, expected[0])


def expected_effect(before: S, after: S) -> Effect:
    """lifecycle.md §3 and §6: entering Disabled turns resources off, leaving it turns storage back
    on, reaching Deleted purges; moves between the usable states touch no resource."""
    if after is S.DELETED:
        return Effect.PURGE
    if after is S.DISABLED:
        return Effect.DISABLE
    if before is S.DISABLED:
        return Effect.ENABLE
    return Effect.NONE


NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def _sub(state=S.ENABLED, reason=None, **changes):
    base = lifecycle.Subscription("00000000-0000-0000-0000-000000000001", "Productie", "t", "b", "MS-AZR-0003P",
                                  state, reason, NOW - timedelta(days=40))
    return replace(base, **changes)


def test_refused_action_names_state_and_action(offers):
    deleted = _sub(S.DELETED, R.RETENTION_EXPIRED)
    with pytest.raises(Conflict) as refused:
        lifecycle.reactivate(deleted, offer=offers.get("MS-AZR-0003P"), now=NOW)
    assert refused.value.code == "InvalidStateTransition"
    assert "Deleted" in refused.value.message and "reactivate" in refused.value.message
