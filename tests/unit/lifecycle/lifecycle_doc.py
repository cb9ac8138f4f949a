"""The tables of docs/lifecycle.md, rendered from the domain's one table (``TRANSITIONS``) and the shipped offers,
so the document cannot drift from what runs. ``python -m tests.unit.lifecycle.lifecycle_doc`` prints them to paste."""

from __future__ import annotations

import json
from importlib import resources

from subplane.domain.lifecycle import TRANSITIONS, Outcome

BEGIN, END = "<!-- transitions: generated from domain/lifecycle.py TRANSITIONS -->", "<!-- /transitions -->"
OFFERS_BEGIN, OFFERS_END = "<!-- offers: generated from data/offers.json -->", "<!-- /offers -->"


def transitions_table() -> str:
    rows = ["| From (state, reason) | Action | Outcome | To | Effect on resources |", "|---|---|---|---|---|"]
    for rule in TRANSITIONS:
        source = rule.state.value + (f" ({rule.reason.value})" if rule.reason else "")
        if rule.outcome is Outcome.CHANGE:
            target = (rule.to_state.value if rule.to_state else source) + \
                (f" ({rule.to_reason.value})" if rule.to_reason else "")
        else:
            target = "unchanged"
        rows.append(f"| {source} | `{rule.action.value}` | {rule.outcome.value} | {target} | {rule.effect.value} |")
    return "\n".join(rows)


def offers_table() -> str:
    offers = json.loads(resources.files("subplane.data").joinpath("offers.json").read_text("utf-8"))
    rows = ["| Offer | Name | Retention (days) | Self-service reactivation | Who may cancel | Credit | Spending limit |"
            " Switch to |", "|---|---|---|---|---|---|---|---|"]
    for offer in offers:
        credit = offer.get("credit")
        rows.append(f"| `{offer['offerId']}` | {offer['name']} | {offer['retentionDays']} | "
                    f"{'yes' if offer.get('selfServiceReactivation') else 'no'} | {', '.join(offer['cancelRoles'])} | "
                    f"{credit['amount'] + ' for ' + str(credit['validityDays']) + ' days' if credit else '—'} | "
                    f"{'yes' if offer.get('spendingLimit') else 'no'} | {', '.join(offer.get('switchTargets', [])) or '—'} |")
    return "\n".join(rows)


def block(begin: str, body: str, end: str) -> str:
    return f"{begin}\n{body}\n{end}"


if __name__ == "__main__":
    print(block(BEGIN, transitions_table(), END))
    print()
    print(block(OFFERS_BEGIN, offers_table(), OFFERS_END))
