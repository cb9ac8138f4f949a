"""Shared fixtures. Integration tests run on SQLite and, when reachable, PostgreSQL.

``SUBPLANE_TEST_POSTGRES_URL`` points at a PostgreSQL database (default: the local ``test`` database
with trust auth). Each test gets its own schema, dropped afterwards. When PostgreSQL is unreachable
the PostgreSQL cases are skipped, unless ``SUBPLANE_REQUIRE_POSTGRES=1`` (as in CI) makes that a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy

from subplane import settings as settings_module
from subplane.bootstrap import App, build_app

# Tests never depend on today's date: every simulated clock (in-process apps, CLI and `serve` subprocesses,
# which inherit the environment) starts at one pinned instant. SUBPLANE_TEST_CLOCK_START runs the suite from
# another calendar date (e.g. 2028-02-29T10:00:00Z).
CLOCK_START = os.environ.get("SUBPLANE_TEST_CLOCK_START", "2026-11-10T09:00:00Z")
os.environ["SUBPLANE_CLOCK_START"] = CLOCK_START

POSTGRES_URL = os.environ.get("SUBPLANE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("SUBPLANE_REQUIRE_POSTGRES") == "1"
BACKENDS = ["sqlite", "postgres"]
BLOB_STORES = ["file", "database", "s3"]


def _postgres_reachable() -> bool:
    try:
        engine = sqlalchemy.create_engine(POSTGRES_URL)
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001
        return False


_PG_OK: bool | None = None


def postgres_available() -> bool:
    global _PG_OK
    if _PG_OK is None:
        _PG_OK = _postgres_reachable()
    return _PG_OK


class Database:
    """A fresh, empty database for one test: a SQLite file, or a PostgreSQL schema."""

    def __init__(self, backend: str, tmp_path: Path) -> None:
        self.backend = backend
        self.schema: str | None = None
        if backend == "sqlite":
            self.url = f"sqlite:///{tmp_path / 'subplane-test.db'}"
            return
        if not postgres_available():
            if REQUIRE_POSTGRES:
                pytest.fail(f"PostgreSQL is required but unreachable at {POSTGRES_URL}")
            pytest.skip("PostgreSQL is not reachable")
        self.schema = "t_" + uuid.uuid4().hex[:12]
        admin = sqlalchemy.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{self.schema}"')
        admin.dispose()
        separator = "&" if "?" in POSTGRES_URL else "?"
        self.url = f"{POSTGRES_URL}{separator}options=-csearch_path%3D{self.schema}"

    def drop(self) -> None:
        if self.schema:
            admin = sqlalchemy.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
            admin.dispose()


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing():
    """argon2's production cost (~0.3 s per hash) would dominate the suite; tests use the smallest
    parameters argon2 accepts. Hash and verify still go through argon2, so behaviour is unchanged."""
    from argon2 import PasswordHasher

    from subplane.adapters import passwords

    original = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yield
    passwords._hasher = original


@pytest.fixture(params=BACKENDS)
def database(request, tmp_path) -> Iterator[Database]:
    db = Database(request.param, tmp_path)
    yield db
    db.drop()


@pytest.fixture
def make_app(database: Database, tmp_path) -> Iterator[Callable[..., App]]:
    """Build an App on this test's database; extra keyword arguments become settings."""
    apps: list[App] = []

    def factory(**overrides) -> App:
        overrides.setdefault("data_dir", tmp_path / "data")
        settings = settings_module.load(env={"SUBPLANE_CLOCK_START": CLOCK_START}, database_url=database.url,
                                        **overrides)
        built = build_app(settings)
        apps.append(built)
        return built

    yield factory
    for built in apps:
        built.close()


@pytest.fixture
def app(make_app) -> App:
    return make_app()


@pytest.fixture
def demo_app(app) -> App:
    from subplane import demo

    demo.seed(app)
    return app


# blob stores -------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3 API, moto in server mode, on a free loopback port; test credentials go into the standard
    AWS variables, so in-process apps and `serve` subprocesses find them as an operator's would be found."""
    from moto.server import ThreadedMotoServer

    from tests.server import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ACCESS_KEY_ID", "subplane-test")
        env.setenv("AWS_SECRET_ACCESS_KEY", "subplane-test-secret")
        yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def blob_store_settings(request) -> Callable[[str], dict]:
    """The settings for a blob store; for S3 a new bucket on the test's S3 server (and a prefix, so the
    store is shown to keep to it)."""

    def settings_for(store: str) -> dict:
        if store != "s3":
            return {"blob_store": store}
        import boto3

        endpoint = request.getfixturevalue("s3_endpoint")
        bucket = f"subplane-{uuid.uuid4().hex[:12]}"
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
        return {"blob_store": "s3", "s3_endpoint": endpoint, "s3_bucket": bucket, "s3_region": "us-east-1",
                "s3_prefix": "team-a/"}

    return settings_for


@pytest.fixture(params=BLOB_STORES)
def store_app(request, make_app, blob_store_settings) -> App:
    """An app on this test's database with each blob store in turn."""
    return make_app(**blob_store_settings(request.param))


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium through Playwright, once per session for every package that drives it."""
    from tests.browser.conftest import launch_browser

    yield from launch_browser()
