"""`subplane management-groups tree|decommission-into`: the tenant's management groups, as the operator sees them."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.tree import Tree

from ..domain.access import OPERATOR
from .common import CliContext, command, command_group
from .render import console, emit_json

groups_app = command_group(no_args_is_help=True)


@command(groups_app, "tree")
def groups_tree(*, cli: CliContext) -> None:
    """Every group with its subscriptions, from the tenant root group down."""
    service = cli.app.management_groups
    groups = service.list(actor=OPERATOR)
    root = service.get(actor=OPERATOR, group_id=groups[0].group_id, recurse=True)
    if cli.json:
        emit_json(_json(root))
        return
    console.print(_rich(root, Tree(f"[bold]{root.group.display_name}[/] ({root.group.group_id})")))
    _, settings = service.settings(actor=OPERATOR, group_id=root.group.group_id)
    if settings.decommission_group:
        console.print(f"A cancelled subscription moves to [bold]{settings.decommission_group}[/].")


def _json(view) -> dict:
    return {"id": view.group.group_id, "displayName": view.group.display_name,
            "subscriptions": [{"id": s.subscription_id, "displayName": s.display_name, "state": s.state.value}
                              for s in view.subscriptions],
            "children": [_json(child) for child in view.children]}


def _rich(view, node: Tree) -> Tree:
    for child in view.children:
        _rich(child, node.add(f"[bold]{child.group.display_name}[/] ({child.group.group_id})"))
    for sub in view.subscriptions:
        node.add(f"{sub.display_name} [dim]{sub.subscription_id} · {sub.state.value}[/]")
    return node


@command(groups_app, "decommission-into")
def decommission_into(
    group: Annotated[str, typer.Argument(help="The group a cancelled subscription moves to; '-' for none.")],
    *, cli: CliContext,
) -> None:
    """Name the tenant's decommissioning group: a cancel moves the subscription there in its own transaction,
    and reactivating moves it back."""
    service = cli.app.management_groups
    from ..services.management_groups import SettingsChange

    root = service.list(actor=OPERATOR)[0]
    saved = service.save_settings(actor=OPERATOR, group_id=root.group_id,
                                  change=SettingsChange(decommission_group="" if group == "-" else group))
    if cli.json:
        emit_json({"decommissionGroup": saved.decommission_group})
        return
    console.print(f"Cancelled subscriptions now move to {saved.decommission_group}." if saved.decommission_group
                  else "Cancelled subscriptions stay in their group.")
