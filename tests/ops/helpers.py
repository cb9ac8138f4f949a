"""Shared bits for the operability tests: a cancelled demo subscription and state comparisons."""

from __future__ import annotations

from subplane.adapters.db.ops_repo import OpsRepo
from subplane.domain.access import OPERATOR

LOOPBACK = ("127.0.0.1", 50000)  # an in-process client that stands for a caller on this machine


def cancel_production(app) -> str:
    result = app.subscriptions.cancel(actor=OPERATOR, ref="Productie", reason="moving to another cloud",
                                      turn_off_resources=True)
    return result.subscription.subscription_id


def outbox_rows(app) -> list[tuple]:
    with app.uow(read_only=True) as uow:
        return [(r["id"], r["type"], r["subject"], r["instant"], r["subscription_id"], r["data"])
                for r in uow.outbox.list(limit=10_000)]


def messages(app) -> list[tuple]:
    app.notifications.render_new()
    return [(m["outbox_id"], m["kind"], m["language"], m["recipient"], m["subject"], m["body"], m["created_at"])
            for m in app.notifications.list()]


def subscriptions(app) -> list[tuple]:
    return sorted((s.subscription_id, s.display_name, s.state.value, s.state_reason and s.state_reason.value,
                   s.deletion_date) for s in app.subscriptions.list(actor=OPERATOR))


def due_jobs(app) -> list[tuple]:
    from sqlalchemy import select

    from subplane.adapters.db.tables import due_jobs as table

    with app.uow(read_only=True) as uow:
        return [tuple(r) for r in uow.conn.execute(
            select(table.c.kind, table.c.subject, table.c.due_at, table.c.status).order_by(table.c.id)).all()]


def cursor(app, consumer: str) -> int:
    with app.uow() as uow:
        return OpsRepo(uow.conn).cursor(consumer)
