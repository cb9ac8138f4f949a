"""Entry point: ``subplane``."""

from __future__ import annotations

import typer

from . import admin, billing, connection, keys, management_groups, operations, resources, serve, subscriptions
from .common import command

app = typer.Typer(
    name="subplane",
    help="Subplane: a self-hostable control plane for cloud subscriptions.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(subscriptions.app, name="subscriptions")
# billing's commands on one subscription join its group here, so neither module imports the other
for name, handler in (("preview-cancel", billing.preview_cancel), ("switch-offer", billing.switch_offer),
                      ("upgrade", billing.upgrade)):
    command(subscriptions.app, name)(handler)
app.add_typer(resources.resources_app, name="resources")
app.add_typer(resources.vm_app, name="vm")
app.add_typer(resources.blobs_app, name="blobs")
app.add_typer(operations.clock_app, name="clock")
app.add_typer(operations.jobs_app, name="jobs")
app.registered_commands.extend(operations.root_commands.registered_commands)
app.registered_commands.extend(serve.commands.registered_commands)
app.registered_commands.extend(connection.commands.registered_commands)  # env, az-login (issue 3)
app.add_typer(admin.snapshot_app, name="snapshot")
app.add_typer(admin.webhooks_app, name="webhooks")
app.add_typer(admin.faults_app, name="faults")
app.add_typer(keys.keys_app, name="keys")
app.add_typer(management_groups.groups_app, name="management-groups")
app.registered_commands.extend(admin.root_commands.registered_commands)
# billing (issue 4): invoices, usage, payments; also adds preview-cancel/switch-offer/upgrade to `subscriptions`
app.add_typer(billing.invoices_app, name="invoices")
app.add_typer(billing.billing_app, name="billing")
app.registered_commands.extend(billing.root_commands.registered_commands)


def run() -> None:
    app()


if __name__ == "__main__":
    run()
