"""Entry point: ``subplane``.

The commands live in their modules and are imported when one of them runs: ``subplane --help`` lists them from
``COMMANDS`` without importing any (issue 14: a start pays for what it runs).
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import typer
from typer.core import TyperGroup
from typer.main import get_group

if TYPE_CHECKING:
    from typer._click import Command, Context, HelpFormatter  # Typer's own copy of Click (typer >= 0.29)


@dataclass(frozen=True)
class Entry:
    """A top-level command: ``module.attribute`` is a Typer, either the group itself (``group=True``) or one
    holding root commands, of which this one is named like the entry. A group's help is ``summary``; a root
    command's summary is the first line of its docstring (a test keeps the two equal)."""

    module: str
    attribute: str
    summary: str
    group: bool = False


COMMANDS: dict[str, Entry] = {
    "activity": Entry("operations", "root_commands",
                      "The activity log of a subscription: who did what, when, and whether it was allowed."),
    "demo": Entry("operations", "root_commands", "Create the demo directory and subscriptions (idempotent)."),
    "serve": Entry("serve", "commands",
                   "Run Subplane: background jobs and the HTTP endpoints. Each start-up step is told on stderr as it "
                   "begins."),
    "env": Entry("connection", "commands", 'Print shell exports for the Azure SDK (eval "$(subplane env)").'),
    "az-login": Entry("connection", "commands",
                      "Register Subplane as a cloud for `az` in an isolated config dir and log the owner principal in."),
    "reset": Entry("admin", "root_commands",
                   "Empty the emulator (every table and blob file), optionally reseeding the demo; no restart needed."),
    "outbox": Entry("admin", "root_commands",
                    "Events in the outbox (what webhooks receive), or the messages rendered from them."),
    "usage": Entry("billing", "root_commands", "Usage per day, resource and meter, with the amount each accrued."),
    "subscriptions": Entry("subscriptions", "app",
                           "List, show, cancel, reactivate, delete and rename subscriptions.", group=True),
    "resources": Entry("resources", "resources_app", "Look at the resources of a subscription.", group=True),
    "vm": Entry("resources", "vm_app", "Start, stop or deallocate a virtual machine.", group=True),
    "blobs": Entry("resources", "blobs_app", "List, read and write blobs in a storage account.", group=True),
    "clock": Entry("operations", "clock_app", "Show or advance the simulated clock (emulator mode).", group=True),
    "jobs": Entry("operations", "jobs_app", "Run background work that has fallen due.", group=True),
    "snapshot": Entry("admin", "snapshot_app", "Export or import the whole emulator state (emulator mode).",
                      group=True),
    "webhooks": Entry("admin", "webhooks_app", "Webhook endpoints and their delivery history.", group=True),
    "faults": Entry("admin", "faults_app", "Make the next calls of an ARM operation fail (emulator mode).",
                    group=True),
    "keys": Entry("keys", "keys_app", "Token signing keys (shared by every process on the database).", group=True),
    "management-groups": Entry("management_groups", "groups_app",
                               "Management groups: the tree above the subscriptions, and decommissioning.",
                               group=True),
    "invoices": Entry("billing", "invoices_app", "List and show invoices; write them as PDF.", group=True),
    "billing": Entry("billing", "billing_app", "Payments, the card on file, support plans and estimates.",
                     group=True),
}


def _typer(module_name: str, attribute: str) -> typer.Typer:
    module = importlib.import_module(f"{__package__}.{module_name}")
    if module_name == "subscriptions":
        _join_billing_commands(module.app)
    return getattr(module, attribute)


@functools.cache
def _join_billing_commands(subscriptions: typer.Typer) -> None:
    """billing's commands on one subscription join its group here, so neither module imports the other."""
    from . import billing
    from .common import command

    for name, handler in (("preview-cancel", billing.preview_cancel), ("switch-offer", billing.switch_offer),
                          ("upgrade", billing.upgrade)):
        command(subscriptions, name)(handler)


@functools.cache
def _root_commands(module: str, attribute: str) -> TyperGroup:
    return get_group(_typer(module, attribute))


def load(name: str) -> Command:
    entry = COMMANDS[name]
    if not entry.group:
        return _root_commands(entry.module, entry.attribute).commands[name]
    loaded = get_group(_typer(entry.module, entry.attribute))  # a group even when it holds one command, as add_typer made it
    loaded.name, loaded.help = name, entry.summary
    return loaded


class _Loaded(dict):
    """``COMMANDS``' names, each imported on first lookup: what Click and Typer read as a group's commands
    (running one, completion, "Did you mean ...?") works unchanged. Iterating the items or values imports
    every command."""

    def __missing__(self, name: str) -> Command:
        if name not in COMMANDS:
            raise KeyError(name)
        self[name] = loaded = load(name)
        return loaded

    def get(self, name: str, default: Command | None = None) -> Command | None:  # type: ignore[override]
        return self[name] if name in COMMANDS else default

    def keys(self):  # type: ignore[override]
        return COMMANDS.keys()

    def items(self):  # type: ignore[override]
        return [(name, self[name]) for name in COMMANDS]

    def values(self):  # type: ignore[override]
        return [self[name] for name in COMMANDS]

    def __iter__(self):
        return iter(COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS)

    def __contains__(self, name: object) -> bool:
        return name in COMMANDS


class LazyCommands(TyperGroup):
    """The root group: a command is imported when it is asked for; ``--help`` lists ``COMMANDS`` in order."""

    def __init__(self, *, commands=None, **options) -> None:
        if commands:  # a command registered on the root Typer itself would never be found: it belongs in COMMANDS
            raise TypeError(f"add {', '.join(map(str, commands))} to subplane.cli.main.COMMANDS, not to its root app")
        super().__init__(**options)
        self.commands = _Loaded()

    def add_command(self, cmd: Command, name: str | None = None) -> None:
        raise TypeError(f"add {name or cmd.name} to subplane.cli.main.COMMANDS, not to its root group")

    def list_commands(self, ctx: Context) -> list[str]:
        return list(COMMANDS)

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, entry.summary) for name, entry in COMMANDS.items()])


app = typer.Typer(
    name="subplane",
    cls=LazyCommands,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"max_content_width": 120},
)


@app.callback()
def _root() -> None:
    """Subplane: a self-hostable control plane for cloud subscriptions."""


def run() -> None:
    app()


if __name__ == "__main__":
    run()
