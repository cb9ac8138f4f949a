"""The root's command table (`main.COMMANDS`, issue 14): `--help` lists it without importing the commands, so it
must name every command the modules define, each with the summary its own help gives."""

from __future__ import annotations

import importlib

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from subplane.cli.main import COMMANDS, app, load

ROOTS = {(entry.module, entry.attribute) for entry in COMMANDS.values() if not entry.group}


def _first_paragraph(text: str) -> str:
    return " ".join(text.strip().split("\n\n")[0].split())


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_entry_loads_a_command_of_that_name_whose_help_begins_with_its_summary(name):
    loaded = load(name)
    assert loaded.name == name
    assert _first_paragraph(loaded.help or "") == COMMANDS[name].summary


@pytest.mark.parametrize(("module", "attribute"), sorted(ROOTS))
def test_every_root_command_a_module_defines_is_in_the_table(module, attribute):
    commands = getattr(importlib.import_module(f"subplane.cli.{module}"), attribute)
    defined = {info.name for info in commands.registered_commands}
    listed = {name for name, entry in COMMANDS.items() if (entry.module, entry.attribute) == (module, attribute)}
    assert defined == listed


def test_every_typer_the_cli_package_defines_is_in_the_table():
    import pkgutil

    import typer

    import subplane.cli

    listed = {(entry.module, entry.attribute) for entry in COMMANDS.values()}
    for found in pkgutil.iter_modules(subplane.cli.__path__):
        if found.name == "main":  # the root itself
            continue
        loaded = importlib.import_module(f"subplane.cli.{found.name}")
        typers = {name for name, value in vars(loaded).items() if isinstance(value, typer.Typer)}
        assert {(found.name, name) for name in typers} <= listed, found.name


def test_the_root_refuses_a_command_of_its_own_rather_than_hiding_it():
    import typer
    from typer.main import get_command

    from subplane.cli.main import LazyCommands

    root = typer.Typer(cls=LazyCommands)
    root.callback()(lambda: None)
    root.command("hello")(lambda: None)
    with pytest.raises(TypeError, match="COMMANDS"):
        get_command(root)
    with pytest.raises(TypeError, match="COMMANDS"):
        get_command(app).add_command(load("demo"), "again")


def test_the_roots_commands_read_as_a_mapping_of_every_entry():
    commands = get_command(app).commands
    assert list(commands) == list(COMMANDS) and len(commands) == len(COMMANDS)
    assert [name for name, _ in commands.items()] == list(COMMANDS)
    assert all(command.name == name for name, command in zip(COMMANDS, commands.values(), strict=True))
    assert commands.get("nosuch") is None and "nosuch" not in commands


def test_help_lists_the_table_in_order_and_a_near_miss_is_suggested():
    runner = CliRunner()
    shown = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    positions = [shown.output.index(f"  {name}  ") for name in COMMANDS]
    assert positions == sorted(positions)
    flowed = " ".join(shown.output.split())  # the formatter wraps at the terminal's width
    for entry in COMMANDS.values():
        assert entry.summary in flowed
    missed = runner.invoke(app, ["subscription", "list"])
    assert missed.exit_code == 2 and "Did you mean 'subscriptions'?" in missed.output


def test_a_group_runs_through_the_table_with_billing_commands_joined():
    shown = CliRunner().invoke(app, ["subscriptions", "--help"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert COMMANDS["subscriptions"].summary in " ".join(shown.output.split())
    for name in ("list", "cancel", "preview-cancel", "switch-offer", "upgrade"):
        assert f"  {name}  " in shown.output
    flowed = " ".join(shown.output.split())  # each command's first sentence whole, not cut to one line
    listing = flowed.split("Commands:")[1]
    assert "turned off, data is kept until the deletion date." in listing and "..." not in listing
