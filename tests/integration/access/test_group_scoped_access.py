"""A principal whose only role is on one resource group: sees the subscription (list and show alike, as in
Azure), lists only that group and its resources, and reads nothing else of the subscription."""

from __future__ import annotations

import pytest

from subplane.domain.access import OPERATOR, Role
from subplane.domain.errors import Forbidden
from subplane.domain.resources import ResourceType


@pytest.fixture
def group_reader(demo_app):
    sub = demo_app.subscriptions.get(actor=OPERATOR, ref="Productie")
    demo_app.resources.create_group(actor=OPERATOR, subscription="Productie", name="other-rg", location="westeurope")
    demo_app.resources.create_storage_account(actor=OPERATOR, subscription="Productie", group="other-rg",
                                              name="otherdata", location="westeurope")
    with demo_app.uow() as uow:
        user_id = demo_app.directory.create_user(uow, tenant_id=sub.tenant_id, upn="rg-reader@contoso.example",
                                                 display_name="Groep Lezer", password="Groep-lezer-2026")
    demo_app.directory.assign_role(actor=OPERATOR, subscription="Productie", principal_id=user_id, role=Role.READER,
                                   scope=f"{sub.resource_id}/resourceGroups/productie-rg")
    return demo_app.directory.principal("rg-reader@contoso.example")


def test_the_subscription_is_listed_and_shown_alike(demo_app, group_reader):
    listed = [s.display_name for s in demo_app.subscriptions.list(actor=group_reader)]
    assert listed == ["Productie"]
    assert demo_app.subscriptions.get(actor=group_reader, ref="Productie").display_name == "Productie"
    with pytest.raises(Forbidden):
        demo_app.subscriptions.get(actor=group_reader, ref="Ontwikkeling")  # no role there at all


def test_only_the_groups_resources_and_the_group_are_listed(demo_app, group_reader):
    everything = demo_app.resources.list(actor=OPERATOR, subscription="Productie")
    mine = demo_app.resources.list(actor=group_reader, subscription="Productie")
    assert "otherdata" in {r.name for r in everything}
    assert mine == [r for r in everything if r.resource_group == "productie-rg"] and len(mine) < len(everything)
    groups = [g.name for g in demo_app.management.list_groups(actor=group_reader, subscription="Productie")]
    assert groups == ["productie-rg"]
    assert {g.name for g in demo_app.management.list_groups(actor=OPERATOR, subscription="Productie")} >= {"productie-rg", "other-rg"}


def test_the_subscriptions_own_records_stay_closed(demo_app, group_reader):
    with pytest.raises(Forbidden):
        demo_app.subscriptions.activity(actor=group_reader, ref="Productie")
    vm = next(r for r in demo_app.resources.list(actor=group_reader, subscription="Productie")
              if r.type is ResourceType.VIRTUAL_MACHINE)
    assert demo_app.resources.get(actor=group_reader, ref=vm.resource_id).name == vm.name
