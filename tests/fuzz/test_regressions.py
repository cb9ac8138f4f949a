"""One test per class of input that reached a 500 before (issue 10 §3): each is refused with a 400 and its
ARM code, and the database is as it was (``fingerprint``: row counts + the rows of the core tables)."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import update

from subplane.adapters.db.tables import resource_groups, resources
from subplane.domain.access import OPERATOR, Role
from subplane.domain.errors import InvalidInput
from tests.cli.test_cli_walkthrough import Cli

from .conftest import fingerprint

RG, VM, NET, STORAGE, AUTH, ACTION = "2025-04-01", "2026-04-01", "2025-05-01", "2026-09-01", "2022-04-01", "2021-10-01"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
DEEP = b"[" * 100_000 + b"]" * 100_000


def _paths(arm) -> dict[str, str]:
    sub = arm.subscription_id("Productie")
    group = f"/subscriptions/{sub}/resourceGroups/productie-rg"
    return {"sub": f"/subscriptions/{sub}", "group": group, "vm": f"{group}/providers/Microsoft.Compute/virtualMachines/web-01",
            "nic": f"{group}/providers/Microsoft.Network/networkInterfaces/fuzz-nic",
            "rename": f"/subscriptions/{sub}/providers/Microsoft.Subscription/rename",
            "alias": "/providers/Microsoft.Subscription/aliases/fuzz-alias",
            "assignment": f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}"}


def _refused(arm, method: str, path: str, version: str, code: str, *, body: bytes | None = None, role: str = "owner",
             token: str | None = None, **kwargs) -> dict:
    """The call answers 400 with ``code`` in ARM's envelope, and nothing in the database changed."""
    before = fingerprint(arm.app.engine)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    answer = arm.call(method, path, version=version, content=body, headers=headers, role=role, token=token, **kwargs)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == code and error["message"], error
    assert fingerprint(arm.app.engine) == before
    return error


def test_a_deeply_nested_body_is_refused_before_parsing_recurses(arm):
    for which, method, version in (("group", "PUT", RG), ("rename", "POST", ACTION), ("alias", "PUT", ACTION),
                                   ("vm", "PATCH", VM)):
        error = _refused(arm, method, _paths(arm)[which], version, "InvalidRequestContent", body=DEEP)
        assert "nested deeper" in error["message"]


def test_deep_nesting_and_bad_bodies_on_the_emulator_controls_are_400s(arm):
    for path in ("/_subplane/clock", "/_subplane/faults", "/_subplane/webhooks", "/_subplane/reset"):
        for body in (DEEP, b'{"a": 1, "a": 2}', b'{"n": ' + b"9" * 5000 + b"}", b'{"x": "\\ud800"}', b"{"):
            before = fingerprint(arm.app.engine)
            answer = arm.client.post(path, content=body, headers={"Content-Type": "application/json"})
            assert answer.status_code == 400 and answer.json()["error"]["code"] == "InvalidRequestContent", (path, body[:20])
            assert fingerprint(arm.app.engine) == before


WRONG_TYPES = {
    "ipConfigurations a string": ("nic", "PUT", NET, {"location": "westeurope", "properties": {"ipConfigurations": "x"}}),
    "ipConfigurations of numbers": ("nic", "PUT", NET, {"location": "westeurope", "properties": {"ipConfigurations": [1]}}),
    "an ipConfiguration's properties a list": ("nic", "PUT", NET, {"location": "westeurope", "properties": {
        "ipConfigurations": [{"properties": ["x"]}]}}),
    "role-assignment properties a string": ("assignment", "PUT", AUTH, {"properties": "x"}),
    "role-assignment principalId a number": ("assignment", "PUT", AUTH, {"properties": {
        "roleDefinitionId": f"/providers/Microsoft.Authorization/roleDefinitions/{READER}", "principalId": 7}}),
    "alias displayName a list": ("alias", "PUT", ACTION, {"properties": {"displayName": ["x"],
                                                                         "billingScope": "/billingAccounts/contoso"}}),
    "alias workload an object": ("alias", "PUT", ACTION, {"properties": {"displayName": "x", "workload": {},
                                                                         "billingScope": "/billingAccounts/contoso"}}),
    "alias properties missing": ("alias", "PUT", ACTION, {"displayName": "x"}),
    "resource-group location a list": ("group", "PUT", RG, {"location": ["westeurope"]}),
    "resource-group location a number": ("group", "PUT", RG, {"location": 5}),
    "VM tags a string": ("vm", "PATCH", VM, {"tags": "x"}),
    "rename subscriptionName a number": ("rename", "POST", ACTION, {"subscriptionName": 5}),
    "a body that is a list": ("group", "PUT", RG, ["westeurope"]),
}


