"""`subplane reset`, `snapshot export|import`, `webhooks add|list|disable|deliveries`, `faults add|list|clear`,
`outbox`; serve's options."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..domain.errors import InvalidInput
from ..domain.events import MAX_LIST
from .common import CliContext, command, command_group
from .render import console, emit_json, instant, table

root_commands = command_group()
snapshot_app = command_group(no_args_is_help=True)
webhooks_app = command_group(no_args_is_help=True)
faults_app = command_group(no_args_is_help=True)


@command(root_commands, "reset", creates=True)
def reset(*, cli: CliContext,
          demo: Annotated[bool, typer.Option("--demo", help="Seed the demo data after emptying.")] = False,
          at: Annotated[str | None, typer.Option(
              "--at", help="Restart the simulated clock at this ISO 8601 instant (e.g. 2028-02-29T10:00:00Z); "
                           "default SUBPLANE_CLOCK_START, else now.")] = None) -> None:
    """Empty the emulator (every table and blob file), optionally reseeding the demo; no restart needed."""
    from ..clock import parse_instant  # with the app: clock.py holds the stored clock's table

    seeded = cli.app.snapshots.reset(demo=demo, at=parse_instant(at) if at else None)
    if cli.json:
        emit_json({"status": "reset", "demo": seeded})
        return
    console.print("Subplane is empty" + (" apart from the demo data." if seeded else "."))
    if seeded:
        from .operations import print_demo

        print_demo(cli, seeded)


@command(snapshot_app, "export")
def snapshot_export(file: Annotated[Path, typer.Argument(help="Where to write the snapshot (.zip).")], *,
                    cli: CliContext) -> None:
    """Write every table and blob file to one versioned snapshot file."""
    manifest = cli.app.snapshots.export(file)
    if cli.json:
        emit_json(manifest)
        return
    rows = sum(manifest["tables"].values())
    console.print(f"Snapshot of {rows} rows in {len(manifest['tables'])} tables and {manifest['blobFiles']} "
                  f"blob files written to {file} (Subplane {manifest['subplaneVersion']}).")


@command(snapshot_app, "import", creates=True)
def snapshot_import(file: Annotated[Path, typer.Argument(help="A snapshot written by `subplane snapshot export`.")],
                    *, cli: CliContext) -> None:
    """Replace the whole state with a snapshot (refused if it comes from a newer Subplane)."""
    manifest = cli.app.snapshots.import_(file)
    if cli.json:
        emit_json({"status": "imported", "manifest": manifest})
        return
    console.print(f"Imported {file}: state as of {manifest['exportedAt']}.")


@command(webhooks_app, "add")
def webhooks_add(url: Annotated[str, typer.Argument(help="http(s) URL that receives the events.")], *,
                 cli: CliContext,
                 secret: Annotated[str | None, typer.Option(envvar="SUBPLANE_WEBHOOK_SECRET",
                                                            help="Signing secret; generated when not given.")] = None,
                 description: Annotated[str | None, typer.Option(help="A note for people.")] = None,
                 format: Annotated[str, typer.Option(
                     "--format", help="Envelope: subplane (Subplane-Signature), cloudevents (CloudEvents 1.0 JSON) or "
                                      "eventgrid (Azure Event Grid schema); the last two signed as Standard Webhooks.")
                 ] = "subplane") -> None:
    """Register an endpoint; every lifecycle and billing event is POSTed to it, signed with the secret."""
    endpoint = cli.app.webhooks.add(url=url, secret=secret, description=description, format=format)
    if cli.json:
        emit_json({"id": endpoint["id"], "url": endpoint["url"], "secret": endpoint["secret"]})
        return
    console.print(f"Webhook {endpoint['id']} → {url}")
    console.print(f"Signing secret (shown once): {endpoint['secret']}")


@command(webhooks_app, "list")
def webhooks_list(*, cli: CliContext) -> None:
    """Registered endpoints (secrets are never shown again)."""
    endpoints = cli.app.webhooks.list()
    rows = [{"id": e["id"], "url": e["url"], "active": bool(e["active"]), "createdAt": instant(e["created_at"]),
             "description": e["description"]} for e in endpoints]
    if cli.json:
        emit_json(rows)
        return
    table(f"Webhooks ({len(rows)})", ["Id", "URL", "Active", "Created"],
          [(r["id"], r["url"], "yes" if r["active"] else "no", r["createdAt"]) for r in rows])


@command(webhooks_app, "disable")
def webhooks_disable(endpoint_id: Annotated[str, typer.Argument(help="Endpoint id.")], *, cli: CliContext) -> None:
    """Stop sending new events to an endpoint."""
    cli.app.webhooks.set_active(endpoint_id, False)
    console.print(f"Webhook {endpoint_id} disabled.")


@command(webhooks_app, "deliveries")
def webhooks_deliveries(*, cli: CliContext,
                        endpoint: Annotated[str | None, typer.Option(help="Only this endpoint.")] = None,
                        limit: Annotated[int, typer.Option(help="How many, newest first.", min=1, max=MAX_LIST)] = 50) -> None:
    """Delivery history: event, status, attempts, last answer."""
    rows = cli.app.webhooks.deliveries(endpoint_id=endpoint, limit=limit)
    if cli.json:
        emit_json([{"id": r["id"], "endpointId": r["endpoint_id"], "eventId": r["event_id"],
                    "eventType": r["event_type"], "status": r["status"], "attempts": r["attempts"],
                    "lastStatusCode": r["last_status_code"], "lastError": r["last_error"],
                    "deliveredAt": instant(r["delivered_at"]) if r["delivered_at"] else None} for r in rows])
        return
    table(f"Webhook deliveries ({len(rows)})", ["Event", "Type", "Status", "Attempts", "Last answer"],
          [(r["event_id"][:8], r["event_type"], r["status"], r["attempts"],
            r["last_error"] or r["last_status_code"]) for r in rows])


def _fault_json(fault) -> dict:
    return {"id": fault.fault_id, "operation": fault.operation, "code": fault.code, "message": fault.message,
            "remaining": fault.remaining, "createdAt": instant(fault.created_at)}


@command(faults_app, "add")
def faults_add(operation: Annotated[str, typer.Argument(
                   help="ARM operation, e.g. Microsoft.Compute/virtualMachines/deallocate/action.")], *,
               cli: CliContext,
               code: Annotated[str, typer.Option("--code", help="Error code the operation fails with (required).")],
               message: Annotated[str | None, typer.Option(help="Error message (a default names the code).")] = None,
               count: Annotated[int, typer.Option(help="How many calls fail.")] = 1) -> None:
    """The next COUNT calls of OPERATION on a resource or resource group fail with CODE, and nothing changes:
    long-running ones (VM power actions, VM and group deletes) are accepted and then report Failed, others
    answer the error at once (409). For trying how automation handles Azure's failures."""
    fault = cli.app.faults.add(operation=operation, code=code, message=message, count=count)
    if cli.json:
        emit_json(_fault_json(fault))
        return
    console.print(f"The next {count} call(s) of {fault.operation} fail with {fault.code}.")


