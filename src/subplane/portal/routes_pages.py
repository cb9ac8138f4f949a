"""Subscriptions, Overview, Activity log, Invoices, Switch offer, and the emulator's clock panel."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ..clock import parse_duration
from ..domain.access import Action
from ..domain.errors import NotFound
from . import queries
from .chart import daily_chart
from .web import Portal, redirect, safe_next

STATE_FILTERS = ("Enabled", "Warned", "PastDue", "Disabled", "Deleted")


def routes(portal: Portal) -> APIRouter:
    router = APIRouter()
    app = portal.app

    @router.get("/subscriptions")
    def subscriptions(request: Request, state: str = ""):
        session = portal.require_session(request)
        subs = app.subscriptions.list(actor=session.principal)
        if state in STATE_FILTERS:
            subs = [s for s in subs if s.state.value == state]
        rows = [(s, queries.standing(app, session.principal, s)) for s in subs]
        template = "subscriptions_table.html" if request.headers.get("HX-Request") else "subscriptions.html"
        return portal.render(request, template, session=session, rows=rows, state=state, filters=STATE_FILTERS)

    @router.get("/subscriptions/{ref}")
    def overview(request: Request, ref: str, done: str = ""):
        session = portal.require_session(request)
        sub = app.subscriptions.get(actor=session.principal, ref=ref)
        resources = app.resources.list(actor=session.principal, subscription=sub.subscription_id)
        # a role on one resource group shows the subscription, not its costs or invoices
        whole = Action.READ in app.subscriptions.allowed_actions(actor=session.principal, ref=sub.subscription_id)
        estimate = queries.estimate(app, session.principal, sub) if whole else None
        fmt = portal.formatter(portal.language(request, session))
        chart = None
        if estimate is not None:
            chart = daily_chart(estimate.daily, money=lambda a: fmt.money(a, estimate.currency),
                                day=fmt.day, short_day=fmt.short_day, meter_name=fmt.meter)
        return portal.render(
            request, "overview.html", session=session, sub=sub, offer=app.offers.get(sub.offer_id),
            standing=queries.standing(app, session.principal, sub), summary=queries.summarise(resources),
            actions=queries.actions_for(app, session.principal, sub), estimate=estimate, chart=chart,
            billing_available=queries.billing(app) is not None, done=done, costs_hidden=not whole,
            payment=queries.payment_notice(app, session.principal, sub) if whole else None,
        )

    @router.get("/subscriptions/{ref}/activity")
    def activity(request: Request, ref: str):
        session = portal.require_session(request)
        sub = app.subscriptions.get(actor=session.principal, ref=ref)
        return portal.render(request, "activity.html", session=session, sub=sub,
                             entries=queries.activity(app, session.principal, sub))

    @router.get("/subscriptions/{ref}/invoices")
    def invoices(request: Request, ref: str):
        session = portal.require_session(request)
        sub = app.subscriptions.get(actor=session.principal, ref=ref)
        billing = queries.billing(app)
        listing = None
        if billing is not None and hasattr(billing, "list_invoices"):
            listing = billing.list_invoices(actor=session.principal, subscription=sub.subscription_id)
        return portal.render(request, "invoices.html", session=session, sub=sub, invoices=listing)

    def invoice_of(session, ref: str, invoice_ref: str):
        sub = app.subscriptions.get(actor=session.principal, ref=ref)
        billing = queries.billing(app)
        if billing is None or not hasattr(billing, "get_invoice"):
            raise NotFound("InvoiceNotFound", "Invoices are not available in this installation.")
        invoice = billing.get_invoice(actor=session.principal, ref=invoice_ref)
        if invoice.subscription_id != sub.subscription_id:
            raise NotFound("InvoiceNotFound", f"Invoice {invoice_ref} does not belong to this subscription.")
        return sub, billing, invoice

    @router.get("/subscriptions/{ref}/invoices/{invoice_ref}")
    def invoice(request: Request, ref: str, invoice_ref: str):
        session = portal.require_session(request)
        sub, _, found = invoice_of(session, ref, invoice_ref)
        return portal.render(request, "invoice.html", session=session, sub=sub, invoice=found)

    @router.get("/subscriptions/{ref}/invoices/{invoice_ref}/pdf")
    def invoice_pdf(request: Request, ref: str, invoice_ref: str):
        return invoice_document(request, ref, invoice_ref, "pdf")

    @router.get("/subscriptions/{ref}/invoices/{invoice_ref}/ubl")
    def invoice_ubl(request: Request, ref: str, invoice_ref: str):
        return invoice_document(request, ref, invoice_ref, "ubl")

    def invoice_document(request: Request, ref: str, invoice_ref: str, kind: str) -> Response:
        session = portal.require_session(request)
        _, billing, found = invoice_of(session, ref, invoice_ref)
        render, media_type, suffix = {"pdf": (billing.invoice_pdf, "application/pdf", "pdf"),
                                      "ubl": (billing.invoice_ubl, "application/xml", "xml")}[kind]
        return Response(render(actor=session.principal, ref=found.invoice_id), media_type=media_type, headers={
            "Content-Disposition": f'attachment; filename="{found.invoice_number}.{suffix}"'})

    @router.get("/subscriptions/{ref}/switch-offer")
    def switch_offer(request: Request, ref: str):
        session = portal.require_session(request)
        sub = app.subscriptions.get(actor=session.principal, ref=ref)
        offer = app.offers.get(sub.offer_id)
        targets = [app.offers.get(t) for t in offer.switch_targets]
        available = hasattr(queries.billing(app), "switch_offer")
        return portal.render(request, "switch_offer.html", session=session, sub=sub, offer=offer, targets=targets,
                             available=available, actions=queries.actions_for(app, session.principal, sub))

    @router.post("/subscriptions/{ref}/switch-offer")
    def switch_offer_post(request: Request, ref: str, csrf_token: str = Form(""), target_offer: str = Form("")):
        session = portal.require_session(request)
        portal.check_csrf(session, csrf_token)
        billing = queries.billing(app)
        if not hasattr(billing, "switch_offer"):
            raise NotFound("OfferSwitchNotAvailable", "Switching offers is not available in this installation.")
        sub, _ = billing.switch_offer(actor=session.principal, ref=ref, target_offer=target_offer)
        return redirect(f"/subscriptions/{sub.subscription_id}?done=switched")

    @router.post("/clock/advance")
    def advance_clock(request: Request, duration: str = Form(""), csrf_token: str = Form(""), next: str = Form("")):
        session = portal.require_session(request)
        portal.check_csrf(session, csrf_token)
        portal.require_emulator_controls(request)
        app.clock_control.advance_as(parse_duration(duration), actor=session.principal)
        return RedirectResponse(safe_next(next), status_code=303)

    return router