def test_a_wrongly_typed_field_is_invalid_request_content(arm):
    paths = _paths(arm)
    for case, (which, method, version, body) in WRONG_TYPES.items():
        error = _refused(arm, method, paths[which], version, "InvalidRequestContent", body=json.dumps(body).encode())
        assert error["message"], case


def test_duplicate_keys_are_refused(arm):
    for body in (b'{"location": "westeurope", "location": "eastus"}',
                 b'{"location": "westeurope", "tags": {"a": "1", "a": "2"}}'):
        error = _refused(arm, "PUT", _paths(arm)["group"].replace("productie-rg", "dup-rg"), RG, "InvalidRequestContent",
                         body=body)
        assert "more than once" in error["message"]


def test_a_lone_surrogate_in_a_rename_is_an_invalid_name_and_nothing_is_half_applied(arm):
    paths = _paths(arm)
    before = arm.call("GET", paths["sub"]).json()["displayName"]
    for name in ("\\ud800", "a\\udfffb", "x\\u0000y"):
        _refused(arm, "POST", paths["rename"], ACTION, "InvalidSubscriptionName",
                 body=f'{{"subscriptionName": "{name}"}}'.encode())
    answer = arm.call("GET", paths["sub"])
    assert answer.status_code == 200 and answer.json()["displayName"] == before
    listed = arm.call("GET", "/subscriptions")
    assert listed.status_code == 200 and before in [s["displayName"] for s in listed.json()["value"]]


def test_a_lone_surrogate_reaching_the_services_is_refused_and_the_refusal_is_logged(arm):
    """The CLI reads arguments with surrogateescape and a form may carry broken UTF-8: the domain rules hold there,
    and the activity log records the refusal (with U+FFFD for what it cannot store)."""
    before = fingerprint(arm.app.engine)
    with pytest.raises(InvalidInput) as renamed:
        arm.app.subscriptions.rename(actor=OPERATOR, ref="Productie", new_name="bad\udcff")
    with pytest.raises(InvalidInput) as grouped:
        arm.app.resources.create_group(actor=OPERATOR, subscription="Productie", name="rg\udcff", location="westeurope")
    with pytest.raises(InvalidInput) as located:
        arm.app.resources.create_group(actor=OPERATOR, subscription="Productie", name="rg", location="west\udcff")
    assert (renamed.value.code, grouped.value.code, located.value.code) == (
        "InvalidSubscriptionName", "InvalidResourceName", "LocationNotAvailableForResourceGroup")
    assert fingerprint(arm.app.engine) == before
    with arm.app.uow(read_only=True) as uow:
        refused = [r for r in uow.activity.list(limit=10_000) if r["action"] == "createResourceGroup"]
    assert [r["target"] for r in refused if r["code"] == "InvalidResourceName"] == ["rg\ufffd"]


def test_a_lone_surrogate_or_nul_in_a_location_is_refused_with_the_location_code(arm):
    paths = _paths(arm)
    for path, version, code in ((paths["group"].replace("productie-rg", "new-rg"), RG, "LocationNotAvailableForResourceGroup"),
                                (paths["vm"].replace("web-01", "new-vm"), VM, "LocationNotAvailableForResourceType"),
                                (paths["nic"], NET, "LocationNotAvailableForResourceType")):
        for location in ("\\ud800", "west\\u0000europe", "x" * 65):
            _refused(arm, "PUT", path, version, code, body=f'{{"location": "{location}"}}'.encode())


def test_a_surrogate_anywhere_else_in_a_body_is_refused(arm):
    body = b'{"location": "westeurope", "tags": {"\\ud800": "x"}}'
    _refused(arm, "PUT", _paths(arm)["group"].replace("productie-rg", "s-rg"), RG, "InvalidRequestContent", body=body)
    body = b'{"location": "westeurope", "ignored": ["a\\u0000"]}'
    _refused(arm, "PUT", _paths(arm)["group"].replace("productie-rg", "s-rg"), RG, "InvalidRequestContent", body=body)


def test_huge_or_malformed_paging_numbers_are_invalid_parameter(arm):
    paths = _paths(arm)
    for parameter in ("$top", "$skiptoken"):
        for value in ("9" * 5000, "99999999999999999999", "-1", "²", "1e3"):
            for path, version in ((f"{paths['sub']}/resourcegroups", RG), ("/subscriptions", "2022-12-01"),
                                  (f"{paths['sub']}/resources", RG)):
                error = _refused(arm, "GET", path, version, "InvalidParameter", params={parameter: value})
                assert parameter in error["message"]
        assert arm.call("GET", f"{paths['sub']}/resourcegroups", version=RG, params={parameter: "1"}).status_code == 200


