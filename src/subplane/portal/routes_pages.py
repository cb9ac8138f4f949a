"""Subscriptions, Overview, Activity log, Invoices, Switch offer, and the emulator's clock panel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ..clock import parse_duration
from ..domain.access import Action
from ..domain.errors import NotFound
from ..domain.lifecycle import State
from . import queries
from .chart import daily_chart
from .web import Portal, redirect, safe_next

if TYPE_CHECKING:
    from ..domain.billing import Invoice
    from ..domain.lifecycle import Subscription
    from ..services.portal_sessions import Session

STATE_FILTERS = tuple(State)  # the list's filter links, in the lifecycle's order


def routes(portal: Portal) -> APIRouter:
    router = APIRouter()
    services = portal.services
    subscriptions_of, billing = services.subscriptions, services.billing

    @router.get("/subscriptions")
    def subscriptions(request: Request, state: str = ""):
        session = portal.require_session(request)
        rows = subscriptions_of.list_with_standing(actor=session.principal)
        if state in STATE_FILTERS:
            rows = [(s, standing) for s, standing in rows if s.state == state]
        template = "subscriptions_table.html" if request.headers.get("HX-Request") else "subscriptions.html"
        return portal.render(request, template, session=session, rows=rows, state=state, filters=STATE_FILTERS)

    @router.get("/subscriptions/{ref}")
    def overview(request: Request, ref: str, done: str = ""):
        session = portal.require_session(request)
        sub = subscriptions_of.get(actor=session.principal, ref=ref)
        resources = services.resources.list(actor=session.principal, subscription=sub.subscription_id)
        # a role on one resource group shows the subscription, not its costs or invoices
        whole = Action.READ in subscriptions_of.allowed_actions(actor=session.principal, ref=sub.subscription_id)
        estimate = billing.estimate(actor=session.principal, ref=sub.subscription_id) if whole else None
        fmt = portal.formatter(portal.language(request, session))
        chart = None
        if estimate is not None:
            chart = daily_chart(estimate.daily, money=lambda a: fmt.money(a, estimate.currency),
                                day=fmt.day, short_day=fmt.short_day, meter_name=fmt.meter)
        return portal.render(
            request, "overview.html", session=session, sub=sub, offer=services.offers.get(sub.offer_id),
            standing=subscriptions_of.standing(actor=session.principal, ref=sub.subscription_id),
            summary=queries.summarise(resources), actions=queries.actions_for(subscriptions_of, session.principal, sub),
            estimate=estimate, chart=chart, done=done, costs_hidden=not whole,
            payment=billing.payment_notice(actor=session.principal, ref=sub.subscription_id) if whole else None,
        )

    @router.get("/subscriptions/{ref}/activity")
    def activity(request: Request, ref: str):
        session = portal.require_session(request)
        sub = subscriptions_of.get(actor=session.principal, ref=ref)
        _, entries = subscriptions_of.activity(actor=session.principal, ref=sub.subscription_id, limit=100)
        return portal.render(request, "activity.html", session=session, sub=sub, entries=entries)

    @router.get("/subscriptions/{ref}/invoices")
    def invoices(request: Request, ref: str):
        session = portal.require_session(request)
        sub = subscriptions_of.get(actor=session.principal, ref=ref)
        listing = billing.list_invoices(actor=session.principal, subscription=sub.subscription_id)
        return portal.render(request, "invoices.html", session=session, sub=sub, invoices=listing)

    def invoice_of(session: Session, ref: str, invoice_ref: str) -> tuple[Subscription, Invoice]:
        sub = subscriptions_of.get(actor=session.principal, ref=ref)
        invoice = billing.get_invoice(actor=session.principal, ref=invoice_ref)
        if invoice.subscription_id != sub.subscription_id:
            raise NotFound("InvoiceNotFound", f"Invoice {invoice_ref} does not belong to this subscription.")
        return sub, invoice

    @router.get("/subscriptions/{ref}/invoices/{invoice_ref}")
    def invoice(request: Request, ref: str, invoice_ref: str):
        session = portal.require_session(request)
        sub, found = invoice_of(session, ref, invoice_ref)
        return portal.render(request, "invoice.html", session=session, sub=sub, invoice=found)

    @router.get("/subscriptions/{ref}/invoices/{invoice_ref}/pdf")
    def invoice_pdf(request: Request, ref: str, invoice_ref: str):
        return invoice_document(request, ref, invoice_ref, "pdf")

    @router.get("/subscriptions/{ref}/invoices/{invoice_ref}/ubl")
    def invoice_ubl(request: Request, ref: str, invoice_ref: str):
        return invoice_document(request, ref, invoice_ref, "ubl")

    def invoice_document(request: Request, ref: str, invoice_ref: str, kind: str) -> Response:
        session = portal.require_session(request)
        _, found = invoice_of(session, ref, invoice_ref)
        render, media_type, suffix = {"pdf": (billing.invoice_pdf, "application/pdf", "pdf"),
                                      "ubl": (billing.invoice_ubl, "application/xml", "xml")}[kind]
        return Response(render(actor=session.principal, ref=found.invoice_id), media_type=media_type, headers={
            "Content-Disposition": f'attachment; filename="{found.invoice_number}.{suffix}"'})

    @router.get("/subscriptions/{ref}/switch-offer")
    def switch_offer(request: Request, ref: str):
        session = portal.require_session(request)
        sub = subscriptions_of.get(actor=session.principal, ref=ref)
        offer = services.offers.get(sub.offer_id)
        targets = [services.offers.get(t) for t in offer.switch_targets]
        return portal.render(request, "switch_offer.html", session=session, sub=sub, offer=offer, targets=targets,
                             actions=queries.actions_for(subscriptions_of, session.principal, sub))

    @router.post("/subscriptions/{ref}/switch-offer")
    def switch_offer_post(request: Request, ref: str, csrf_token: str = Form(""), target_offer: str = Form("")):
        session = portal.require_session(request)
        portal.check_csrf(session, csrf_token)
        sub, _ = billing.switch_offer(actor=session.principal, ref=ref, target_offer=target_offer)
        return redirect(f"/subscriptions/{sub.subscription_id}?done=switched")

    @router.post("/clock/advance")
    def advance_clock(request: Request, duration: str = Form(""), csrf_token: str = Form(""), next: str = Form("")):
        session = portal.require_session(request)
        portal.check_csrf(session, csrf_token)
        portal.require_emulator_controls(request)
        services.clock_control.advance_as(parse_duration(duration), actor=session.principal)
        return RedirectResponse(safe_next(next), status_code=303)

    return router
