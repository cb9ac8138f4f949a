"""ARM tags: the one rule every write of tags goes through (resource groups, resources, aliases, the tags of
a scope), how ``Microsoft.Resources/tags`` combines a change with what a scope has, and a lenient read for
rows stored before the rule existed.

Limits as ARM documents them: at most 50 tags; a name of 1-512 characters (128 on storage accounts)
without ``< > % & \\ ? /`` or control characters; a value of at most 256 characters.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import InvalidInput
from .text import unstorable_character

MAX_TAGS = 50
MAX_NAME = 512
MAX_STORAGE_ACCOUNT_NAME = 128
MAX_VALUE = 256
_RESERVED = re.compile(r"[<>%&\\?/\x00-\x1f\x7f]")


def validate_tags(tags: Any, *, storage_account: bool = False) -> dict[str, str]:
    """``tags`` as a plain dict of names to values, or ``InvalidInput`` with ARM's code."""
    if not isinstance(tags, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items()):
        raise InvalidInput("InvalidRequestContent", "Tags must be an object whose values are strings.")
    if len(tags) > MAX_TAGS:
        raise InvalidInput("InvalidTags", f"Too many tags: {len(tags)} given, at most {MAX_TAGS} are allowed.")
    max_name = MAX_STORAGE_ACCOUNT_NAME if storage_account else MAX_NAME
    for name, value in tags.items():
        if not name.strip():
            raise InvalidInput("InvalidTagName", "A tag name must not be empty or only white space.")
        if len(name) > max_name:
            raise InvalidInput("InvalidTagName", f"The tag name '{name[:40]}...' is longer than {max_name} characters.")
        if _RESERVED.search(name) or unstorable_character(name):
            raise InvalidInput("InvalidTagNameCharacters", f"The tag name '{name}' has reserved characters "
                                                           "'<,>,%,&,\\,?,/' or control characters.")
        if len(value) > MAX_VALUE:
            raise InvalidInput("InvalidTagValueLength", f"The value of tag '{name}' is longer than {MAX_VALUE} characters.")
        if unstorable_character(value):
            raise InvalidInput("InvalidParameter", f"The value of tag '{name}' has a character that cannot be stored.")
    return dict(tags)


OPERATIONS = ("Merge", "Replace", "Delete")  # Tags_UpdateAtScope's TagsPatchResource.operation


def changed_tags(current: dict[str, str], operation: str, given: Any, *, storage_account: bool = False) -> dict[str, str]:
    """The tags after a ``Tags_UpdateAtScope``: ``Replace`` sets ``given``; ``Merge`` adds its names and sets the
    values of those present; ``Delete`` removes the names given (with a value, only where the value matches).
    Names compare without case, as ARM's do; the result is checked by ``validate_tags`` (ARM checks the limits
    on what the scope ends up with)."""
    chosen = next((o for o in OPERATIONS if o.lower() == str(operation).lower()), None)
    if chosen is None:
        raise InvalidInput("InvalidTagOperation", f"The tag operation '{operation}' is not valid. It must be one of "
                                                  f"{', '.join(OPERATIONS)}.")
    if not isinstance(given, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in given.items()):
        raise InvalidInput("InvalidRequestContent", "Tags must be an object whose values are strings.")
    if chosen == "Replace":
        return validate_tags(given, storage_account=storage_account)
    lowered = {name.lower(): (name, value) for name, value in given.items()}
    if chosen == "Merge":
        kept = {k: v for k, v in current.items() if k.lower() not in lowered}
        return validate_tags({**kept, **dict(lowered.values())}, storage_account=storage_account)
    return {k: v for k, v in current.items()
            if k.lower() not in lowered or lowered[k.lower()][1] not in ("", v)}


def stored_tags(value: Any) -> dict[str, str]:
    """Tags as read back: whatever a row holds (also one written before ``validate_tags`` guarded every write),
    only its string pairs, so one bad row never breaks a read or a list."""
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}
