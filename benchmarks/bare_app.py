"""The baseline of benchmarks/http_load.py: a bare FastAPI app with Subplane's route shapes, answering each route
with the status, headers and body bytes Subplane gave for it once (captured by http_load.py), verbatim.

It runs on exactly Subplane's server stack: ``subplane.cli.serve.uvicorn_options`` (the same uvicorn settings, the
same TLS certificate and key from the data directory) and ``subplane.logs.configure`` (the same log handler), so
the difference http_load.py measures is Subplane's request path: authentication, access checks, the database,
rendering, the request log, metrics and the per-request log line.

    python benchmarks/bare_app.py --captured captured.json --data-dir DIR --port PORT [--log-level info]
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response  # at module level: FastAPI resolves the endpoints' annotations here

# name -> (method, route): the shapes of the Subplane routes http_load.py drives, path parameters included
ROUTES = {
    "subscription": ("GET", "/subscriptions/{sub}"),
    "subscriptions": ("GET", "/subscriptions"),
    "resources": ("GET", "/subscriptions/{sub}/resources"),
    "token": ("POST", "/{tenant}/oauth2/v2.0/token"),
    "put_group": ("PUT", "/subscriptions/{sub}/resourcegroups/{rg}"),
}
# not replayed: uvicorn writes its own (or they describe the transfer, not the answer)
SKIPPED_HEADERS = {"date", "server", "content-length", "transfer-encoding", "connection", "keep-alive"}


def capture(status: int, headers: list[tuple[str, str]], body: bytes) -> dict:
    """One answer as the captured file keeps it (JSON: the body base64)."""
    return {"status": status, "headers": [[k, v] for k, v in headers if k.lower() not in SKIPPED_HEADERS],
            "body": base64.b64encode(body).decode("ascii")}


def create_app(captured: dict[str, dict]) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    def replay(answer: dict) -> Callable[[Request], Awaitable[Response]]:
        body = base64.b64decode(answer["body"])
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in answer["headers"]]
        status = answer["status"]

        async def endpoint(request: Request) -> Response:
            await request.body()  # a write or the token form: read what the client sent, as any endpoint must
            response = Response(content=body, status_code=status)
            response.raw_headers = [*headers, (b"content-length", str(len(body)).encode())]
            return response

        return endpoint

    for name, (method, route) in ROUTES.items():
        if name in captured:
            app.add_api_route(route, replay(captured[name]), methods=[method])

    @app.get("/_subplane/health")
    async def health() -> dict:
        return {"status": "ok"}

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--captured", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, required=True, help="Subplane's: its tls/server.pem and key are served")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--log-format", default="json")
    args = parser.parse_args(argv)

    import uvicorn

    from subplane import logs
    from subplane.adapters.tls import TlsFiles
    from subplane.cli.serve import uvicorn_options

    logs.configure(args.log_level.upper(), args.log_format)
    tls = TlsFiles(args.data_dir / "tls" / "server.pem", args.data_dir / "tls" / "server-key.pem", None)
    app = create_app(json.loads(args.captured.read_text(encoding="utf-8")))
    uvicorn.Server(uvicorn.Config(app, **uvicorn_options(tls, host=args.host, port=args.port,
                                                         log_level=args.log_level))).run()


if __name__ == "__main__":
    sys.exit(main())
