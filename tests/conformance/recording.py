"""``python -m tests.conformance.recording serve ...``: `subplane serve` whose every ARM answer is appended, as one
JSON line (method, route pattern, api-version, status, body), to the file ``SUBPLANE_RECORD_RESPONSES`` names."""

from __future__ import annotations

import json
import os
from pathlib import Path


class RecordingMiddleware:
    def __init__(self, app, target: Path) -> None:
        self.app, self.target = app, target

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        answer: dict = {"status": 0, "chunks": [], "json": False}

        async def capture(message):
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                answer["json"] = any(k.lower() == b"content-type" and b"json" in v.lower()
                                     for k, v in message.get("headers", []))
            elif message["type"] == "http.response.body":
                answer["chunks"].append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, capture)
        if "arm_route" in scope:
            self._append(scope, answer)

    def _append(self, scope, answer: dict) -> None:
        route, _ = scope["arm_route"]
        raw = b"".join(answer["chunks"])
        query = dict(pair.split("=", 1) for pair in scope.get("query_string", b"").decode().split("&") if "=" in pair)
        record = {"method": scope["method"], "route": route.pattern, "apiVersion": query.get("api-version", ""),
                  "status": answer["status"],
                  "body": json.loads(raw) if raw and answer["json"] else (None if not raw else "<not json>")}
        with self.target.open("a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")


def main() -> None:
    from subplane.api import server
    from subplane.cli.main import run

    build = server.create_http_app
    target = Path(os.environ["SUBPLANE_RECORD_RESPONSES"])
    server.create_http_app = lambda app, **kw: RecordingMiddleware(build(app, **kw), target)
    run()


if __name__ == "__main__":
    main()
