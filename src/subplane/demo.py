"""The demo directory of the README's tour. Seeding is idempotent: run it as often as you like."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from .adapters.db.arm_repo import BillingRoleRepo
from .adapters.db.ops_repo import SecretRepo
from .adapters.passwords import hash_secret, new_secret
from .domain.access import OPERATOR, BillingRole, Role
from .domain.errors import NotFound

if TYPE_CHECKING:
    from .bootstrap import App

DEMO_PASSWORD = "Contoso-demo-2026"
# argon2id of DEMO_PASSWORD with argon2-cffi's default parameters, computed once and kept here: the password is
# published (README, demo.json), so a per-installation salt protects nothing, and three hashes at seeding cost
# about 0.5 s of a fresh ``serve --demo``. tests/unit/access/test_demo_password_hash.py checks it verifies and is current.
DEMO_PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$XkVnL2pNNnFuoYAzB12/zQ$p2LJE/ht6cWk0aidZsqruA3HgAgq7RbYzwhm9vUuQV0"
DOMAIN = "contoso.example"
USERS = (
    ("admin", "Anna de Vries", "AccountAdministrator"),
    ("owner", "Bram Jansen", "Owner"),
    ("reader", "Cor Visser", "Reader"),
)
SERVICE_PRINCIPALS = (("subplane-owner", Role.OWNER), ("subplane-reader", Role.READER))
SUBSCRIPTIONS = (("Productie", "MS-AZR-0003P"), ("Proefversie", "MS-AZR-0044P"), ("Ontwikkeling", "MS-AZR-0023P"))
BLOBS = {
    "leesmij.txt": b"Contoso productiegegevens. Deze bestanden blijven leesbaar tijdens de bewaarperiode.\n",
    "export-2026-10.csv": b"datum,klant,bedrag\n2026-10-01,Fabrikam,1234.56\n2026-10-02,Northwind,99.95\n",
    "logo.txt": b"CONTOSO\n",
}


def seed(app: App) -> dict:
    """Create the demo data if it is not there yet; return what ``demo.json`` holds."""
    app.settings.require_emulator("The demo data")
    demo_file = app.settings.data_dir / "demo.json"
    with app.uow() as uow:
        account = uow.directory.find_billing_account_by_name("Contoso")
        if account is None:
            account_id, tenant_id, user_ids = _directory(app, uow)
        else:
            account_id, tenant_id = account.billing_account_id, uow.directory.user_tenant(account.admin_user_id)
            user_ids = {role: _demo_user_id(uow, f"{name}@{DOMAIN}") for name, _, role in USERS}
        principals = _service_principals(app, uow, tenant_id, demo_file)
        _billing_roles(uow, account_id, principals)
        _customer_details(uow, account_id)
    for name, offer_id in SUBSCRIPTIONS:
        _subscription(app, name, offer_id, account_id, user_ids, principals)
    _management_groups(app, principals)
    _budget(app)
    demo = {
        "tenantId": tenant_id,
        "billingAccountId": account_id,
        "users": [{"userPrincipalName": f"{n}@{DOMAIN}", "password": DEMO_PASSWORD, "role": r} for n, _, r in USERS],
        "servicePrincipals": [
            {"name": p["name"], "clientId": p["clientId"], "clientSecret": p["clientSecret"], "role": p["role"]}
            for p in principals
        ],
    }
    demo_file.write_text(json.dumps(demo, indent=2) + "\n", encoding="utf-8")
    demo_file.chmod(0o600)
    return demo


def _demo_user_id(uow, upn: str) -> str:
    credential = uow.directory.user_credential(upn)
    if credential is None:
        raise NotFound("DemoUserNotFound", f"The demo billing account exists but its user {upn} does not; "
                                           "restore the user or start from an empty database.")
    return credential.principal.principal_id


def _directory(app: App, uow) -> tuple[str, str, dict[str, str]]:
    tenant_id = app.directory.create_tenant(uow, name="Contoso", domain=DOMAIN)
    user_ids = {
        role: app.directory.create_user(uow, tenant_id=tenant_id, upn=f"{name}@{DOMAIN}", display_name=display,
                                        password=DEMO_PASSWORD, password_hash=DEMO_PASSWORD_HASH)
        for name, display, role in USERS
    }
    account_id = app.directory.create_billing_account(uow, name="Contoso", currency="EUR", country="NL",
                                                      language="nl", admin_user_id=user_ids["AccountAdministrator"])
    return account_id, tenant_id, user_ids


def _service_principals(app: App, uow, tenant_id: str, demo_file: Path) -> list[dict]:
    """Secrets are stored hashed in the directory; their plain text, for ``demo.json``, is kept in
    ``installation_secrets`` (per principal object id), so every process on the database writes a
    ``demo.json`` that works and seeding never rotates a secret some client already holds."""
    result = []
    for name, role in SERVICE_PRINCIPALS:
        stored = uow.directory.service_principal_credential(name)
        if stored is None:
            secret = new_secret()
            object_id, client_id = app.directory.create_service_principal(uow, tenant_id=tenant_id, name=name,
                                                                          secret=secret)
            SecretRepo(uow.conn).keep_first_secret(_secret_name(object_id), secret, uow.now)
        else:
            object_id, client_id = stored.principal.principal_id, stored.client_id
            secret = _kept_secret(uow, object_id, client_id, _legacy_secrets(demo_file).get(client_id))
        result.append({"name": name, "clientId": client_id, "clientSecret": secret, "role": role.value,
                       "objectId": object_id})
    return result


def _kept_secret(uow, object_id: str, client_id: str, legacy: str | None) -> str:
    """The principal's kept secret; one from an older ``demo.json`` is adopted; only a principal whose
    secret nobody kept gets a new one (the first process to store it wins, the others use that one)."""
    secrets = SecretRepo(uow.conn)
    kept = secrets.secret(_secret_name(object_id))
    if kept is not None:
        return kept
    candidate = legacy or new_secret()
    kept = secrets.keep_first_secret(_secret_name(object_id), candidate, uow.now)
    if kept == candidate and legacy is None:
        uow.directory.set_service_principal_secret(object_id, hash_secret(candidate))
    return kept


def _secret_name(object_id: str) -> str:
    return f"demo-secret:{object_id}"


def _legacy_secrets(demo_file: Path) -> dict[str, str]:
    """client id -> secret from a ``demo.json`` written before secrets were kept in the database."""
    if not demo_file.exists():
        return {}
    try:
        principals = json.loads(demo_file.read_text("utf-8")).get("servicePrincipals", [])
        return {p["clientId"]: p["clientSecret"] for p in principals}
    except (ValueError, KeyError, TypeError, AttributeError):
        return {}


def _customer_details(uow, account_id: str) -> None:
    """What Contoso's invoices say about the customer: a Dutch business (domestic: 21% VAT)."""
    from .adapters.db.invoice_parties_repo import CustomerRepo

    repo = CustomerRepo(uow.conn)
    if repo.details(account_id) is None:
        repo.save(account_id, company_name="Contoso B.V.", street="Herengracht 100", postal_code="1015 BS",
                  city="Amsterdam", vat_id="NL123456789B01", registration="KvK 12345678", now=uow.now)


