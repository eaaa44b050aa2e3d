"""The served OpenAPI document against the running server, checked by schemathesis.

Every check is on (server errors; status codes, content types, response schemas and
headers that conform; invalid input refused; unsupported methods answered 405 with
``Allow``; auth not ignored) but one: ``positive_data_acceptance`` expects every
schema-valid request to succeed, and rules such as "an absence ends after it starts",
"the status ends in the future" or "that member exists" cannot be said in JSON Schema;
those requests get a 422 problem, as they should. The run is derandomized (which also
keeps no example database), so a failure reproduces.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import PASSWORD, LiveServer, make_team, server_settings

pytestmark = pytest.mark.slow

HOOKS = Path(__file__).with_name("schemathesis_auth.py")
ST = Path(sys.executable).with_name("st")
# The coverage phase adds its own boundary cases (about 40 an operation) to these.
EXAMPLES_PER_OPERATION = 5


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server of its own: the run creates, changes and revokes things at random."""
    tmp = tmp_path_factory.mktemp("fuzz")
    # Schemathesis reads up to 20 events of a stream: quick heartbeats end it soon.
    settings = server_settings(f"sqlite:///{tmp / 'tidings.db'}", heartbeat_seconds=0.02)
    live = LiveServer(settings).start()
    try:
        yield live
    finally:
        live.stop()


def test_server_conforms_to_its_openapi_document(fuzzed: LiveServer, tmp_path: Path) -> None:
    team = make_team(fuzzed)
    team.close()
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": str(HOOKS),
        "TIDINGS_FUZZ_URL": fuzzed.url,
        "TIDINGS_FUZZ_EMAIL": team.owner.email,
        "TIDINGS_FUZZ_PASSWORD": PASSWORD,
    }
    command = [
        str(ST),
        "run",
        f"{fuzzed.url}/api/v1/openapi.json",
        "--checks=all",
        "--exclude-checks=positive_data_acceptance",
        "--phases=examples,coverage,fuzzing",
        f"--max-examples={EXAMPLES_PER_OPERATION}",
        # Derandomized, which also keeps no example database between runs.
        "--generation-deterministic",
        "--workers=1",
        "--no-color",
        "--request-timeout=30",
    ]
    # In tmp_path: st keeps a cache of its own in the working directory.
    run = subprocess.run(
        command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600
    )
    (tmp_path / "schemathesis.txt").write_text(run.stdout + run.stderr)
    print(run.stdout[run.stdout.rfind("SUMMARY") :])
    assert run.returncode == 0, run.stdout[-30_000:] + run.stderr[-5_000:]
