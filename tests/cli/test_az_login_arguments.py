"""az parses its options with argparse: a client secret that starts with "-" must reach it as one value
(CI once drew such a secret for the demo principal, and every az test of that run failed to log in)."""

from __future__ import annotations

import sys
from pathlib import Path

from subplane.cli.connection import az_login

# an az stand-in with az's own option shape for `login`: argparse, -p/--password taking one value
FAKE_AZ = '''#!{python}
import argparse, json, sys
if sys.argv[1:2] != ["login"]:
    sys.exit(0)
parser = argparse.ArgumentParser(prog="az login")
parser.add_argument("--service-principal", action="store_true")
parser.add_argument("-u", "--username")
parser.add_argument("-p", "--password")
parser.add_argument("--tenant")
parser.add_argument("-o", "--output")
args = parser.parse_args(sys.argv[2:])
print(json.dumps([{{"user": args.username, "secret": args.password}}]))
'''


def test_a_secret_starting_with_a_dash_reaches_az_as_the_password(tmp_path: Path):
    az = tmp_path / "az"
    az.write_text(FAKE_AZ.format(python=sys.executable), "utf-8")
    az.chmod(0o755)
    details = {"armEndpoint": "https://127.0.0.1:1/", "tenantId": "t",
               "principals": {"owner": {"clientId": "c", "clientSecret": "-Xy_secret"}}}
    done = az_login(str(az), tmp_path / "config", details)
    assert done.returncode == 0, done.stderr
    assert '"secret": "-Xy_secret"' in done.stdout
