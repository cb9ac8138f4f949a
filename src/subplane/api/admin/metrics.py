"""Prometheus metrics: request counters and latency, plus gauges read from the database at scrape time."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy import func, select

from ...adapters.db.ops_repo import OpsRepo
from ...adapters.db.tables import due_jobs

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class StateCollector:
    """Subscriptions by state, due-job lag, outbox backlog, webhook and notification counts."""

    def __init__(self, app) -> None:
        self.app = app

    def collect(self):
        with self.app.uow(read_only=True) as uow:
            by_state = uow.subscriptions.count_by_state()
            oldest_due = uow.conn.execute(
                select(func.min(due_jobs.c.due_at)).where(due_jobs.c.status == "pending", due_jobs.c.due_at <= uow.now)
            ).scalar()
            pending_jobs = uow.conn.execute(
                select(func.count()).select_from(due_jobs).where(due_jobs.c.status == "pending")).scalar_one()
            ops = OpsRepo(uow.conn)
            backlog = {consumer: ops.outbox_backlog(consumer) for consumer in ("notifications", "webhooks")}
            webhooks = ops.webhook_counts()
            messages = ops.notification_counts()
            now = uow.now
        states = GaugeMetricFamily("subplane_subscriptions", "Subscriptions by lifecycle state.", labels=["state"])
        for state in ("Enabled", "Warned", "PastDue", "Disabled", "Deleted", *sorted(set(by_state) - {
                "Enabled", "Warned", "PastDue", "Disabled", "Deleted"})):
            states.add_metric([state], by_state.get(state, 0))
        yield states
        yield GaugeMetricFamily("subplane_due_job_lag_seconds", "How late the oldest due job is.",
                                value=(now - oldest_due).total_seconds() if oldest_due else 0.0)
        yield GaugeMetricFamily("subplane_due_jobs_pending", "Jobs waiting for their time.", value=pending_jobs)
        outbox = GaugeMetricFamily("subplane_outbox_backlog", "Outbox events a consumer has not handled yet.",
                                   labels=["consumer"])
        for consumer, count in backlog.items():
            outbox.add_metric([consumer], count)
        yield outbox
        yield GaugeMetricFamily("subplane_webhook_deliveries_pending", "Webhook deliveries not yet accepted.",
                                value=webhooks["pending"])
        yield CounterMetricFamily("subplane_webhook_delivery_failures", "Failed webhook delivery attempts.",
                                  value=webhooks["failures"])
        yield GaugeMetricFamily("subplane_webhook_deliveries_abandoned", "Deliveries that ran out of retries.",
                                value=webhooks["gaveUp"])
        notifications = GaugeMetricFamily("subplane_notifications", "Rendered notifications by status.",
                                          labels=["status"])
        for status, count in sorted(messages.items()):
            notifications.add_metric([status], count)
        yield notifications


class Metrics:
    def __init__(self, app) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("subplane_http_requests", "HTTP requests by route and status.",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("subplane_http_request_duration_seconds", "HTTP request latency by route.",
                                 ["method", "route", "status"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.registry.register(StateCollector(app))

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route, str(status)).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