def test_huge_limits_and_cursors_on_the_emulator_lists_are_400s(arm):
    for path, parameter in (("/_subplane/outbox", "limit"), ("/_subplane/outbox", "after"),
                            ("/_subplane/webhooks/deliveries", "limit"), ("/_subplane/outbox/messages", "limit"),
                            ("/_subplane/requests", "limit")):
        for value in ("9" * 5000, str(2**63), "-1", "abc"):
            answer = arm.client.get(path, params={parameter: value})
            assert answer.status_code == 400 and answer.json()["error"]["code"] == "InvalidParameter", answer.text
        assert arm.client.get(path, params={parameter: "1"}).status_code == 200


def test_clock_advances_and_waits_out_of_range_are_refused(arm):
    for body, code in (({"advance": "99999999999999d"}, "InvalidDuration"), ({"advance": "36526d"}, "InvalidDuration"),
                       ({"advance": "1d", "wait": "inf"}, "InvalidWait"), ({"advance": "1d", "wait": 1e308}, "InvalidWait"),
                       ({"advance": "1d", "wait": -1}, "InvalidWait"),
                       ({"to": "9999-12-31T23:59:59Z"}, "InvalidDuration"),
                       ({"to": "0001-01-01T00:00:00+14:00"}, "InvalidInstant")):
        before = fingerprint(arm.app.engine)
        answer = arm.client.post("/_subplane/clock", json=body)
        assert answer.status_code == 400 and answer.json()["error"]["code"] == code, (body, answer.text)
        assert fingerprint(arm.app.engine) == before
    assert arm.client.get("/_subplane/clock").json()["status"] == "ready"


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_clock_advance_on_the_command_line_is_bounded(database, tmp_path):
    cli = Cli(tmp_path / "data", database.url)
    cli("demo")
    before = cli.json("clock", "show")
    for duration in ("99999999999999d", "36526d", "9" * 5000 + "s"):
        done = cli("clock", "advance", duration, ok=False)
        assert done.returncode != 0 and "InvalidDuration" in done.stdout + done.stderr, done.stderr
        assert "Traceback" not in done.stderr
    assert cli.json("clock", "show") == before


def test_a_huge_x_ms_range_never_fails_a_download(arm):
    token = arm.token("owner", scope="https://storage.azure.com/.default")
    auth = {"Authorization": f"Bearer {token}", "x-ms-version": "2025-01-05"}
    account = "contosodata"
    assert arm.client.put(f"/blob/{account}/fuzz", headers=auth).status_code in (201, 409)
    assert arm.client.put(f"/blob/{account}/fuzz/b.txt", headers={**auth, "x-ms-blob-type": "BlockBlob"},
                          content=b"0123456789").status_code == 201
    for asked, status in (("bytes=0-" + "9" * 5000, 200), ("bytes=" + "9" * 30 + "-", 200), ("bytes=2-4", 206),
                          ("bytes=99-", 416)):
        answer = arm.client.get(f"/blob/{account}/fuzz/b.txt", headers={**auth, "x-ms-range": asked})
        assert answer.status_code == status, (asked, answer.text)
    assert arm.client.get(f"/blob/{account}/fuzz/b.txt", headers={**auth, "x-ms-range": "bytes=2-4"}).content == b"234"


@pytest.fixture
def group_contributor(arm):
    """A service principal that is Contributor of productie-rg only, and its ARM token."""
    with arm.app.uow() as uow:
        object_id, client_id = arm.app.directory.create_service_principal(uow, tenant_id=arm.tenant, name="rg-contrib",
                                                                          secret="group-secret")
    sub = arm.subscription_id("Productie")
    arm.app.directory.assign_role(actor=OPERATOR, subscription=sub, principal_id=object_id, role=Role.CONTRIBUTOR,
                                  scope=f"/subscriptions/{sub}/resourceGroups/productie-rg")
    answer = arm.client.post(f"/{arm.tenant}/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": "group-secret",
        "scope": "https://management.azure.com/.default"})
    return answer.json()["access_token"]


def test_a_group_contributor_cannot_store_tags_that_are_not_an_object(arm, group_contributor):
    paths = _paths(arm)
    for tags in ('"x"', "[\"x\"]", "5", '{"a": {"b": "c"}}'):
        _refused(arm, "PATCH", paths["vm"], VM, "InvalidRequestContent", token=group_contributor,
                 body=f'{{"tags": {tags}}}'.encode())
    patched = arm.call("PATCH", paths["vm"], version=VM, token=group_contributor, json={"tags": {"team": "web"}})
    assert patched.status_code == 200 and patched.json()["tags"] == {"team": "web"}
    assert arm.call("GET", paths["vm"], version=VM).status_code == 200
    assert arm.call("GET", f"{paths['sub']}/resources", version=RG).status_code == 200


