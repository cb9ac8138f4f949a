"""Each fake answers to the names and parameters of what it stands in for: a method the fake has and the real
class lacks, or a parameter spelt differently, would let a service test pass on a call production cannot make."""

from __future__ import annotations

import inspect
import re

import pytest

from subplane.adapters.db.arm_repo import BillingRoleRepo
from subplane.adapters.db.blobs_repo import BlobRepo
from subplane.adapters.db.directory_repo import DirectoryRepo
from subplane.adapters.db.jobs_repo import JobRepo
from subplane.adapters.db.management_repo import ManagementGroupRepo
from subplane.adapters.db.records_repo import ActivityRepo, OutboxRepo
from subplane.adapters.db.resources_repo import ResourceRepo
from subplane.adapters.db.subscriptions_repo import SubscriptionRepo
from subplane.services.forgetting import Forgetting
from subplane.services.hooks import BillingHooks, MeteringHooks
from subplane.services.unit_of_work import UnitOfWork

from . import fakes

PAIRS = [
    (fakes.FakeSubscriptionRepo, SubscriptionRepo), (fakes.FakeResourceRepo, ResourceRepo),
    (fakes.FakeBlobRepo, BlobRepo), (fakes.FakeDirectoryRepo, DirectoryRepo), (fakes.FakeJobRepo, JobRepo),
    (fakes.FakeManagementGroupRepo, ManagementGroupRepo), (fakes.FakeActivityRepo, ActivityRepo),
    (fakes.FakeOutboxRepo, OutboxRepo), (fakes.FakeBillingRoleRepo, BillingRoleRepo),
    (fakes.FakeMetering, MeteringHooks), (fakes.FakeBilling, BillingHooks), (fakes.FakeForgetting, Forgetting),
]


def _parameters(function) -> list[tuple[str, object, object]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def _methods(cls) -> list[str]:
    own = [name for name, value in vars(cls).items() if callable(value) and not name.startswith("_")]
    return sorted(own)


@pytest.mark.parametrize(("fake", "real"), PAIRS, ids=[fake.__name__ for fake, _ in PAIRS])
def test_every_method_of_the_fake_is_the_real_ones_with_the_same_parameters(fake, real):
    assert _methods(fake), fake
    for name in _methods(fake):
        assert hasattr(real, name), f"{real.__name__} has no {name}"
        assert _parameters(getattr(fake, name)) == _parameters(getattr(real, name)), f"{fake.__name__}.{name}"


def test_the_fake_unit_of_work_names_its_repositories_as_the_real_one_does():
    real = dict(re.findall(r"self\.(\w+) = (\w+Repo)\(", inspect.getsource(UnitOfWork.__enter__)))
    with fakes.fake_uow_factory()() as uow:
        fake = {name: type(value).__name__ for name, value in vars(uow).items() if type(value).__name__.endswith("Repo")}
    assert fake == {name: f"Fake{real[name]}" for name in fake}  # each where the real one has it, of the same kind
    assert set(real) - set(fake) == {"billing"}  # SubscriptionService's use cases reach billing through BillingHooks
