"""A local HTTP receiver for webhook tests: records every POST; each event fails ``failures`` times first."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, *, failures: int = 0) -> None:
        self.failures = failures
        self.seen: dict[str, int] = {}
        self.received: list[dict] = []  # every attempt: status we answered, headers, body, envelope
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's hook name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                event = json.loads(body)
                if isinstance(event, list):  # Event Grid's schema: an array (of one event, from Subplane)
                    event = event[0]
                with receiver._lock:
                    attempt = receiver.seen[event["id"]] = receiver.seen.get(event["id"], 0) + 1
                    status = 500 if attempt <= receiver.failures else 200
                    receiver.received.append({"status": status, "headers": dict(self.headers), "body": body,
                                              "event": event})
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):  # keep test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def accepted(self) -> list[dict]:
        with self._lock:
            return [r for r in self.received if r["status"] == 200]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
