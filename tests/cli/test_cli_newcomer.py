"""What a new user trips over (issue 15): narrow terminals, near-miss names, repeated cancels, a negative
clock step, a mistyped data directory, and a data directory that knows whether its server runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from tests.cli.test_cli_walkthrough import Cli
from tests.server import ServerProcess, free_port


@pytest.fixture
def cli(database, tmp_path):
    runner = Cli(tmp_path / "data", database.url)
    runner("demo")
    return runner


def narrow(cli: Cli, columns: int, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "subplane.cli.main", *args], env={**cli.env, "COLUMNS": str(columns)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert max(map(len, done.stdout.splitlines())) <= columns, done.stdout
    return done.stdout


@pytest.mark.parametrize("columns", [80, 60])
def test_tables_never_split_a_word(cli, columns):
    cli("subscriptions", "cancel", "Ontwikkeling", "--reason", "Klaar", "--turn-off-resources",
        "--as", "admin@contoso.example")
    listed = narrow(cli, columns, "subscriptions", "list")
    for sub in cli.json("subscriptions", "list"):
        assert sub["displayName"] in listed and sub["subscriptionId"] in listed
    assert "Ontwikkeling" in listed and "Disabled (Cancelled)" in listed
    resources = narrow(cli, columns, "resources", "list", "--subscription", "Productie")
    for resource in cli.json("resources", "list", "--subscription", "Productie"):
        assert resource["name"] in resources and resource["type"] in resources


def test_a_wide_terminal_keeps_the_table_and_a_narrower_one_says_what_it_left_out(cli):
    wide = narrow(cli, 200, "subscriptions", "list")
    assert "Offer" in wide and "MS-AZR-0003P" in wide and "Not shown" not in wide
    eighty = narrow(cli, 80, "subscriptions", "list")
    assert "┏" in eighty and "Not shown at this width: Offer (" in eighty and "MS-AZR-0003P" not in eighty


def test_a_near_miss_name_says_which_is_close_and_capitals_do_not_matter(cli):
    missed = cli("subscriptions", "show", "Produktie", ok=False)
    assert missed.returncode == 4 and "did you mean Productie?" in missed.stderr
    assert cli.json("subscriptions", "show", "productie")["displayName"] == "Productie"
    nothing = cli("subscriptions", "show", "Zzzz", ok=False)
    assert nothing.returncode == 4 and "did you mean" not in nothing.stderr


def test_cancelling_twice_says_nothing_changed_and_asks_the_reason_both_times(cli):
    args = ("subscriptions", "cancel", "Ontwikkeling", "--turn-off-resources", "--as", "admin@contoso.example")
    first_without = cli(*args, ok=False)
    assert first_without.returncode == 2 and "CancellationReasonRequired" in first_without.stderr
    cancelled = cli.json(*args, "--reason", "Klaar")
    second_without = cli(*args, ok=False)
    assert second_without.returncode == 2 and "CancellationReasonRequired" in second_without.stderr
    again = cli(*args, "--reason", "Nog eens")
    assert f"already cancelled on {cancelled['cancelledAt']}, nothing changed" in again.stdout
    assert cli.json("subscriptions", "show", "Ontwikkeling")["cancellationReason"] == "Klaar"
    assert "exits 0" in cli("subscriptions", "cancel", "--help").stdout


def test_the_clock_only_moves_forward(cli):
    before = cli.json("clock", "show")["now"]
    backwards = cli("clock", "advance", "-1d", ok=False)
    assert backwards.returncode == 2 and "only moves forward" in backwards.stderr
    assert "No such option" not in backwards.stderr + backwards.stdout
    assert cli.json("clock", "show")["now"] == before
    assert "1d12h" in cli("clock", "advance", "--help").stdout


def test_a_new_data_directory_says_how_to_seed_instead_of_creating_an_empty_database(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SUBPLANE_DATABASE_URL"}
    missing = tmp_path / "mistyped"
    done = subprocess.run([sys.executable, "-m", "subplane.cli.main", "subscriptions", "list", "--data-dir",
                           str(missing)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 4 and "DataDirectoryNew" in done.stderr
    assert f"subplane serve --demo --data-dir {missing}" in " ".join(done.stderr.split())
    assert not missing.exists()


@pytest.fixture
def embedded(tmp_path, monkeypatch):
    """A real `serve --demo` on the embedded SQLite database of its data directory."""
    monkeypatch.delenv("SUBPLANE_DATABASE_URL", raising=False)
    server = ServerProcess(tmp_path / "data")
    yield server
    server.stop()


def subplane(server: ServerProcess, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "subplane.cli.main", *args], env=server.env,
                          capture_output=True, text=True, timeout=120)


def test_serve_tells_its_start_up_steps_in_order(embedded):
    log = embedded.log_path.read_text(errors="replace")
    steps = ["serve: Opening the database", "serve: Database ready", "serve: Seeding the demo data",
             "serve: Loading the signing keys", f"serve: Listening on {embedded.url}"]
    positions = [log.find(step) for step in steps]
    assert -1 not in positions and positions == sorted(positions), log


def test_a_data_directory_knows_its_server(embedded):
    details = json.loads((embedded.data_dir / "connection.json").read_text())
    assert details["pid"] == embedded.process.pid and details["armEndpoint"] == embedded.url

    second = subplane(embedded, "serve", "--port", str(free_port()))
    assert second.returncode == 5 and "DataDirectoryInUse" in second.stderr
    assert str(embedded.process.pid) in second.stderr and embedded.url in second.stderr
    assert json.loads((embedded.data_dir / "connection.json").read_text())["pid"] == embedded.process.pid

    assert "export AZURE_AUTHORITY_HOST=" + embedded.url in subplane(embedded, "env").stdout
    embedded.stop()  # SIGTERM
    assert not (embedded.data_dir / "connection.json").exists()
    gone = subplane(embedded, "env")
    assert gone.returncode == 4 and "ConnectionNotFound" in gone.stderr


def test_ctrl_c_also_removes_connection_json_and_frees_the_directory(embedded):
    embedded.process.send_signal(signal.SIGINT)
    embedded.process.wait(timeout=30)
    assert not (embedded.data_dir / "connection.json").exists()
    again = ServerProcess(embedded.data_dir, demo=False)  # the lock went with the process
    try:
        assert json.loads((embedded.data_dir / "connection.json").read_text())["pid"] == again.process.pid
    finally:
        again.stop()


def test_env_and_az_login_refuse_a_server_that_does_not_answer(tmp_path):
    (tmp_path / "connection.json").write_text(json.dumps({
        "armEndpoint": f"https://127.0.0.1:{free_port()}", "authority": "x", "tenantId": "t", "caBundle": None,
        "principals": {"owner": {"name": "subplane-owner", "clientId": "c", "clientSecret": "s"}}}))
    for command in (["env"], ["az-login", "--az", sys.executable]):
        done = subprocess.run([sys.executable, "-m", "subplane.cli.main", *command, "--data-dir", str(tmp_path)],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 4 and "ServerNotRunning" in done.stderr, done.stderr
        assert "export" not in done.stdout


FAKE_AZ = """#!/bin/sh
# records each call; `cloud register` writes clouds.config as az does
echo "$*" >> "$AZURE_CONFIG_DIR/calls"
if [ "$1 $2" = "cloud register" ]; then
  printf '[Subplane]\\nendpoint_resource_manager = %s\\n' "$6" > "$AZURE_CONFIG_DIR/clouds.config"
