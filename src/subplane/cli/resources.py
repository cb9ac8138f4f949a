"""`subplane resources ...`, `subplane vm ...` and `subplane blobs ...`"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..domain.resources import VmAction
from .common import AsOption, CliContext, command, command_group, subscription_ref
from .render import console, emit_json, instant, resource_json, table

resources_app = command_group(no_args_is_help=True)
vm_app = command_group(no_args_is_help=True)
blobs_app = command_group(no_args_is_help=True)

VmArg = Annotated[str, typer.Argument(help="The VM's ARM id or name.")]
AccountArg = Annotated[str, typer.Argument(help="The storage account's ARM id or name.")]


@command(resources_app, "list")
def list_resources(*, cli: CliContext,
                   subscription: Annotated[str, typer.Option("--subscription", "-s", help="Subscription id or name.")],
                   as_: AsOption = None) -> None:
    """List every resource in a subscription."""
    actor = cli.app.directory.principal(as_)
    items = cli.app.resources.list(actor=actor, subscription=subscription_ref(cli, actor, subscription))
    if cli.json:
        emit_json([resource_json(r) for r in items])
        return
    rows = []
    for r in items:
        status = r.power_state or (("read-only" if r.read_only else "writable") if r.read_only is not None else None)
        if r.allocation_method is not None:
            status = f"{r.allocation_method.value} {r.ip_address or '(no address)'}"
        rows.append((r.name, r.type.value, r.resource_group, status))
    table(f"Resources ({len(items)})", ["Name", "Type", "Group", "Status"], rows, optional=("Group",))


def _vm(cli: CliContext, vm: str, action: VmAction, as_: str | None) -> None:
    result = cli.app.resources.vm_action(actor=cli.app.directory.principal(as_), vm=vm, action=action)
    if cli.json:
        emit_json(resource_json(result))
    else:
        if result.power_state is None:
            raise ValueError(f"The virtual machine {result.name} has no power state after {action.value}.")
        console.print(f"{result.name}: {result.power_state.value}")


@command(vm_app)
def start(vm: VmArg, *, cli: CliContext, as_: AsOption = None) -> None:
    """Start a VM (a dynamic public IP gets a new address)."""
    _vm(cli, vm, VmAction.START, as_)


@command(vm_app)
def stop(vm: VmArg, *, cli: CliContext, as_: AsOption = None) -> None:
    """Power a VM off; it stays allocated (and billed for compute in Azure's model)."""
    _vm(cli, vm, VmAction.POWER_OFF, as_)


@command(vm_app)
def deallocate(vm: VmArg, *, cli: CliContext, as_: AsOption = None) -> None:
    """Deallocate a VM; its dynamic public IP address is released."""
    _vm(cli, vm, VmAction.DEALLOCATE, as_)


@command(blobs_app, "list")
def list_blobs(account: AccountArg, container: Annotated[str | None, typer.Argument(help="Container name.")] = None,
               *, cli: CliContext, as_: AsOption = None) -> None:
    """List the containers of an account, or the blobs of one container."""
    actor = cli.app.directory.principal(as_)
    if container is None:
        names = cli.app.blobs.list_containers(actor=actor, account=account)
        if cli.json:
            emit_json([{"name": n} for n in names])
        else:
            table("Containers", ["Name"], [(n,) for n in names])
        return
    blobs = cli.app.blobs.list_blobs(actor=actor, account=account, container=container)
    if cli.json:
        emit_json([{"name": b.name, "size": b.size, "contentType": b.content_type, "etag": b.etag,
                    "lastModified": instant(b.updated_at)} for b in blobs])
    else:
        table(f"Blobs in {container}", ["Name", "Size", "Content type", "Last modified"],
              [(b.name, b.size, b.content_type, instant(b.updated_at)) for b in blobs])


@command(blobs_app, "get")
def get_blob(account: AccountArg, container: str, blob: str, *, cli: CliContext,
             file: Annotated[Path | None, typer.Option("--file", "-f", help="Write here instead of stdout.")] = None,
             as_: AsOption = None) -> None:
    """Download a blob (works during the retention period)."""
    _, data = cli.app.blobs.get(actor=cli.app.directory.principal(as_), account=account, container=container, name=blob)
    if file is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        file.write_bytes(data)
        console.print(f"{len(data)} bytes written to {file}", highlight=False) if not cli.json else emit_json(
            {"file": str(file), "size": len(data)})


@command(blobs_app, "put")
def put_blob(account: AccountArg, container: str, blob: str, *, cli: CliContext,
             file: Annotated[Path, typer.Option("--file", "-f", exists=True, dir_okay=False, help="File to upload.")],
             as_: AsOption = None) -> None:
    """Upload a file as a blob (refused while the subscription is disabled)."""
    info = cli.app.blobs.put(actor=cli.app.directory.principal(as_), account=account, container=container,
                             name=blob, data=file.read_bytes())
    if cli.json:
        emit_json({"name": info.name, "size": info.size, "etag": info.etag})
    else:
        console.print(f"Uploaded {info.name} ({info.size} bytes)")
