"""Microsoft.Compute/virtualMachines: create/update, get (``$expand=instanceView``), lists, power actions, delete.

Power actions complete synchronously in the domain; each long-running answer carries the polling headers its
spec declares (see ``lro_operations``), whose first poll says Succeeded.
"""

from __future__ import annotations

from ...domain.resources import ResourceType, VmAction
from . import lookup
from . import render_resources as render
from .errors import ArmError, location_given
from .routing import ArmRequest, ArmResponse, ArmRouter, lro, page
from .schemas import HardwareProfile, NetworkProfile, TagsBody, VmProperties, VmPutBody

_VMS = "/providers/Microsoft.Compute/virtualMachines"
_VM = "/subscriptions/{sub}/resourceGroups/{rg}" + _VMS + "/{name}"
_AREA, _TYPE = "compute", ResourceType.VIRTUAL_MACHINE.value
_ACTIONS = {a.value.lower(): a for a in VmAction}


def _expand(ctx: ArmRequest) -> bool:
    return "instanceview" in (ctx.q("$expand") or "").lower()


def register(router: ArmRouter) -> None:
    @router.route("GET", "/subscriptions/{sub}" + _VMS, area=_AREA, resource_type=_TYPE)
    def list_all(ctx: ArmRequest):
        vms = lookup.listed(ctx, ResourceType.VIRTUAL_MACHINE)
        return page(ctx, [render.virtual_machine(vm, expand_instance_view=_expand(ctx)) for vm in vms])

    @router.route("GET", "/subscriptions/{sub}/resourceGroups/{rg}" + _VMS, area=_AREA, resource_type=_TYPE)
    def list_in_group(ctx: ArmRequest):
        vms = lookup.listed(ctx, ResourceType.VIRTUAL_MACHINE, in_group=True)
        return page(ctx, [render.virtual_machine(vm, expand_instance_view=_expand(ctx)) for vm in vms])

    @router.route("GET", _VM, area=_AREA, resource_type=_TYPE)
    def get(ctx: ArmRequest):
        return render.virtual_machine(lookup.get(ctx, ResourceType.VIRTUAL_MACHINE), expand_instance_view=_expand(ctx))

    @router.route("GET", _VM + "/instanceView", area=_AREA, resource_type=_TYPE)
    def instance_view(ctx: ArmRequest):
        return render.instance_view(lookup.get(ctx, ResourceType.VIRTUAL_MACHINE))

    @router.route("PUT", _VM, area=_AREA, resource_type=_TYPE, body=VmPutBody)
    def create_or_update(ctx: ArmRequest):
        body = ctx.model
        existing = lookup.find(ctx, ResourceType.VIRTUAL_MACHINE)
        if existing is not None:
            vm = ctx.app.management.touch(actor=ctx.actor, resource_id=existing.resource_id, tags=body.tags)
            return lro(ctx, "VirtualMachines_CreateOrUpdate", 200, render.virtual_machine(vm))
        properties = body.properties or VmProperties()
        size = (properties.hardwareProfile or HardwareProfile()).vmSize or "Standard_B2s"
        nics = (properties.networkProfile or NetworkProfile()).networkInterfaces or []
        vm = ctx.app.management.create_vm_on_nic(actor=ctx.actor, subscription=ctx.params["sub"],
                                                 group=ctx.params["rg"], name=ctx.params["name"],
                                                 location=location_given(body.location), size=size,
                                                 nic_id=nics[0].id if nics else None, tags=body.tags)
        return lro(ctx, "VirtualMachines_CreateOrUpdate", 201, render.virtual_machine(vm))

    @router.route("PATCH", _VM, area=_AREA, resource_type=_TYPE, body=TagsBody)
    def update(ctx: ArmRequest):
        vm = lookup.get(ctx, ResourceType.VIRTUAL_MACHINE)
        vm = ctx.app.management.touch(actor=ctx.actor, resource_id=vm.resource_id, tags=ctx.model.tags)
        return lro(ctx, "VirtualMachines_Update", 200, render.virtual_machine(vm))

    @router.route("POST", _VM + "/{action}", area=_AREA, resource_type=_TYPE, lro="VirtualMachines_PowerAction")
    def power_action(ctx: ArmRequest):
        action = _ACTIONS.get(ctx.params["action"].lower())
        if action is None:
            raise ArmError(404, "InvalidResourceType", f"The action '{ctx.params['action']}' is not supported.")
        vm = lookup.get(ctx, ResourceType.VIRTUAL_MACHINE)
        ctx.app.resources.vm_action(actor=ctx.actor, vm=vm.resource_id, action=action)
        return lro(ctx, "VirtualMachines_PowerAction", 202)

    @router.route("DELETE", _VM, area=_AREA, resource_type=_TYPE, lro="VirtualMachines_Delete")
    def delete(ctx: ArmRequest):
        vm = lookup.find(ctx, ResourceType.VIRTUAL_MACHINE)
        if vm is None:
            return ArmResponse(204)
        ctx.app.resources.delete(actor=ctx.actor, ref=vm.resource_id)
        return lro(ctx, "VirtualMachines_Delete", 202)
