"""`subplane keys list|rotate`: the token signing keys every process shares."""

from __future__ import annotations

from .common import CliContext, command, command_group
from .render import console, emit_json, instant, table

keys_app = command_group(no_args_is_help=True)


def _key_json(key: dict) -> dict:
    return {"generation": key["generation"], "kid": key["kid"], "status": key["status"],
            "createdAt": instant(key["created_at"]), "retireAfter": instant(key["retire_after"])}


@command(keys_app, "list")
def keys_list(*, cli: CliContext) -> None:
    """Every signing key, newest first: active signs, retiring still verifies, retired is gone."""
    rows = [_key_json(key) for key in cli.app.signing_keys.listing()]
    if cli.json:
        emit_json(rows)
        return
    table(f"Signing keys ({len(rows)})", ["Generation", "Key id", "Status", "Created", "Retires after"],
          [(r["generation"], r["kid"], r["status"], r["createdAt"], r["retireAfter"]) for r in rows], whole=["Key id"])


@command(keys_app, "rotate")
def keys_rotate(*, cli: CliContext) -> None:
    """Sign new tokens with a new key; the old one verifies until its tokens have expired, then retires."""
    keys = [_key_json(key) for key in cli.app.signing_keys.rotate()]
    if cli.json:
        emit_json({"active": keys[0], "keys": keys})
        return
    console.print(f"New signing key {keys[0]['kid']} (generation {keys[0]['generation']}); every process signs with it "
                  "within a minute.")
    for key in keys[1:]:
        if key["status"] == "retiring":
            console.print(f"  {key['kid']} still verifies until {key['retireAfter']}, then retires.")
