"""``chalice package`` of a stage, as the deploy guide runs it, for the tests that read the result."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
MERGE_TEMPLATE = "infra/resources.json"
SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
# A cold package downloads Lambda (manylinux) wheels of requirements.txt through pip;
# Chalice then reuses the zip it caches in .chalice/deployments/ while requirements stay the same.
PACKAGE_TIMEOUT_SECONDS = 600


def chalice_package(stage: str, output: Path) -> dict[str, Any]:
    """Package ``stage`` into ``output`` and return the template (``sam.json``); fails the test with
    Chalice's own output when packaging fails, because a deploy would fail the same way."""
    env = {
        **os.environ,
        # Packaging calls no AWS API, but Chalice refuses to start without a region.
        "AWS_DEFAULT_REGION": "sa-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": str(output / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(output / "no-aws-credentials"),
    }
    env.pop("AWS_PROFILE", None)
    command = [sys.executable, "-c", "import sys; from chalice.cli import main; sys.exit(main())",
               "package", "--stage", stage, "--merge-template", MERGE_TEMPLATE, str(output)]
    started = time.monotonic()
    try:
        result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True,
                                timeout=PACKAGE_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"chalice package --stage {stage} passou de {PACKAGE_TIMEOUT_SECONDS} s "
                    "(pip baixando as wheels de requirements.txt?)")
    elapsed = time.monotonic() - started
    template_file = output / "sam.json"
    if result.returncode != 0 or not template_file.exists():
        pytest.fail(f"chalice package --stage {stage} falhou (código {result.returncode}, {elapsed:.1f} s):\n"
                    f"{result.stdout}\n{result.stderr}")
    if not (output / "deployment.zip").exists():
        pytest.fail(f"chalice package --stage {stage} não gerou deployment.zip:\n{result.stdout}\n{result.stderr}")
    template: dict[str, Any] = json.loads(template_file.read_text(encoding="utf-8"))
    return template


def resources_of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r.get("Type") == kind}


def function_id(name: str) -> str:
    """Chalice's logical id of an app.py function (``charge_consumer`` -> ``ChargeConsumer``)."""
    return "".join(part.capitalize() for part in name.split("_"))