fi
[ "$1" = "login" ] && echo "[]"
exit 0
"""


def test_az_login_reuses_one_folder_per_data_directory_and_removes_old_temporary_ones(tmp_path, monkeypatch):
    import tempfile

    from typer.testing import CliRunner

    import subplane.cli.connection as cli_connection
    from subplane.cli.main import app as cli_app

    endpoint = f"https://127.0.0.1:{free_port()}"
    data = tmp_path / "data"
    data.mkdir()
    (data / "connection.json").write_text(json.dumps({
        "armEndpoint": endpoint, "authority": endpoint, "tenantId": "t", "caBundle": None,
        "principals": {"owner": {"name": "subplane-owner", "clientId": "c", "clientSecret": "s"}}}))
    az = tmp_path / "az"
    az.write_text(FAKE_AZ)
    az.chmod(0o755)
    temp = tmp_path / "tmp"
    old_ours, old_other = temp / "subplane-az-ours", temp / "subplane-az-other"
    for folder, url in ((old_ours, endpoint), (old_other, "https://127.0.0.1:1")):
        folder.mkdir(parents=True)
        (folder / "clouds.config").write_text(f"[Subplane]\nendpoint_resource_manager = {url}/\n")
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setattr(cli_connection, "require_live_server", lambda details: None)  # answering: tested above

    first = CliRunner().invoke(cli_app, ["az-login", "--az", str(az), "--data-dir", str(data)])
    assert first.exit_code == 0, first.output
    assert f"export AZURE_CONFIG_DIR={data / 'az'}" in first.output
    assert (data / "az").stat().st_mode & 0o777 == 0o700
    assert not old_ours.exists() and old_other.exists()  # only folders made for this server
    second = CliRunner().invoke(cli_app, ["az-login", "--az", str(az), "--data-dir", str(data)])
    assert second.exit_code == 0 and f"export AZURE_CONFIG_DIR={data / 'az'}" in second.output
    calls = (data / "az" / "calls").read_text().splitlines()
    assert sum(call.startswith("cloud register") for call in calls) == 1  # the second run reused the cloud
    assert sum(call.startswith("login") for call in calls) == 2
    assert list(temp.iterdir()) == [old_other]
