"""The emulator page shows the request log and the notifications; the footer shows the mode."""

from __future__ import annotations

import pytest

from subplane.domain.access import OPERATOR

from .helpers import PortalClient


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_request_log_and_messages_in_the_portal(demo_app):
    demo_app.subscriptions.cancel(actor=OPERATOR, ref="Productie", reason="weg", turn_off_resources=True)
    demo_app.notifications.render_new()
    client = PortalClient(demo_app, language="nl")
    client.sign_in("admin")
    client.get("/subscriptions")
    page = client.get("/emulator")
    assert page.status_code == 200
    text = page.text
    assert "Verzoekenlogboek" in text and "Meldingen" in text
    assert "GET /portal/subscriptions" in text  # the request made just before, with its principal-free row
    assert "Productie" in text and "opgezegd" in text.lower()  # the cancellation e-mail's Dutch subject
    assert "emulatormodus" in text  # the mode in the footer


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_emulator_page_is_absent_in_production_mode(make_app):
    from subplane import demo

    app = make_app(mode="production")
    with app.uow() as uow:  # production refuses the demo command; build the users the way an operator would
        tenant = app.directory.create_tenant(uow, name="Contoso", domain="contoso.example")
        user = app.directory.create_user(uow, tenant_id=tenant, upn="admin@contoso.example", display_name="Anna",
                                         password=demo.DEMO_PASSWORD)
        app.directory.create_billing_account(uow, name="Contoso", currency="EUR", country="NL", language="en",
                                             admin_user_id=user)
    client = PortalClient(app)
    client.sign_in("admin")
    overview = client.get("/subscriptions")
    assert "production mode" in overview.text and "/portal/emulator" not in overview.text
    assert client.get("/emulator").status_code == 404