@command(faults_app, "list")
def faults_list(*, cli: CliContext) -> None:
    """Faults still waiting, oldest first."""
    rows = [_fault_json(f) for f in cli.app.faults.list()]
    if cli.json:
        emit_json(rows)
        return
    table(f"Faults waiting ({len(rows)})", ["Operation", "Code", "Calls left", "Added"],
          [(r["operation"], r["code"], r["remaining"], r["createdAt"]) for r in rows])


@command(faults_app, "clear")
def faults_clear(*, cli: CliContext) -> None:
    """Remove every waiting fault."""
    removed = cli.app.faults.clear()
    if cli.json:
        emit_json({"removed": removed})
        return
    console.print(f"{removed} fault(s) removed.")


@command(root_commands, "outbox")
def outbox(*, cli: CliContext,
           subscription: Annotated[str | None, typer.Option("--subscription", "-s", help="Subscription id.")] = None,
           messages: Annotated[bool, typer.Option("--messages", help="Show the rendered e-mails instead.")] = False,
           deliver: Annotated[bool, typer.Option("--deliver", help="Render, send and deliver what is pending first.")]
           = False,
           limit: Annotated[int, typer.Option(help="How many entries.", min=1, max=MAX_LIST)] = 200) -> None:
    """Events in the outbox (what webhooks receive), or the messages rendered from them."""
    if deliver:
        cli.app.outbox_dispatcher.run_once()
    if messages:
        cli.app.notifications.render_new()
        rows = cli.app.notifications.list(subscription_id=subscription, limit=limit)
        if cli.json:
            emit_json([{"id": r["id"], "kind": r["kind"], "to": r["recipient"], "language": r["language"],
                        "subject": r["subject"], "body": r["body"], "status": r["status"],
                        "createdAt": instant(r["created_at"])} for r in rows])
            return
        table(f"Messages ({len(rows)})", ["When", "To", "Subject", "Status"],
              [(instant(r["created_at"]), r["recipient"], r["subject"], r["status"]) for r in rows])
        return
    with cli.app.uow(read_only=True) as uow:
        rows = uow.outbox.list(subscription_id=subscription, limit=limit)
    if cli.json:
        emit_json([{"id": r["id"], "time": instant(r["instant"]), "type": r["type"], "subject": r["subject"],
                    "subscriptionId": r["subscription_id"], "data": r["data"]} for r in rows])
        return
    table(f"Outbox ({len(rows)})", ["Id", "When", "Type", "Subscription"],
          [(r["id"], instant(r["instant"]), r["type"], r["subscription_id"]) for r in rows])


# `subplane serve` options ------------------------------------------------------------------------
def serving_settings(cli: CliContext, *, demo: bool, **overrides):
    """Settings for serve: flags over environment. Production refuses the demo and half-set secrets."""
    settings = cli.settings(**overrides)
    if settings.mode == "production":
        if demo:
            raise InvalidInput("EmulatorOnly", "--demo is an emulator feature; it is refused in production mode.")
        if settings.smtp_username and not settings.smtp_password:
            raise InvalidInput("MissingSecret", "SUBPLANE_SMTP_PASSWORD is required when an SMTP username is set.")
    return settings


def open_app(cli: CliContext, settings):
    from ..bootstrap import build_app

    cli._app = build_app(settings)
    return cli._app
