"""Request bodies and parameters checked at the edge, before anything reaches a service.

One reader for every JSON body the HTTP edges take (ARM and the emulator controls): a size limit and a
nesting-depth pre-scan before ``json`` recurses, duplicate keys, ``NaN``/``Infinity`` and integers past
a 64-bit range refused, and no string (key or value) holding a character no database column can store
(NUL, a lone surrogate). Then the operation's pydantic model: wrong types are ``InvalidRequestContent``,
values outside a field's bounds ``InvalidParameter``, and a field's own validator may name its ARM code.
Every refusal is a ``RequestRefused`` the edge renders as a 400 in its own error shape.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError
from starlette.requests import Request

from ..domain.errors import InvalidInput
from ..domain.text import describe, unstorable_character

MAX_BODY_BYTES = 1_048_576  # ARM's own request limit is 4 MB for templates; nothing Subplane takes is near 1 MB
MAX_DEPTH = 32  # the deepest body an SDK sends is about 8 levels (a VM's storage profile)
MAX_INTEGER = 2**63 - 1  # what a BIGINT column holds
MAX_INTEGER_DIGITS = 19
INVALID_CONTENT = "InvalidRequestContent"
INVALID_PARAMETER = "InvalidParameter"
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_WHOLE_NUMBER = re.compile(r"^[0-9]{1,18}$")  # ASCII digits only: str.isdigit() also takes '²', which int() refuses
_BOUND_ERRORS = {"string_too_long", "string_too_short", "too_long", "too_short", "greater_than", "less_than",
                 "greater_than_equal", "less_than_equal", "finite_number", "literal_error", "enum",
                 "string_pattern_mismatch"}

Model = TypeVar("Model", bound=BaseModel)


class RequestRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _content(detail: str) -> RequestRefused:
    return RequestRefused(INVALID_CONTENT, f"The request content was invalid and could not be deserialized: {detail}")


def _too_deep(raw: bytes, limit: int) -> bool:
    """Nesting depth without parsing: brackets outside strings (a backslash escapes the next byte)."""
    depth, in_string, escaped = 0, False, False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    result: dict = {}
    for key, value in pairs:
        if key in result:
            raise _content(f"the property '{key}' appears more than once.")
        result[key] = value
    return result


def _bounded_int(text: str) -> int:
    digits = text.lstrip("-")
    if len(digits) > MAX_INTEGER_DIGITS or abs(int(text)) > MAX_INTEGER:
        raise _content(f"the number {text[:24]}{'...' if len(text) > 24 else ''} is out of range.")
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _content(f"the number {text[:24]} is out of range.")
    return value


def _refuse_constant(name: str):
    raise _content(f"'{name}' is not a JSON number.")


def require_storable(value: Any) -> None:
    """Every key and string in the (depth-bounded) document must be storable: also those no schema reads."""
    stack = [(value, "")]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            bad = unstorable_character(item)
            if bad is not None:
                raise _content(f"'{where or '(body)'}' contains the character {describe(bad)}, which is not allowed.")
        elif isinstance(item, dict):
            for key, child in item.items():
                bad = unstorable_character(key)
                if bad is not None:
                    raise _content(f"a property name contains the character {describe(bad)}, which is not allowed.")
                stack.append((child, f"{where}.{key}" if where else key))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{index}]") for index, child in enumerate(item))


def read_json(raw: bytes, *, max_bytes: int = MAX_BODY_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """The body as JSON (``None`` when empty), or ``RequestRefused``. Strings are checked by ``require_storable``
    after the schema, so a field whose rule names its own code (a name, a location) answers with that code."""
    if len(raw) > max_bytes:
        raise RequestRefused(INVALID_CONTENT, f"The request content is larger than {max_bytes} bytes.")
    if not raw.strip():
        return None
    if _too_deep(raw, max_depth):
        raise _content(f"the document is nested deeper than {max_depth} levels.")
    try:
        text = raw.decode("utf-8")  # strict: invalid UTF-8 (and encoded surrogates) is refused here
        value = json.loads(text, object_pairs_hook=_unique_keys, parse_int=_bounded_int, parse_float=_finite_float,
                           parse_constant=_refuse_constant)
    except RequestRefused:
        raise
    except (ValueError, RecursionError):
        raise RequestRefused(INVALID_CONTENT, "The request content was invalid and could not be deserialized.") from None
    return value


def _location(loc: tuple) -> str:
    return ".".join(str(part) for part in loc) or "(body)"


def validate(model: type[Model], value: Any) -> Model:
    """``value`` (parsed JSON, ``None`` for an empty body) as ``model``; a refusal names the first bad field."""
    try:
        return model.model_validate({} if value is None else value)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        kind, where = first["type"], _location(first["loc"])
        if kind not in _BOUND_ERRORS and kind.isalpha() and kind[0].isupper():  # an ARM code a validator named
            raise RequestRefused(kind, first["msg"]) from None
        if kind in _BOUND_ERRORS:
            raise RequestRefused(INVALID_PARAMETER, f"The value of '{where}' is not valid: {first['msg']}.") from None
        raise _content(f"'{where}': {first['msg']}.") from None


def parse_body(raw: bytes, model: type[Model]) -> Model:
    value = read_json(raw)
    parsed = validate(model, value)
    require_storable(value)
    return parsed


def refuse(code: str, message: str) -> PydanticCustomError:
    """For a field validator: refuse with this ARM code (``validate`` passes it through)."""
    return PydanticCustomError(code, message)


def domain_rule(rule: Callable[..., Any], **options):
    """A field validator applying a domain rule (one source for every edge); its refusal keeps the rule's code."""
    def check(value):
        if value is None:
            return value
        try:
            rule(value, **options)
        except InvalidInput as error:
            raise refuse(error.code, error.message) from None
        return value

    return check