def _billing_roles(uow, account_id: str, principals: list[dict]) -> None:
    """The owner principal may create subscriptions on the demo account (alias PUT, as the SDK does)."""
    for principal in principals:
        if principal["role"] == Role.OWNER.value:
            BillingRoleRepo(uow.conn).grant(account_id, principal["objectId"], BillingRole.OWNER.value, uow.now)


def _subscription(app: App, name: str, offer_id: str, account_id: str, user_ids: dict, principals: list[dict]) -> None:
    with app.uow(read_only=True) as uow:
        if any(s.billing_account_id == account_id for s in uow.subscriptions.find_by_name(name)):
            return
    sub = app.subscriptions.create(actor=OPERATOR, display_name=name, billing_account_id=account_id,
                                   offer_id=offer_id, owner_id=user_ids["Owner"])
    app.directory.assign_role(actor=OPERATOR, subscription=sub.subscription_id, principal_id=user_ids["Reader"],
                              role=Role.READER)
    for principal in principals:
        app.directory.assign_role(actor=OPERATOR, subscription=sub.subscription_id,
                                  principal_id=principal["objectId"], role=Role(principal["role"]))
    if name == "Productie":
        _production_resources(app, sub.subscription_id)
    elif name == "Proefversie":
        app.resources.create_group(actor=OPERATOR, subscription=sub.subscription_id, name="proef-rg", location="westeurope")
        app.resources.create_vm(actor=OPERATOR, subscription=sub.subscription_id, group="proef-rg", name="proef-vm",
                                size="Standard_B1s", public_ip="Dynamic")


