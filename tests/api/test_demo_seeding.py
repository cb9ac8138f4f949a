"""Demo seeding is keyed by the database's content: a second data directory on the same database (a
second `serve` host) keeps the service principals' secrets and writes a demo.json that works."""

from __future__ import annotations

import json

from sqlalchemy import delete

from subplane import demo
from subplane.adapters.db.ops_tables import installation_secrets

from .conftest import Arm


def _secrets(demo_json: dict) -> dict[str, tuple[str, str]]:
    return {p["name"]: (p["clientId"], p["clientSecret"]) for p in demo_json["servicePrincipals"]}


def test_seeding_from_a_second_data_directory_keeps_the_secrets(make_app, tmp_path):
    a, b = make_app(data_dir=tmp_path / "a"), make_app(data_dir=tmp_path / "b")
    first = demo.seed(a)
    assert not (tmp_path / "b" / "demo.json").exists()
    second = demo.seed(b)
    again = demo.seed(a)
    assert _secrets(second) == _secrets(first) == _secrets(again)
    assert second["tenantId"] == first["tenantId"]
    on_disk = [json.loads((tmp_path / name / "demo.json").read_text("utf-8")) for name in ("a", "b")]
    assert on_disk[0] == on_disk[1] == second
    for app in (a, b):  # each demo.json signs in, through either process
        arm = Arm(app)
        for role in ("owner", "reader"):
            assert arm.token(role)


def test_a_secret_from_an_older_demo_json_is_adopted_not_rotated(make_app, tmp_path):
    a, b = make_app(data_dir=tmp_path / "a"), make_app(data_dir=tmp_path / "b")
    first = demo.seed(a)
    with a.engine.begin() as conn:  # as an installation seeded before the secrets were kept in the database
        conn.execute(delete(installation_secrets).where(installation_secrets.c.name.like("demo-secret:%")))
    assert _secrets(demo.seed(a)) == _secrets(first)
    assert _secrets(demo.seed(b)) == _secrets(first)  # and now kept for every process
    assert Arm(b).token("owner")


def test_a_principal_whose_secret_nobody_kept_gets_one_that_works(make_app, tmp_path):
    a = make_app(data_dir=tmp_path / "a")
    first = demo.seed(a)
    with a.engine.begin() as conn:
        conn.execute(delete(installation_secrets).where(installation_secrets.c.name.like("demo-secret:%")))
    (tmp_path / "a" / "demo.json").unlink()
    b = make_app(data_dir=tmp_path / "b")
    rotated = demo.seed(b)
    assert {n: c for n, (c, _) in _secrets(rotated).items()} == {n: c for n, (c, _) in _secrets(first).items()}
    assert all(rotated_secret != _secrets(first)[n][1] for n, (_, rotated_secret) in _secrets(rotated).items())
    assert _secrets(demo.seed(a)) == _secrets(rotated)  # kept from now on
    assert Arm(a).token("owner") and Arm(b).token("reader")