TAG_LIMITS = [({f"t{i}": "v" for i in range(51)}, "InvalidTags"),
              ({"a/b": "v"}, "InvalidTagNameCharacters"), ({"a<b": "v"}, "InvalidTagNameCharacters"),
              ({"a\tb": "v"}, "InvalidTagNameCharacters"), ({"x" * 513: "v"}, "InvalidTagName"),
              ({" ": "v"}, "InvalidTagName"), ({"a": "v" * 257}, "InvalidTagValueLength")]


def test_tag_limits_hold_on_every_write_of_tags(arm):
    paths = _paths(arm)
    for tags, code in TAG_LIMITS:
        body = json.dumps({"tags": tags}).encode()
        _refused(arm, "PATCH", paths["vm"], VM, code, body=body)
        _refused(arm, "PATCH", paths["group"], RG, code, body=body)
        _refused(arm, "PUT", paths["group"].replace("productie-rg", "tagged-rg"), RG, code,
                 body=json.dumps({"location": "westeurope", "tags": tags}).encode())
        alias = {"properties": {"displayName": "tagged", "billingScope": f"/billingAccounts/{arm.demo['billingAccountId']}",
                                "additionalProperties": {"tags": tags}}}
        _refused(arm, "PUT", paths["alias"], ACTION, code, body=json.dumps(alias).encode())
    ok = {f"t{i}": "v" * 256 for i in range(50)}
    assert arm.call("PATCH", paths["group"], version=RG, json={"tags": ok}).json()["tags"] == ok


def test_storage_account_tag_names_stop_at_128_characters(arm):
    account = f"{_paths(arm)['group']}/providers/Microsoft.Storage/storageAccounts/contosodata"
    _refused(arm, "PATCH", account, STORAGE, "InvalidTagName", body=json.dumps({"tags": {"x" * 129: "v"}}).encode())
    assert arm.call("PATCH", account, version=STORAGE, json={"tags": {"x" * 128: "v"}}).status_code == 200


def test_tags_stored_before_the_rule_do_not_break_reads_or_lists(arm):
    """Rows written by an older Subplane (tags "x") read as no tags instead of answering 500."""
    paths = _paths(arm)
    sub = arm.subscription_id("Productie")
    with arm.app.engine.begin() as conn:
        for row in conn.execute(resources.select().where(resources.c.subscription_id == sub)).all():
            conn.execute(update(resources).where(resources.c.id_key == row.id_key)
                         .values(properties={**(row.properties or {}), "tags": "x"}))
        conn.execute(update(resource_groups).where(resource_groups.c.subscription_id == sub).values(tags=["x"]))
    vm = arm.call("GET", paths["vm"], version=VM)
    assert vm.status_code == 200 and vm.json()["tags"] == {}
    for path, version in ((f"{paths['sub']}/resources", RG), (f"{paths['sub']}/resourcegroups", RG),
                          (f"{paths['sub']}/providers/Microsoft.Compute/virtualMachines", VM), (paths["group"], RG)):
        answer = arm.call("GET", path, version=version)
        assert answer.status_code == 200, (path, answer.text)


def test_a_nul_in_a_url_is_refused_before_routing(arm):
    paths = _paths(arm)
    for path in (f"{paths['sub']}/resourcegroups/a%00b", "/blob/contosodata/c%00/x", "/_subplane/webhooks/a%00"):
        answer = arm.call("GET" if "webhooks" not in path else "DELETE", path, version=RG)
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "InvalidParameter", path
    answer = arm.client.get("/_subplane/outbox", params={"subscription": "a\x00"})
    assert answer.status_code == 400


def test_a_role_assignment_needs_guids(arm):
    paths = _paths(arm)
    body = {"properties": {"roleDefinitionId": f"/providers/Microsoft.Authorization/roleDefinitions/{READER}",
                           "principalId": "x" * 40}}
    _refused(arm, "PUT", paths["assignment"], AUTH, "InvalidPrincipalId", body=json.dumps(body).encode())
    body["properties"]["principalId"] = str(uuid.uuid4())
    _refused(arm, "PUT", paths["assignment"].rsplit("/", 1)[0] + "/" + "a" * 40, AUTH, "InvalidRoleAssignmentId",
             body=json.dumps(body).encode())
