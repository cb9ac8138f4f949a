"""`subplane subscriptions ...`"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated

import typer

from ..domain.access import Principal
from ..domain.errors import InvalidInput
from .common import AsOption, CliContext, command, command_group, subscription_ref
from .render import console, emit_json, estimate_json, instant, show_final_estimate, state_text, subscription_json, table

app = command_group(no_args_is_help=True)
SubArg = Annotated[str, typer.Argument(help="Subscription id or display name (capitals ignored where that is unique).")]


def _show_one(cli: CliContext, sub, extra: dict | None = None) -> None:
    data = {**subscription_json(sub), **(extra or {})}
    if cli.json:
        emit_json(data)
        return
    console.print(f"[bold]{sub.display_name}[/]  {sub.subscription_id}")
    console.print(f"  State:          {state_text(sub)}")
    console.print(f"  Offer:          {sub.offer_id}")
    if sub.cancelled_at:
        reason = sub.cancellation_reason or "—"  # a purge forgets the reason
        console.print(f"  Cancelled at:   {instant(sub.cancelled_at)} by {sub.cancelled_by}: {reason}")
    if sub.deletion_date:
        label = "Deleted at" if sub.state.value == "Deleted" else "Deletion date"
        console.print(f"  {label + ':':<15} {instant(sub.deletion_date)}")
    for key, values in (extra or {}).items():
        if isinstance(values, list):
            console.print(f"  {key}: {len(values)}")
            for value in values:
                console.print(f"    - {value}")


@command(app, "list")
def list_(*, cli: CliContext, as_: AsOption = None) -> None:
    """List the subscriptions you can see."""
    actor = cli.app.directory.principal(as_)
    subs = cli.app.subscriptions.list(actor=actor)
    if cli.json:
        emit_json([subscription_json(s) for s in subs])
        return
    table("Subscriptions", ["Name", "Subscription id", "Offer", "State", "Deletion date"],
          [(s.display_name, s.subscription_id, s.offer_id, state_text(s), instant(s.deletion_date)) for s in subs],
          whole=("Subscription id",), optional=("Offer", "Deletion date"))


@command(app)
def create(
    name: Annotated[str, typer.Argument(help="The new subscription's display name.")],
    *,
    cli: CliContext,
    billing_account: Annotated[str, typer.Option("--billing-account", help="Billing account name or id (required).")] = "",
    offer: Annotated[str, typer.Option(help="Offer id, e.g. MS-AZR-0003P (Pay-As-You-Go), MS-AZR-0044P (Free Trial).")] = "MS-AZR-0003P",
    as_: AsOption = None,
) -> None:
    """Sign up for a new subscription on a billing account (its Account Administrator, or a billing-account role)."""
    if not billing_account:
        raise InvalidInput("BillingAccountRequired", "Name the billing account with --billing-account.")
    _show_one(cli, cli.app.subscriptions.create(actor=cli.app.directory.principal(as_), display_name=name,
                                                billing_account_id=billing_account, offer_id=offer))


@command(app)
def show(subscription: SubArg, *, cli: CliContext, as_: AsOption = None) -> None:
    """Show one subscription."""
    actor = cli.app.directory.principal(as_)
    _show_one(cli, cli.app.subscriptions.get(actor=actor, ref=subscription_ref(cli, actor, subscription)))


@command(app)
def cancel(
    subscription: SubArg,
    *,
    cli: CliContext,
    reason: Annotated[str, typer.Option("--reason", help="Why you cancel (required).")] = "",
    turn_off_resources: Annotated[bool, typer.Option(
        "--turn-off-resources", help="Confirm that running resources may be turned off.")] = False,
    support_auto_renew: Annotated[bool | None, typer.Option(
        "--support-auto-renew/--no-support-auto-renew",
        help="With a support plan: keep its auto-renew on or turn it off (asked when omitted on a terminal).")] = None,
    at: Annotated[str | None, typer.Option(
        "--at", help="Cancel by itself at this later ISO 8601 instant or date (UTC) instead of now.")] = None,
    as_: AsOption = None,
) -> None:
    """Cancel a subscription: billing stops now, resources are turned off, data is kept until the deletion date.

    Cancelling one that is already cancelled changes nothing and exits 0, like the other commands whose
    target is already in the state asked for (reactivating an active subscription, stopping a stopped VM)."""

    if not reason.strip():  # checked here too: the service asks no reason when nothing changes
        raise InvalidInput("CancellationReasonRequired", "A reason for cancelling is required (--reason).")
    actor = cli.app.directory.principal(as_)
    subscription = subscription_ref(cli, actor, subscription)
    if at is not None:
        from ..clock import parse_instant  # with the app: clock.py holds the stored clock's table

        _schedule_cancel(cli, actor, subscription, parse_instant(at), reason, turn_off_resources)
        return
    support_auto_renew = ask_support_auto_renew(cli, actor, subscription, support_auto_renew)
    result = cli.app.subscriptions.cancel(actor=actor, ref=subscription, reason=reason,
                                          turn_off_resources=turn_off_resources, support_auto_renew=support_auto_renew)
    turned_off = cli.app.subscriptions.turned_off(actor=actor, ref=subscription, change_id=result.change_id)
    extra = {"changed": result.changed, **turned_off}
    if result.support_plan is not None:
        extra["supportPlan"] = result.support_plan
    if result.billing is not None:  # the same figures `preview-cancel` showed (billing, issue 4)
        extra["finalEstimate"] = estimate_json(result.billing)
    if not result.changed and not cli.json:
        cancelled_on = result.subscription.cancelled_at
        console.print(f"{result.subscription.display_name} was already cancelled"
                      f"{' on ' + instant(cancelled_on) if cancelled_on else ''}, nothing changed.", highlight=False)
    _show_one(cli, result.subscription, extra)
    if result.billing is not None and not cli.json:
        show_final_estimate(result.billing)
    if result.support_plan is not None and not cli.json:
        console.print(f"  Support plan {result.support_plan['plan']}: auto-renew "
                      f"{'on' if result.support_plan['autoRenew'] else 'off'}")


def _schedule_cancel(cli: CliContext, actor: Principal, subscription: str, at: datetime, reason: str, turn_off: bool) -> None:
    when = cli.app.subscriptions.schedule_cancel(actor=actor, ref=subscription, at=at, reason=reason,
                                                 turn_off_resources=turn_off)
    if cli.json:
        emit_json({"subscription": subscription, "cancelAt": when.isoformat(), "reason": reason.strip()})
        return
    console.print(f"{subscription} will be cancelled on {instant(when)}; until then nothing changes.", highlight=False)


@command(app)
def reactivate(subscription: SubArg, *, cli: CliContext, as_: AsOption = None) -> None:
    """Reactivate a cancelled subscription before its deletion date."""
    actor = cli.app.directory.principal(as_)
    _show_one(cli, cli.app.subscriptions.reactivate(actor=actor, ref=subscription_ref(cli, actor, subscription)))


@command(app)
def delete(
    subscription: SubArg,
    *,
    cli: CliContext,
    confirm_name: Annotated[str, typer.Option("--confirm-name", help="The subscription's exact name (required).")] = "",
    as_: AsOption = None,
) -> None:
    """Delete a cancelled subscription now (at least 15 minutes after cancelling, with no resources left)."""
    if not confirm_name:
        raise InvalidInput("ConfirmationNameRequired",
                           "Deleting is permanent: confirm with --confirm-name and the subscription's exact name.")
    actor = cli.app.directory.principal(as_)
    _show_one(cli, cli.app.subscriptions.delete(actor=actor, ref=subscription_ref(cli, actor, subscription),
                                                confirm_name=confirm_name))


@command(app)
def rename(subscription: SubArg, name: Annotated[str, typer.Argument(help="The new display name.")], *,
           cli: CliContext, as_: AsOption = None) -> None:
    """Rename a subscription."""
    actor = cli.app.directory.principal(as_)
    _show_one(cli, cli.app.subscriptions.rename(actor=actor, ref=subscription_ref(cli, actor, subscription), new_name=name))


def interactive(cli: CliContext) -> bool:
    """A person at a terminal who can answer a question (not a script reading JSON)."""
    return not cli.json and sys.stdin.isatty() and sys.stdout.isatty()


def ask_support_auto_renew(cli: CliContext, actor: Principal, subscription: str, given: bool | None) -> bool | None:
    """lifecycle.md §3: cancelling a subscription with a support plan asks whether to turn off auto-renew.
    Given as an option, that answer; else asked on a terminal; else refused rather than picked silently."""
    if given is not None:
        return given
    plan = cli.app.billing.open_support_plan(actor=actor, ref=subscription)
    if plan is None:
        return None
    if not interactive(cli):
        raise InvalidInput("SupportPlanChoiceRequired",
                           f"'{plan['subscription']}' has the support plan {plan['plan']}: pass --support-auto-renew "
                           "or --no-support-auto-renew to say whether it renews after the cancel.")
    turn_off = typer.confirm(f"'{plan['subscription']}' has the support plan {plan['plan']} (billed to the end of its "
                             "month). Turn off its auto-renew?", default=True)
    return not turn_off
