"""Connection details for the Azure SDK and ``az``: ``connection.json``, ``subplane env``, ``subplane az-login``.

``serve`` writes ``<data-dir>/connection.json`` on start; the two commands here read it, so they work
from any shell pointed at the same data directory.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from ..domain.errors import Conflict, NotFound
from .common import CliContext, command, command_group
from .render import console, errors

commands = command_group()
CLOUD_NAME = "Subplane"
AZ_FOLDER = "az"  # <data-dir>/az: az-login's AZURE_CONFIG_DIR, reused
OLD_TEMP_PREFIX = "subplane-az-"
PRINCIPAL_ROLES = {"subplane-owner": "owner", "subplane-reader": "reader"}


def connection_details(data_dir: Path, url: str, ca_bundle: Path | None, tenant_id: str | None) -> dict:
    details: dict = {"armEndpoint": url, "authority": url, "tenantId": tenant_id,
                     "caBundle": str(ca_bundle) if ca_bundle else None}
    demo_file = data_dir / "demo.json"
    if demo_file.exists():
        demo = json.loads(demo_file.read_text("utf-8"))
        details["tenantId"] = details["tenantId"] or demo.get("tenantId")
        details["principals"] = {
            PRINCIPAL_ROLES[p["name"]]: {"name": p["name"], "clientId": p["clientId"], "clientSecret": p["clientSecret"]}
            for p in demo.get("servicePrincipals", []) if p["name"] in PRINCIPAL_ROLES
        }
    return details


def write_connection(data_dir: Path, details: dict) -> Path:
    path = data_dir / "connection.json"
    path.write_text(json.dumps(details, indent=2) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def remove_connection(data_dir: Path, pid: int) -> None:
    """Remove connection.json when process ``pid`` wrote it: a stopped server is named nowhere."""
    path = data_dir / "connection.json"
    try:
        if json.loads(path.read_text("utf-8")).get("pid") == pid:
            path.unlink()
    except (OSError, ValueError):
        pass  # no file, or not one serve wrote: nothing of ours to remove


def read_connection(data_dir: Path) -> dict:
    path = data_dir / "connection.json"
    if not path.exists():
        raise NotFound("ConnectionNotFound", f"{path} does not exist yet: start `subplane serve` first.")
    return json.loads(path.read_text("utf-8"))


def require_live_server(details: dict, timeout: float = 3.0) -> None:
    """connection.json names a server: make sure it answers before sending anyone to it."""
    import ssl
    import urllib.error
    import urllib.request

    url = f"{details['armEndpoint'].rstrip('/')}/_subplane/health"
    context = ssl.create_default_context(cafile=details.get("caBundle") or None)
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context):
            return
    except urllib.error.HTTPError:
        return  # it answered (a proxy's or production's refusal is an answer too)
    except (OSError, ValueError) as error:
        reason = getattr(error, "reason", None) or error
        raise NotFound("ServerNotRunning",
                       f"No Subplane server answers at {details['armEndpoint']} ({reason}), the address in "
                       "connection.json. Start it with `subplane serve` (same --data-dir) and try again.") from None


def _principal(details: dict, role: str) -> dict:
    principal = details.get("principals", {}).get(role)
    if principal is None:
        raise NotFound("PrincipalNotFound", f"connection.json has no {role!r} principal: start serve with --demo.")
    return principal


def sdk_environment(details: dict, role: str = "owner") -> dict[str, str]:
    principal = _principal(details, role)
    env = {
        "AZURE_AUTHORITY_HOST": details["authority"],
        "AZURE_TENANT_ID": details["tenantId"],
        "AZURE_CLIENT_ID": principal["clientId"],
        "AZURE_CLIENT_SECRET": principal["clientSecret"],
        "AZURE_CORE_INSTANCE_DISCOVERY": "false",
        "SUBPLANE_ARM_ENDPOINT": details["armEndpoint"],
    }
    if details.get("caBundle"):
        env["REQUESTS_CA_BUNDLE"] = details["caBundle"]
    return env


@command(commands, "env")
def env(
    *, cli: CliContext,
    role: Annotated[str, typer.Option(help="Which demo principal: owner or reader.")] = "owner",
) -> None:
    """Print shell exports for the Azure SDK (eval "$(subplane env)")."""
    details = read_connection(cli.settings().data_dir)
    values = sdk_environment(details, role)
    require_live_server(details)
    if cli.json:
        console.print_json(data=values)
        return
    for key, value in values.items():
        typer.echo(f"export {key}={shlex.quote(value)}")
    typer.echo("# Pass disable_instance_discovery=True to azure-identity credentials and base_url=$SUBPLANE_ARM_ENDPOINT to clients.")


def az_environment(config_dir: Path, details: dict) -> dict[str, str]:
    env = {**os.environ, "AZURE_CONFIG_DIR": str(config_dir), "AZURE_CORE_INSTANCE_DISCOVERY": "false",
           "AZURE_CORE_COLLECT_TELEMETRY": "false", "AZURE_CORE_SURVEY_MESSAGE": "false",
           "AZURE_CORE_NO_COLOR": "true"}
    if details.get("caBundle"):
        env["REQUESTS_CA_BUNDLE"] = details["caBundle"]
    return env


def az_login(az: str, config_dir: Path, details: dict, role: str = "owner") -> subprocess.CompletedProcess:
    """Register Subplane as a custom cloud in ``config_dir`` and log the principal in. Returns the login run."""
    env = az_environment(config_dir, details)
    principal = _principal(details, role)
    endpoint = details["armEndpoint"].rstrip("/")
    registered = _registered_endpoint(config_dir)
    # A folder registered for another address (serve moved port): register the cloud anew.
    forget = [[az, "cloud", "set", "-n", "AzureCloud"],
              [az, "cloud", "unregister", "-n", CLOUD_NAME]] if registered and registered != endpoint else []
    register = [] if registered == endpoint else [
        [az, "cloud", "register", "-n", CLOUD_NAME, "--endpoint-resource-manager", details["armEndpoint"]]]
    steps = forget + register + [
        [az, "cloud", "set", "-n", CLOUD_NAME],
        [az, "config", "set", "core.instance_discovery=false", "core.collect_telemetry=false", "core.survey_message=false"],
    ]
    for step in steps:
        done = subprocess.run(step, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise Conflict("AzCommandFailed", f"{' '.join(step[1:3])} failed: {done.stderr.strip()}")
    # --password=VALUE: a generated secret may start with "-", which argparse would read as an option
    return subprocess.run([az, "login", "--service-principal", "-u", principal["clientId"],
                           f"--password={principal['clientSecret']}", "--tenant", details["tenantId"], "-o", "json"],
                          env=env, capture_output=True, text=True)


@command(commands, "az-login")
def az_login_command(
    *, cli: CliContext,
    config_dir: Annotated[Path | None, typer.Option(help="AZURE_CONFIG_DIR to use (default: <data-dir>/az, "
                                                    "the same one each time).")] = None,
    role: Annotated[str, typer.Option(help="Which demo principal: owner or reader.")] = "owner",
    az: Annotated[str, typer.Option(envvar="SUBPLANE_AZ", help="The az executable.")] = "az",
) -> None:
    """Register Subplane as a cloud for `az` in an isolated config dir and log the owner principal in."""
    data_dir = cli.settings().data_dir
    details = read_connection(data_dir)
    executable = shutil.which(az)
    if executable is None:
        raise NotFound("AzNotFound", f"{az!r} is not on PATH: install azure-cli (in its own virtualenv) and pass "
                                     "--az PATH or set SUBPLANE_AZ.")
    require_live_server(details)
    folder = config_dir or data_dir / AZ_FOLDER
    if config_dir is None and _registered_endpoint(folder) not in (None, details["armEndpoint"].rstrip("/")):
        shutil.rmtree(folder)  # ours, made for a server that has since moved: its tokens name the old authority
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # it holds the principal's tokens
    removed = [] if config_dir else remove_old_temporary_folders(details["armEndpoint"])
    done = az_login(executable, folder, details, role)
    if done.returncode != 0:
        errors.print(done.stderr.strip())
        raise Conflict("AzLoginFailed", "az login against Subplane failed.")
    typer.echo(f"export AZURE_CONFIG_DIR={shlex.quote(str(folder))}")
    if details.get("caBundle"):
        typer.echo(f"export REQUESTS_CA_BUNDLE={shlex.quote(details['caBundle'])}")
    typer.echo("export AZURE_CORE_INSTANCE_DISCOVERY=false")
    typer.echo("# az is logged in to the Subplane cloud; try: az account list --all -o table")
    if removed:
        typer.echo(f"# removed {len(removed)} temporary az folder(s) earlier versions left: {' '.join(map(str, removed))}")


def remove_old_temporary_folders(arm_endpoint: str) -> list[Path]:
    """Earlier versions made a new /tmp/subplane-az-* (with tokens) on every run: remove this user's that
    were made for this server (their registered cloud names its endpoint)."""
    removed = []
    for folder in Path(tempfile.gettempdir()).glob(f"{OLD_TEMP_PREFIX}*"):
        try:
            if (folder.is_dir() and not folder.is_symlink() and folder.stat().st_uid == os.getuid()
                    and _registered_endpoint(folder) == arm_endpoint.rstrip("/")):
                shutil.rmtree(folder)
                removed.append(folder)
        except OSError:
            continue  # in use or gone meanwhile: not ours to insist on
    return removed


def _registered_endpoint(config_dir: Path) -> str | None:
    import configparser

    clouds = configparser.ConfigParser()
    try:
        clouds.read(config_dir / "clouds.config", encoding="utf-8")
    except configparser.Error:
        return None
    endpoint = clouds.get(CLOUD_NAME, "endpoint_resource_manager", fallback=None)
    return endpoint.rstrip("/") if endpoint else None
