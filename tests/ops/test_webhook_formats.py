"""Webhooks in the ecosystem's envelopes (issue 16 item 6): CloudEvents 1.0 structured JSON and Azure Event Grid's
schema, signed as Standard Webhooks says, read and verified with those specifications' own libraries."""

from __future__ import annotations

import pytest
from azure.eventgrid import EventGridEvent
from cloudevents.core.bindings.http import HTTPMessage, from_http
from cloudevents.core.formats.json import JSONFormat
from standardwebhooks import Webhook, WebhookVerificationError

from subplane.adapters import webhook_formats
from subplane.domain.errors import InvalidInput

from .helpers import cancel_production
from .receiver import Receiver
from .test_webhooks import dispatch_until


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def _deliver(make_app, receiver, fmt: str) -> tuple[dict, str, list[dict]]:
    from subplane import demo

    app = make_app(webhook_retry_seconds=0.05)
    demo.seed(app)
    endpoint = app.webhooks.add(url=receiver.url, format=fmt)
    sub_id = cancel_production(app)
    dispatch_until(app, lambda: any(r["event"].get("subject", "").endswith(sub_id) for r in receiver.accepted()))
    return endpoint, sub_id, receiver.accepted()


def _headers(attempt: dict) -> dict[str, str]:
    return {name.lower(): value for name, value in attempt["headers"].items()}


def test_cloudevents_structured_json_signed_as_standard_webhooks(make_app, receiver):
    endpoint, sub_id, accepted = _deliver(make_app, receiver, "cloudevents")
    assert endpoint["format"] == "cloudevents" and webhook_formats.is_standard_secret(endpoint["secret"])
    attempt = next(a for a in accepted if a["event"]["type"] == "dev.subplane.subscription.cancelled")
    headers = _headers(attempt)
    assert headers["content-type"].startswith("application/cloudevents+json")
    event = from_http(HTTPMessage(headers=headers, body=attempt["body"]), JSONFormat())
    assert event.get_specversion() == "1.0" and event.get_id() == headers["webhook-id"]
    assert event.get_source() == f"/subplane/subscriptions/{sub_id}"
    assert event.get_subject() == f"/subscriptions/{sub_id}" and event.get_data()["deletionDate"]
    Webhook(endpoint["secret"]).verify(attempt["body"], headers)  # raises when the signature is wrong
    with pytest.raises(WebhookVerificationError):
        Webhook(webhook_formats.new_secret()).verify(attempt["body"], headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint["secret"]).verify(attempt["body"] + b" ", headers)


def test_event_grid_schema_with_event_grids_event_types(make_app, receiver):
    endpoint, sub_id, accepted = _deliver(make_app, receiver, "eventgrid")
    cancel = next(a for a in accepted if a["event"]["subject"] == f"/subscriptions/{sub_id}"
                  and a["event"]["data"].get("operationName") == "Microsoft.Subscription/cancel/action")
    parsed = EventGridEvent.from_dict(cancel["event"])
    assert parsed.event_type == "Microsoft.Resources.ResourceActionSuccess" and parsed.topic == f"/subscriptions/{sub_id}"
    assert parsed.data["status"] == "Succeeded" and parsed.data["subscriptionId"] == sub_id
    assert parsed.data["details"]["deletionDate"] and parsed.data_version == "1"
    assert isinstance(cancel["body"], bytes) and cancel["body"].startswith(b"[")
    Webhook(endpoint["secret"]).verify(cancel["body"], _headers(cancel))


def test_the_first_format_stays_for_endpoints_that_chose_it(make_app, receiver):
    from subplane.services.webhooks import SIGNATURE_HEADER, verify

    endpoint, sub_id, accepted = _deliver(make_app, receiver, "subplane")
    attempt = next(a for a in accepted if a["event"]["subject"].endswith(sub_id))
    assert set(attempt["event"]) == {"id", "type", "subject", "time", "data"}
    assert verify(endpoint["secret"], attempt["headers"][SIGNATURE_HEADER], attempt["body"])
    assert "webhook-signature" not in _headers(attempt)


@pytest.mark.parametrize("fmt, secret, code", [("xml", None, "InvalidWebhookFormat"),
                                                ("cloudevents", "not-base64", "InvalidWebhookSecret")])
def test_an_unknown_format_or_a_secret_standard_webhooks_cannot_use_is_refused(app, fmt, secret, code):
    with pytest.raises(InvalidInput) as refused:
        app.webhooks.add(url="http://127.0.0.1:9/hook", format=fmt, secret=secret)
    assert refused.value.code == code and app.webhooks.list() == []
