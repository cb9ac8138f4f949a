"""Cancel, Reactivate, Delete and Rename. Every change goes through ``app.subscriptions``; these pages
only say beforehand what will happen and afterwards what did."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Form, Request

from ..domain.access import Action
from ..domain.errors import DomainError
from ..domain.resources import ResourceType
from ..services.billing import CancelPreview
from . import labels, queries
from .labels import CANCEL_REASONS, N_
from .web import Portal, redirect


def _preview(app, actor, sub) -> CancelPreview:
    """What cancelling now would turn off and cost (the service's preview: the table the cancel runs)."""
    return app.billing.preview_cancel(actor=actor, ref=sub.subscription_id)


def _cancel(app, actor, sub, *, reason: str, turn_off: bool, support_auto_renew: str):
    """Cancel through the service, with the support plan's auto-renew choice applied in the same
    transaction (lifecycle.md §3). Returns the result and "off" when auto-renew was turned off."""
    result = app.subscriptions.cancel(actor=actor, ref=sub.subscription_id, reason=reason, turn_off_resources=turn_off,
                                      support_auto_renew=False if support_auto_renew == "off" else None)
    plan = getattr(result, "support_plan", None) or {}
    return result, "off" if result.changed and plan.get("autoRenew") is False else None


def _what_turns_off(preview: CancelPreview) -> dict:
    turn_off = preview.turn_off
    return {"vms": turn_off.changed_of(ResourceType.VIRTUAL_MACHINE), "ips": turn_off.changed_of(ResourceType.PUBLIC_IP),
            "storage": turn_off.changed_of(ResourceType.STORAGE_ACCOUNT), "static_ips": turn_off.kept_of(ResourceType.PUBLIC_IP)}


def _is_cancelled(sub) -> bool:
    return sub.cancelled_at is not None or sub.state.value == "Deleted"


def _reason_text(reason: str, other: str) -> str:
    if reason == "other":
        return other.strip()
    return CANCEL_REASONS.get(reason, "")


def routes(portal: Portal) -> APIRouter:
    router = APIRouter()
    app = portal.app

    def cancel_form(request, session, sub, *, error=None, reason="", other="", turn_off=False, status_code=200):
        resources = app.resources.list(actor=session.principal, subscription=sub.subscription_id)
        preview = _preview(app, session.principal, sub)
        return portal.render(
            request, "cancel.html", session=session, sub=sub, resources=resources, off=_what_turns_off(preview),
            reasons=CANCEL_REASONS, reason=reason, other=other, turn_off=turn_off, error=error,
            support_plan=preview.support_plan, offer=app.offers.get(sub.offer_id),
            status_code=status_code,
        )

    def already_cancelled(request, session, sub):
        """What a cancelled subscription's Cancel page shows: its state and what can still be done."""
        return portal.render(request, "cancelled.html", session=session, sub=sub,
                             actions=queries.actions_for(app, session.principal, sub))

    @router.get("/subscriptions/{ref}/cancel")
    def cancel_start(request: Request, ref: str):
        session = portal.require_session(request)
        # Someone who may not cancel does not get the form either, not just a refusal at the end.
        sub = app.subscriptions.authorize(actor=session.principal, ref=ref, action=Action.CANCEL)
        if _is_cancelled(sub):
            return already_cancelled(request, session, sub)
        return cancel_form(request, session, sub)

    @router.post("/subscriptions/{ref}/cancel")
    def cancel(request: Request, ref: str, csrf_token: str = Form(""), reason: str = Form(""), other: str = Form(""),
               turn_off_resources: str = Form(""), support_auto_renew: str = Form("keep"), step: str = Form("review")):
        session = portal.require_session(request)
        portal.check_csrf(session, csrf_token)
        sub = app.subscriptions.get(actor=session.principal, ref=ref)
        if _is_cancelled(sub):  # a form sent again (back button, second tab): nothing to cancel, nothing turned off
            app.subscriptions.authorize(actor=session.principal, ref=sub.subscription_id, action=Action.CANCEL)
            return already_cancelled(request, session, sub)
        turn_off = turn_off_resources == "yes"
        reason_text = _reason_text(reason, other)
        if not reason_text:
            return cancel_form(request, session, sub, error=N_("Choose a reason for cancelling."), reason=reason,
                               other=other, turn_off=turn_off, status_code=400)
        before = app.resources.list(actor=session.principal, subscription=sub.subscription_id)
        if before and not turn_off:
            return cancel_form(request, session, sub, reason=reason, other=other, status_code=400,
                               error=N_("Confirm that the resources may be turned off, or delete them first."))
        if step != "confirm":
            preview = _preview(app, session.principal, sub)
            return portal.render(request, "cancel_confirm.html", session=session, sub=sub, reason=reason,
                                 other=other, reason_text=reason_text, turn_off=turn_off,
                                 off=_what_turns_off(preview), support_auto_renew=support_auto_renew,
                                 support_plan=preview.support_plan, final=preview.estimate)
        result, support = _cancel(app, session.principal, sub, reason=reason_text, turn_off=turn_off,
                                  support_auto_renew=support_auto_renew)
        by_id = {r.resource_id: r for r in before}
        off = {key: [by_id[i] for i in ids if i in by_id] for key, ids in app.subscriptions.turned_off(
            actor=session.principal, ref=sub.subscription_id, change_id=result.change_id).items()}
        return portal.render(
            request, "cancel_result.html", session=session, sub=result.subscription, changed=result.changed,
            vms=off["vmsDeallocated"], ips=off["ipsReleased"], storage=off["storageReadOnly"],
            final=getattr(result, "billing", None), offer=app.offers.get(sub.offer_id), support=support,
        )

    @router.get("/subscriptions/{ref}/reactivate")
    def reactivate_page(request: Request, ref: str):
        session = portal.require_session(request)
        sub = app.subscriptions.get(actor=session.principal, ref=ref)
        return portal.render(request, "reactivate.html", session=session, sub=sub, offer=app.offers.get(sub.offer_id),
                             actions=queries.actions_for(app, session.principal, sub),
                             possible=queries.possible_in_state(sub, "reactivate"))

    @router.post("/subscriptions/{ref}/reactivate")
    def reactivate(request: Request, ref: str, csrf_token: str = Form("")):
        session = portal.require_session(request)
        portal.check_csrf(session, csrf_token)
        sub = app.subscriptions.reactivate(actor=session.principal, ref=ref)
        return redirect(f"/subscriptions/{sub.subscription_id}?done=reactivated")

    @router.post("/subscriptions/{ref}/settle")
    def settle(request: Request, ref: str, csrf_token: str = Form("")):
        """Pay every open invoice of the subscription's billing account (the Account Administrator)."""
        session = portal.require_session(request)
        portal.check_csrf(session, csrf_token)
        sub = app.subscriptions.get(actor=session.principal, ref=ref)
        app.billing.settle(actor=session.principal, account=sub.billing_account_id)
        return redirect(f"/subscriptions/{sub.subscription_id}?done=settled")

    def delete_context(session, ref: str, confirm_name: str) -> dict:
        sub = app.subscriptions.get(actor=session.principal, ref=ref)
        checks = app.subscriptions.delete_checklist(actor=session.principal, ref=sub.subscription_id,
                                                    confirm_name=confirm_name)
        return {"sub": sub, "checks": {c.code: c for c in checks}, "all_met": all(c.met for c in checks),
                # without JavaScript the checklist cannot update as the name is typed: the server checks it
                "only_name_missing": all(c.met for c in checks if c.code != "ConfirmationNameMismatch"),
                "confirm_name": confirm_name, "offer": app.offers.get(sub.offer_id),
                "actions": queries.actions_for(app, session.principal, sub),
                "earliest": (sub.cancelled_at + _wait(app, sub)) if sub.cancelled_at else None}

    @router.get("/subscriptions/{ref}/delete")
    def delete_page(request: Request, ref: str, confirm_name: str = ""):
        session = portal.require_session(request)
        context = delete_context(session, ref, confirm_name)
        partial = bool(request.headers.get("HX-Request"))
        return portal.render(request, "delete_checks.html" if partial else "delete.html", session=session,
                             partial=partial, **context)

    @router.post("/subscriptions/{ref}/delete")
    def delete(request: Request, ref: str, csrf_token: str = Form(""), confirm_name: str = Form("")):
        session = portal.require_session(request)
        portal.check_csrf(session, csrf_token)
        try:
            sub = app.subscriptions.delete(actor=session.principal, ref=ref, confirm_name=confirm_name)
        except DomainError as refused:
            if refused.code != "ConfirmationNameMismatch":
                raise
            return portal.render(request, "delete.html", session=session, status_code=400,
                                 error=labels.ERRORS[refused.code], **delete_context(session, ref, confirm_name))
        return redirect(f"/subscriptions/{sub.subscription_id}?done=deleted")

    @router.get("/subscriptions/{ref}/rename")
    def rename_page(request: Request, ref: str):
        session = portal.require_session(request)
        sub = app.subscriptions.get(actor=session.principal, ref=ref)
        return portal.render(request, "rename.html", session=session, sub=sub,
                             actions=queries.actions_for(app, session.principal, sub))

    @router.post("/subscriptions/{ref}/rename")
    def rename(request: Request, ref: str, csrf_token: str = Form(""), new_name: str = Form("")):
        session = portal.require_session(request)
        portal.check_csrf(session, csrf_token)
        sub = app.subscriptions.rename(actor=session.principal, ref=ref, new_name=new_name)
        return redirect(f"/subscriptions/{sub.subscription_id}?done=renamed")

    return router


def _wait(app, sub) -> timedelta:
    return timedelta(minutes=app.offers.get(sub.offer_id).delete_min_wait_minutes)
