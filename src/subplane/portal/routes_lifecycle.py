"""Cancel, Reactivate, Delete and Rename. Every change goes through the subscription service; these pages
only say beforehand what will happen and afterwards what did."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Form, Request

from ..domain import lifecycle
from ..domain.access import Action, Principal
from ..domain.errors import DomainError
from ..domain.lifecycle import LifecycleAction, Subscription
from ..domain.resources import ResourceType
from ..services.billing import CancelPreview
from . import labels, queries
from .labels import CANCEL_REASONS, N_
from .web import Portal, redirect

if TYPE_CHECKING:
    from ..services.subscriptions import CancelResult, SubscriptionService


def _cancel(subscriptions: SubscriptionService, actor: Principal, sub: Subscription, *, reason: str, turn_off: bool,
            support_auto_renew: str) -> tuple[CancelResult, str | None]:
    """Cancel through the service, with the support plan's auto-renew choice applied in the same
    transaction (lifecycle.md §3). Returns the result and "off" when auto-renew was turned off."""
    result = subscriptions.cancel(actor=actor, ref=sub.subscription_id, reason=reason, turn_off_resources=turn_off,
                                  support_auto_renew=False if support_auto_renew == "off" else None)
    plan: dict[str, Any] = result.support_plan or {}
    return result, "off" if result.changed and plan.get("autoRenew") is False else None


def _what_turns_off(preview: CancelPreview) -> dict:
    turn_off = preview.turn_off
    return {"vms": turn_off.changed_of(ResourceType.VIRTUAL_MACHINE), "ips": turn_off.changed_of(ResourceType.PUBLIC_IP),
            "storage": turn_off.changed_of(ResourceType.STORAGE_ACCOUNT), "static_ips": turn_off.kept_of(ResourceType.PUBLIC_IP)}


def _reason_text(reason: str, other: str) -> str:
    if reason == "other":
        return other.strip()
    return CANCEL_REASONS.get(reason, "")


def routes(portal: Portal) -> APIRouter:
    router = APIRouter()
    services = portal.services
    subscriptions, billing = services.subscriptions, services.billing

    def cancel_preview(session, sub) -> CancelPreview:
        """What cancelling now would turn off and cost (the service's preview: the table the cancel runs)."""
        return billing.preview_cancel(actor=session.principal, ref=sub.subscription_id)

    def cancel_form(request, session, sub, *, error=None, reason="", other="", turn_off=False, status_code=200):
        resources = services.resources.list(actor=session.principal, subscription=sub.subscription_id)
        preview = cancel_preview(session, sub)
        return portal.render(
            request, "cancel.html", session=session, sub=sub, resources=resources, off=_what_turns_off(preview),
            reasons=CANCEL_REASONS, reason=reason, other=other, turn_off=turn_off, error=error,
            support_plan=preview.support_plan, offer=services.offers.get(sub.offer_id),
            status_code=status_code,
        )

    def already_cancelled(request, session, sub):
        """What a cancelled subscription's Cancel page shows: its state and what can still be done."""
        return portal.render(request, "cancelled.html", session=session, sub=sub,
                             actions=queries.actions_for(subscriptions, session.principal, sub))

    @router.get("/subscriptions/{ref}/cancel")
    def cancel_start(request: Request, ref: str):
        session = portal.require_session(request)
        # Someone who may not cancel does not get the form either, not just a refusal at the end.
        sub = subscriptions.authorize(actor=session.principal, ref=ref, action=Action.CANCEL)
        if lifecycle.is_cancelled(sub):
            return already_cancelled(request, session, sub)
        return cancel_form(request, session, sub)

    @router.post("/subscriptions/{ref}/cancel")
    def cancel(request: Request, ref: str, csrf_token: str = Form(""), reason: str = Form(""), other: str = Form(""),
               turn_off_resources: str = Form(""), support_auto_renew: str = Form("keep"), step: str = Form("review")):
        session = portal.require_session(request)
        portal.check_csrf(session, csrf_token)
        sub = subscriptions.get(actor=session.principal, ref=ref)
        if lifecycle.is_cancelled(sub):  # a form sent again (back button, second tab): nothing to cancel, nothing turned off
            subscriptions.authorize(actor=session.principal, ref=sub.subscription_id, action=Action.CANCEL)
            return already_cancelled(request, session, sub)
        turn_off = turn_off_resources == "yes"
        reason_text = _reason_text(reason, other)
        if not reason_text:
            return cancel_form(request, session, sub, error=N_("Choose a reason for cancelling."), reason=reason,
                               other=other, turn_off=turn_off, status_code=400)
        before = services.resources.list(actor=session.principal, subscription=sub.subscription_id)
        if before and not turn_off:
            return cancel_form(request, session, sub, reason=reason, other=other, status_code=400,
                               error=N_("Confirm that the resources may be turned off, or delete them first."))
        if step != "confirm":
            preview = cancel_preview(session, sub)
            return portal.render(request, "cancel_confirm.html", session=session, sub=sub, reason=reason,
                                 other=other, reason_text=reason_text, turn_off=turn_off,
                                 off=_what_turns_off(preview), support_auto_renew=support_auto_renew,
                                 support_plan=preview.support_plan, final=preview.estimate)
        result, support = _cancel(subscriptions, session.principal, sub, reason=reason_text, turn_off=turn_off,
                                  support_auto_renew=support_auto_renew)
        by_id = {r.resource_id: r for r in before}
        off = {key: [by_id[i] for i in ids if i in by_id] for key, ids in subscriptions.turned_off(
            actor=session.principal, ref=sub.subscription_id, change_id=result.change_id).items()}
        return portal.render(
            request, "cancel_result.html", session=session, sub=result.subscription, changed=result.changed,
            vms=off["vmsDeallocated"], ips=off["ipsReleased"], storage=off["storageReadOnly"],
            final=result.billing, offer=services.offers.get(sub.offer_id), support=support,
        )

    @router.get("/subscriptions/{ref}/reactivate")
    def reactivate_page(request: Request, ref: str):
        session = portal.require_session(request)
        sub = subscriptions.get(actor=session.principal, ref=ref)
        return portal.render(request, "reactivate.html", session=session, sub=sub, offer=services.offers.get(sub.offer_id),
                             actions=queries.actions_for(subscriptions, session.principal, sub),
                             possible=lifecycle.possible(sub, LifecycleAction.REACTIVATE))

    @router.post("/subscriptions/{ref}/reactivate")
    def reactivate(request: Request, ref: str, csrf_token: str = Form("")):
        session = portal.require_session(request)
        portal.check_csrf(session, csrf_token)
        sub = subscriptions.reactivate(actor=session.principal, ref=ref)
        return redirect(f"/subscriptions/{sub.subscription_id}?done=reactivated")

    @router.post("/subscriptions/{ref}/settle")
    def settle(request: Request, ref: str, csrf_token: str = Form("")):
        """Pay every open invoice of the subscription's billing account (the Account Administrator)."""
        session = portal.require_session(request)
        portal.check_csrf(session, csrf_token)
        sub = subscriptions.get(actor=session.principal, ref=ref)
        billing.settle(actor=session.principal, account=sub.billing_account_id)
        return redirect(f"/subscriptions/{sub.subscription_id}?done=settled")

    def delete_context(session, ref: str, confirm_name: str) -> dict:
        sub = subscriptions.get(actor=session.principal, ref=ref)
        offer = services.offers.get(sub.offer_id)
        checks = subscriptions.delete_checklist(actor=session.principal, ref=sub.subscription_id,
                                                    confirm_name=confirm_name)
        return {"sub": sub, "checks": {c.code: c for c in checks}, "all_met": all(c.met for c in checks),
                # without JavaScript the checklist cannot update as the name is typed: the server checks it
                "only_name_missing": all(c.met for c in checks if c.code != "ConfirmationNameMismatch"),
                "confirm_name": confirm_name, "offer": offer,
                "actions": queries.actions_for(subscriptions, session.principal, sub),
                "earliest": lifecycle.earliest_delete(sub, offer)}

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
            sub = subscriptions.delete(actor=session.principal, ref=ref, confirm_name=confirm_name)
        except DomainError as refused:
            if refused.code != "ConfirmationNameMismatch":
                raise
            return portal.render(request, "delete.html", session=session, status_code=400,
                                 error=labels.ERRORS[refused.code], **delete_context(session, ref, confirm_name))
        return redirect(f"/subscriptions/{sub.subscription_id}?done=deleted")

    @router.get("/subscriptions/{ref}/rename")
    def rename_page(request: Request, ref: str):
        session = portal.require_session(request)
        sub = subscriptions.get(actor=session.principal, ref=ref)
        return portal.render(request, "rename.html", session=session, sub=sub,
                             actions=queries.actions_for(subscriptions, session.principal, sub))

    @router.post("/subscriptions/{ref}/rename")
    def rename(request: Request, ref: str, csrf_token: str = Form(""), new_name: str = Form("")):
        session = portal.require_session(request)
        portal.check_csrf(session, csrf_token)
        sub = subscriptions.rename(actor=session.principal, ref=ref, new_name=new_name)
        return redirect(f"/subscriptions/{sub.subscription_id}?done=renamed")

    return router

