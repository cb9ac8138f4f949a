"""Resources (with start / deallocate / delete where allowed) and the storage browser."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from ..domain.access import Action
from ..domain.errors import DomainError, NotFound
from ..domain.lifecycle import ensure_writable
from ..domain.resources import ResourceType, VmAction, changing_power_actions
from . import queries
from .web import Portal, redirect

VM_ACTIONS = {"start": VmAction.START, "deallocate": VmAction.DEALLOCATE}


def _writable(sub) -> bool:
    try:
        ensure_writable(sub)
        return True
    except DomainError:
        return False


def routes(portal: Portal) -> APIRouter:
    router = APIRouter()
    services = portal.services

    def storage_account(session, sub, name: str):
        for resource in services.resources.list(actor=session.principal, subscription=sub.subscription_id):
            if resource.type is ResourceType.STORAGE_ACCOUNT and resource.name == name:
                return resource
        raise NotFound("ResourceNotFound", f"No storage account called {name!r} in this subscription.")

    def resource_of(session, sub, resource_id: str):
        resource = services.resources.get(actor=session.principal, ref=resource_id)
        if resource.subscription_id.lower() != sub.subscription_id.lower():
            raise NotFound("ResourceNotFound", "This resource is not part of this subscription.")
        return resource

    @router.get("/subscriptions/{ref}/resources")
    def resources(request: Request, ref: str, deleted: str = ""):
        session = portal.require_session(request)
        sub = services.subscriptions.get(actor=session.principal, ref=ref)
        items = services.resources.list(actor=session.principal, subscription=sub.subscription_id)
        allowed = services.subscriptions.allowed_actions(actor=session.principal, ref=sub.subscription_id)
        by_id = {r.resource_id: r for r in items}
        nic_ips = {r.resource_id: by_id.get(r.public_ip_id) for r in items if r.public_ip_id}
        vm_ips = queries.ip_of_vm(items)
        vm_actions = {r.resource_id: changing_power_actions(r, VM_ACTIONS.values())
                      for r in items if r.type is ResourceType.VIRTUAL_MACHINE}
        return portal.render(
            request, "resources.html", session=session, sub=sub, items=items, vm_ips=vm_ips, nic_ips=nic_ips,
            vm_actions=vm_actions,
            may_write=Action.WRITE in allowed and _writable(sub), may_delete=Action.DELETE in allowed,
            # the name comes from the redirect after a delete: said only while no resource has it
            deleted=deleted if deleted and all(r.name != deleted for r in items) else "",
        )

    @router.get("/subscriptions/{ref}/resources/delete")
    def confirm_delete(request: Request, ref: str, resource_id: str = ""):
        """The red Delete's confirmation step: a page of its own, so it works without JavaScript."""
        session = portal.require_session(request)
        sub = services.subscriptions.get(actor=session.principal, ref=ref)
        return portal.render(request, "resource_delete.html", session=session, sub=sub,
                             resource=resource_of(session, sub, resource_id))

    @router.post("/subscriptions/{ref}/resources/action")
    def vm_action(request: Request, ref: str, csrf_token: str = Form(""), resource_id: str = Form(""),
                  action: str = Form("")):
        session = portal.require_session(request)
        portal.check_csrf(session, csrf_token)
        sub = services.subscriptions.get(actor=session.principal, ref=ref)
        if action == "delete":
            name = resource_of(session, sub, resource_id).name
            services.resources.delete(actor=session.principal, ref=resource_id)
            return redirect(f"/subscriptions/{sub.subscription_id}/resources?deleted={quote(name, safe='')}")
        if action in VM_ACTIONS:
            services.resources.vm_action(actor=session.principal, vm=resource_id, action=VM_ACTIONS[action])
        return redirect(f"/subscriptions/{sub.subscription_id}/resources")

    @router.get("/subscriptions/{ref}/storage/{account}")
    def storage(request: Request, ref: str, account: str):
        session = portal.require_session(request)
        sub = services.subscriptions.get(actor=session.principal, ref=ref)
        acct = storage_account(session, sub, account)
        containers = [(c, services.blobs.list_blobs(actor=session.principal, account=acct.resource_id, container=c))
                      for c in services.blobs.list_containers(actor=session.principal, account=acct.resource_id)]
        return portal.render(request, "storage.html", session=session, sub=sub, account=acct, containers=containers)

    @router.get("/subscriptions/{ref}/storage/{account}/download")
    def download(request: Request, ref: str, account: str, container: str, name: str):
        session = portal.require_session(request)
        sub = services.subscriptions.get(actor=session.principal, ref=ref)
        acct = storage_account(session, sub, account)
        info, data = services.blobs.get(actor=session.principal, account=acct.resource_id, container=container, name=name)
        filename = quote(name.rsplit("/", 1)[-1])
        return Response(data, media_type=info.content_type or "application/octet-stream",
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}",
                                 "ETag": f'"{info.etag}"', "X-Content-Type-Options": "nosniff"})

    return router
