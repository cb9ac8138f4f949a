"""Notifications are delivered by SMTP to a real (local) SMTP server."""

from __future__ import annotations

import email
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller

from tests.server import free_port

from .helpers import cancel_production


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def test_lifecycle_messages_arrive_by_smtp_in_the_accounts_language(make_app, smtp_server):
    from subplane import demo

    controller, inbox = smtp_server
    app = make_app(smtp_host="127.0.0.1", smtp_port=controller.port, smtp_from="noreply@subplane.test")
    demo.seed(app)
    cancel_production(app)

    result = app.outbox_dispatcher.run_once()

    assert result.notifications_sent == 1
    sender, recipients, message = inbox.messages[0]
    assert sender == "noreply@subplane.test" and recipients == ["admin@contoso.example"]
    assert str(message["Subject"]).strip().startswith("Abonnement Productie is opgezegd")  # the demo account speaks Dutch
    assert message["Content-Language"] == "nl"
    body = message.get_content()
    assert "Uw gegevens blijven bewaard tot" in body and "subplane blobs download" in body
    assert [m["status"] for m in app.notifications.list()] == ["sent"]
    assert app.outbox_dispatcher.run_once().notifications_sent == 0  # sent once, not again
    assert len(inbox.messages) == 1


def test_english_account_and_unreachable_server_keeps_the_message_pending(make_app):
    from subplane import demo
    from subplane.domain.access import OPERATOR

    app = make_app(smtp_host="127.0.0.1", smtp_port=free_port())  # nothing listens there
    demo.seed(app)
    with app.uow() as uow:
        account = uow.directory.find_billing_account_by_name("Contoso")
        from subplane.adapters.db.tables import billing_accounts

        uow.conn.execute(billing_accounts.update().values(language="en")
                         .where(billing_accounts.c.billing_account_id == account.billing_account_id))
    app.subscriptions.cancel(actor=OPERATOR, ref="Proefversie", reason="done", turn_off_resources=True)

    assert app.outbox_dispatcher.run_once().notifications_sent == 0
    [message] = app.notifications.list()
    assert message["status"] == "pending" and message["attempts"] == 1 and "Connection" in message["last_error"]
    assert message["subject"].startswith("Subscription Proefversie is cancelled; it will be deleted on")
