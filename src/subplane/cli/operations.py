"""`subplane activity`, `clock`, `jobs`, `demo` and `serve`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn

from ..domain.errors import InvalidInput
from .common import AsOption, CliContext, command, command_group, subscription_ref
from .render import console, emit_json, instant, table

DURATION_FORMATS = "e.g. 90s, 15m, 12h, 31d, 1d12h, 2w"
clock_app = command_group(no_args_is_help=True)
jobs_app = command_group(no_args_is_help=True)
root_commands = command_group()


@command(root_commands, "activity")
def activity(*, cli: CliContext,
             subscription: Annotated[str, typer.Option("--subscription", "-s", help="Subscription id or name.")],
             limit: Annotated[int, typer.Option(help="How many entries, newest first.")] = 50,
             as_: AsOption = None) -> None:
    """The activity log of a subscription: who did what, when, and whether it was allowed."""
    actor = cli.app.directory.principal(as_)
    sub, entries = cli.app.subscriptions.activity(actor=actor, ref=subscription_ref(cli, actor, subscription),
                                                  limit=limit)
    if cli.json:
        emit_json([{"instant": e["instant"], "actor": e["actor"], "action": e["action"], "outcome": e["outcome"],
                    "code": e["code"], "target": e["target"], "correlationId": e["correlation_id"],
                    "details": e["details"]} for e in entries])
        return
    table(f"Activity of {sub.display_name}", ["When", "Who", "Action", "Outcome", "Code"],
          [(instant(e["instant"]), e["actor"], e["action"],
            f"[green]{e['outcome']}[/]" if e["outcome"] == "Succeeded" else f"[red]{e['outcome']}[/]", e["code"])
           for e in entries])


@command(clock_app)
def show(*, cli: CliContext) -> None:
    """What time it is for Subplane."""
    now = cli.app.clock_control.now()
    data = {"now": instant(now), "simulated": cli.app.clock.simulated}
    emit_json(data) if cli.json else console.print(f"{instant(now)} ({'simulated' if data['simulated'] else 'system'} clock)")


# "-1d" would otherwise be read as an unknown option "-1": let it through to say what is wrong with it.
@command(clock_app, context_settings={"ignore_unknown_options": True})
def advance(duration: Annotated[str, typer.Argument(help=f"How far: {DURATION_FORMATS}.", metavar="DURATION")], *,
            cli: CliContext) -> None:
    """Move the simulated clock forward, running everything that falls due, in order.

    DURATION: whole numbers of s (seconds), m (minutes), h (hours), d (days), w (weeks), combined or not."""
    if duration.strip().startswith("-"):
        raise InvalidInput("ClockMovesForward", f"The clock only moves forward: give a positive duration "
                                                f"({DURATION_FORMATS}), not {duration!r}.")
    from ..clock import parse_duration  # with the app: clock.py holds the stored clock's table

    delta = parse_duration(duration)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=console, transient=True,
                  disable=cli.json) as progress:
        task = progress.add_task(f"Advancing {duration}…")
        result = cli.app.clock_control.advance(
            delta, on_job=lambda job: progress.update(task, description=f"{instant(job.due_at)} {job.kind} {job.subject}"))
    jobs = [{"dueAt": instant(j.due_at), "kind": j.kind, "subject": j.subject, "outcome": j.outcome} for j in result.jobs]
    if cli.json:
        emit_json({"from": instant(result.started_at), "now": instant(result.now), "jobs": jobs})
        return
    console.print(f"Clock: {instant(result.started_at)} → {instant(result.now)}")
    if jobs:
        table(f"Jobs run ({len(jobs)})", ["Due", "Kind", "Subject", "Outcome"],
              [(j["dueAt"], j["kind"], j["subject"], j["outcome"]) for j in jobs])


@command(jobs_app, "run-due")
def run_due(*, cli: CliContext) -> None:
    """Run every job whose time has come (the server's runner does this continuously)."""
    results = cli.app.jobs.run_due()
    rows = [{"dueAt": instant(r.due_at), "kind": r.kind, "subject": r.subject, "outcome": r.outcome} for r in results]
    if cli.json:
        emit_json(rows)
    else:
        table(f"Jobs run ({len(rows)})", ["Due", "Kind", "Subject", "Outcome"],
              [(r["dueAt"], r["kind"], r["subject"], r["outcome"]) for r in rows])


def print_demo(cli: CliContext, demo: dict) -> None:
    if cli.json:
        emit_json(demo)
        return
    from .. import demo as demo_data

    table("Demo users (password: " + demo_data.DEMO_PASSWORD + ")", ["User", "Role"],
          [(u["userPrincipalName"], u["role"]) for u in demo["users"]])
    table("Demo service principals", ["Name", "Client id", "Role"],
          [(p["name"], p["clientId"], p["role"]) for p in demo["servicePrincipals"]])
    console.print(f"Secrets and passwords are in {cli.app.settings.data_dir / 'demo.json'}")


@command(root_commands, "demo", creates=True)
def demo(*, cli: CliContext) -> None:
    """Create the demo directory and subscriptions (idempotent)."""
    from .. import demo as demo_data

    print_demo(cli, demo_data.seed(cli.app))
