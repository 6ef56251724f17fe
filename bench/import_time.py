"""Cold import time of the Chalice app versus ``import boto3`` (see bench/README.md).

Every Lambda function of the stage imports ``app`` on a cold start, so what
``app.py`` pulls in at import time is paid on every cold start. The yardstick
is ``import boto3``, which most Python Lambdas pay anyway: the target is
``import app`` costing at most 1.5 times that.

Each sample is a fresh interpreter (cwd = repository root) timing the import
with ``time.perf_counter``; samples of the two imports alternate, and the
median of each is compared. One more run counts the boto3/botocore sessions
and clients and the socket connections made while importing ``app``: it
must be zero (clients are created lazily, on the first request).

This is a benchmark, not a test: it prints PASS or FAIL and exits 0 either way.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_RATIO = 1.5
DEFAULT_RUNS = 15

TIMED = """
import time
start = time.perf_counter()
import {module}
print(time.perf_counter() - start)
"""

# Counts AWS sessions/clients and network connections made by ``import app``.
# botocore is imported (and patched) first, so this run is not timed.
COUNTING = """
import json, sys
import botocore.session

counts = {"sessions": 0, "clients": 0, "connections": 0}
init, create_client = botocore.session.Session.__init__, botocore.session.Session.create_client

def counting_init(self, *args, **kwargs):
    counts["sessions"] += 1
    init(self, *args, **kwargs)

def counting_create_client(self, *args, **kwargs):
    counts["clients"] += 1
    return create_client(self, *args, **kwargs)

def audit(event, args):
    if event == "socket.connect":
        counts["connections"] += 1

botocore.session.Session.__init__ = counting_init
botocore.session.Session.create_client = counting_create_client
sys.addaudithook(audit)
before = set(sys.modules)
import app
counts["boto3_imported"] = "boto3" in sys.modules and "boto3" not in before
print(json.dumps(counts))
"""

NOT_IMPORTED = """
import sys
import app
print(",".join(m for m in ("boto3", "botocore", "pynamodb", "argon2", "chalice") if m in sys.modules))
"""


def run_python(code: str, *flags: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    return subprocess.run(
        [sys.executable, *flags, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True,
    )


def timed_import(module: str) -> float:
    return float(run_python(TIMED.format(module=module)).stdout.strip())


def heaviest_packages(limit: int = 10) -> list[tuple[str, float]]:
    """Self time of ``import app`` by top-level package (``python -X importtime``)."""
    stderr = run_python("import app", "-X", "importtime").stderr
    totals: dict[str, float] = defaultdict(float)
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cumulative, name = (part.strip() for part in line.split(":", 1)[1].split("|"))
        totals[name.split(".")[0]] += int(self_us) / 1000
    return sorted(totals.items(), key=lambda item: item[1], reverse=True)[:limit]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="amostras de cada import (padrão: 15)")
    args = parser.parse_args()

    # One warm-up each: bytecode caches written, files in the page cache.
    timed_import("app")
    timed_import("boto3")
    app_times: list[float] = []
    boto3_times: list[float] = []
    for _ in range(args.runs):
        app_times.append(timed_import("app"))
        boto3_times.append(timed_import("boto3"))
    app_ms = statistics.median(app_times) * 1000
    boto3_ms = statistics.median(boto3_times) * 1000
    ratio = app_ms / boto3_ms

    counts = json.loads(run_python(COUNTING).stdout.strip().splitlines()[-1])
    loaded = run_python(NOT_IMPORTED).stdout.strip()

    print(f"Tempo de import a frio (mediana de {args.runs} processos novos, alternados):")
    print(f"  import app     {app_ms:8.1f} ms   (mín {min(app_times) * 1000:.1f}, máx {max(app_times) * 1000:.1f})")
    print(f"  import boto3   {boto3_ms:8.1f} ms   (mín {min(boto3_times) * 1000:.1f}, "
          f"máx {max(boto3_times) * 1000:.1f})")
    verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
    print(f"  razão app/boto3 = {ratio:.2f}  (meta ≤ {TARGET_RATIO})  {verdict}")
    print()
    print("Durante `import app`:")
    print(f"  sessões botocore criadas  {counts['sessions']}")
    print(f"  clientes AWS criados      {counts['clients']}")
    print(f"  conexões de rede          {counts['connections']}")
    print(f"  pacotes carregados        {loaded or '-'}")
    clean = counts["sessions"] == counts["clients"] == counts["connections"] == 0
    print(f"  nenhum cliente AWS no import (meta: 0)  {'PASS' if clean else 'FAIL'}")
    print()
    print("Pacotes mais pesados no `import app` (tempo próprio, python -X importtime):")
    for name, ms in heaviest_packages():
        print(f"  {name:24s} {ms:7.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