# (id, display name, parent id or None for the tenant root group)
MANAGEMENT_GROUPS = (("contoso-platform", "Platform", None), ("contoso-landing-zones", "Landing zones", None),
                     ("contoso-productie", "Productie", "contoso-landing-zones"),
                     ("contoso-decommissioned", "Decommissioned", None))


def _management_groups(app: App, principals: list[dict]) -> None:
    """Contoso's tree; the Productie subscription under Landing zones → Productie, the owner principal Owner of
    Landing zones. Decommissioning is not switched on: `subplane management-groups decommission-into
    contoso-decommissioned` does that."""
    with app.uow(read_only=True) as uow:
        tenant = uow.directory.list_tenants()[0]["tenant_id"] if uow.directory.list_tenants() else None
        existing = {g.group_id for g in uow.management_groups.all(tenant)} if tenant else set()
        production = uow.subscriptions.find_by_name("Productie")
    for group_id, display_name, parent in MANAGEMENT_GROUPS:
        if group_id not in existing:
            app.management_groups.put(actor=OPERATOR, group_id=group_id, display_name=display_name, parent_id=parent)
    if "contoso-productie" not in existing and production:
        app.management_groups.place(actor=OPERATOR, group_id="contoso-productie",
                                    subscription_id=production[0].subscription_id)
        owner = next(p for p in principals if p["role"] == Role.OWNER.value)
        app.management_groups.assign(actor=OPERATOR, group_id="contoso-landing-zones", assignment_id=str(uuid.uuid4()),
                                     principal_id=owner["objectId"], role=Role.OWNER)


def _budget(app: App) -> None:
    """A monthly budget of EUR 100 on Productie that mails FinOps at 80% and 100%."""
    from datetime import date

    from .domain.budgets import BudgetNotification

    with app.uow(read_only=True) as uow:
        production = uow.subscriptions.find_by_name("Productie")
        today = uow.now.date()
    if not production:
        return
    try:
        app.budgets.get(actor=OPERATOR, subscription=production[0].subscription_id, resource_group=None,
                        name="productie-monthly")
        return
    except NotFound:
        pass
    contacts = ("finops@contoso.example",)
    app.budgets.put(actor=OPERATOR, subscription=production[0].subscription_id, resource_group=None,
                    name="productie-monthly", category="Cost", amount=Decimal("100"), time_grain="Monthly",
                    start=date(today.year, today.month, 1), end=None,
                    notifications=[BudgetNotification("at80", True, "GreaterThan", Decimal(80), contacts),
                                   BudgetNotification("at100", True, "GreaterThan", Decimal(100), contacts)])


def _production_resources(app: App, subscription_id: str) -> None:
    sub = subscription_id
    app.resources.create_group(actor=OPERATOR, subscription=sub, name="productie-rg", location="westeurope")
    app.resources.create_vm(actor=OPERATOR, subscription=sub, group="productie-rg", name="web-01",
                            size="Standard_B2s", public_ip="Dynamic")
    app.resources.create_vm(actor=OPERATOR, subscription=sub, group="productie-rg", name="db-01",
                            size="Standard_D2s_v5", public_ip="Static")
    account = app.resources.create_storage_account(actor=OPERATOR, subscription=sub, group="productie-rg",
                                                   name="contosodata")
    app.blobs.create_container(actor=OPERATOR, account=account.resource_id, name="backups")
    for blob_name, data in BLOBS.items():
        app.blobs.put(actor=OPERATOR, account=account.resource_id, container="backups", name=blob_name, data=data,
                      content_type="text/plain" if not blob_name.endswith(".csv") else "text/csv")