def is_guid(text: str) -> bool:
    return _GUID.fullmatch(text) is not None


def whole_number(name: str, text: str | None, *, default: int, maximum: int) -> int:
    """A query parameter or header holding a non-negative whole number no larger than ``maximum``."""
    if text is None or text == "":
        return default
    if not _WHOLE_NUMBER.match(text) or int(text) > maximum:
        raise RequestRefused(INVALID_PARAMETER, f"The value of '{name}' must be a whole number from 0 to {maximum}.")
    return int(text)


def refusal_body(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}


def install_handlers(http) -> None:
    """Refused bodies and parameters of the FastAPI routes (emulator controls, blob, identity) answer 400 in the
    ARM error shape instead of FastAPI's 422 ``detail`` list."""
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse

    http.add_middleware(UnstorableUrlGuard)

    @http.exception_handler(RequestRefused)
    async def refused(_, error: RequestRefused) -> JSONResponse:
        return JSONResponse(refusal_body(error.code, error.message), status_code=400)

    @http.exception_handler(RequestValidationError)
    async def invalid(_, error: RequestValidationError) -> JSONResponse:
        first = (error.errors() or [{}])[0]
        where = _location(tuple(first.get("loc", ())))
        return JSONResponse(refusal_body(INVALID_PARAMETER, f"The value of '{where}' is not valid: {first.get('msg', '')}."),
                            status_code=400)


async def read_limited(request, max_bytes: int = MAX_BODY_BYTES) -> bytes:
    """The body of a Starlette request, refused as soon as it grows past ``max_bytes`` (never buffered whole)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise RequestRefused(INVALID_CONTENT, f"The request content is larger than {max_bytes} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


def json_body(model: type[Model]):
    """A FastAPI dependency: the request body read by ``read_json`` and validated as ``model`` (an empty body is
    ``model()``). Pair it with ``openapi_body(model)`` so /openapi.json describes the body."""
    from fastapi import Depends

    async def read(request: Request) -> Model:
        return parse_body(await read_limited(request), model)

    return Depends(read)


def openapi_body(model: type[BaseModel]) -> dict:
    return {"requestBody": {"required": False, "content": {"application/json": {"schema": model.model_json_schema()}}}}


class UnstorableUrlGuard:
    """ASGI: a path or query string holding NUL (``%00``) is refused before routing; no route takes one, and
    PostgreSQL cannot compare text with it. (Lone surrogates cannot arrive this way: URLs are decoded as UTF-8
    with replacement.)"""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and ("\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b"").lower()
                                        or b"\x00" in scope.get("query_string", b"")):
            from starlette.responses import JSONResponse

            response = JSONResponse(refusal_body(INVALID_PARAMETER, "The request URL contains the character U+0000, "
                                                                    "which is not allowed."), status_code=400)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
