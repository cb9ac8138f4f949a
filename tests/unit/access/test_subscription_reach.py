"""Which subscriptions a principal sees in the list: the rule (``SubscriptionReach``) and the group subtree."""

from __future__ import annotations

from subplane.domain.access import OPERATOR, SYSTEM, Principal, PrincipalKind, subscription_reach
from subplane.domain.management_groups import covered

USER = Principal("u1", "someone@contoso.example", PrincipalKind.USER)
PARENTS = {"tenant": None, "Platform": "tenant", "platform-child": "Platform", "leaf": "platform-child",
           "elsewhere": "tenant"}


def _sees(rule, *, assigned=False, account="acct-2", tenant="other", group=None, deleted=False) -> bool:
    return rule.reaches(assigned_within=assigned, billing_account_id=account, tenant_id=tenant, group_key=group,
                        deleted=deleted)


def test_a_role_at_a_group_covers_it_and_every_group_below_it_without_case():
    assert covered(["PLATFORM"], PARENTS) == {"Platform", "platform-child", "leaf"}
    assert covered(["leaf", "elsewhere"], PARENTS) == {"leaf", "elsewhere"}
    assert covered(["tenant"], PARENTS) == set(PARENTS)
    assert covered(["unknown"], PARENTS) == set()


def test_the_operator_and_the_system_see_everything():
    for principal in (OPERATOR, SYSTEM):
        rule = subscription_reach(principal, covered_groups=(), root_tenant=None, administered=())
        assert rule.everything and _sees(rule, deleted=True)


def test_what_reaches_a_subscription_for_anyone_else():
    rule = subscription_reach(USER, covered_groups={"Platform", "platform-child"}, root_tenant=None,
                              administered=["acct-1"])
    assert not rule.everything and not _sees(rule)
    assert _sees(rule, assigned=True) and _sees(rule, assigned=True, deleted=True)  # its own roles, even when deleted
    assert _sees(rule, account="acct-1") and _sees(rule, account="acct-1", deleted=True)  # the accounts it administers
    assert _sees(rule, group="platform-child") and _sees(rule, group="PLATFORM")
    assert not _sees(rule, group="platform-child", deleted=True)  # a group no longer reaches a purged subscription
    assert not _sees(rule, group="elsewhere") and not _sees(rule, tenant="t1")


def test_a_role_at_the_tenant_root_reaches_the_tenants_subscriptions_until_deleted():
    rule = subscription_reach(USER, covered_groups=set(PARENTS), root_tenant="t1", administered=())
    assert _sees(rule, tenant="t1") and not _sees(rule, tenant="t1", deleted=True) and not _sees(rule, tenant="t2")
