"""Every benchmark starts as a plain script: importing it must not need Django to be set up yet
(each sets Django up on its own throw-away database first)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = sorted(path.stem for path in (PROJECT_ROOT / "benchmarks").glob("*.py") if path.stem != "__init__")


@pytest.mark.parametrize("module", BENCHMARKS)
def test_a_benchmark_imports_before_django_is_set_up(module):
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}

    result = subprocess.run(
        [sys.executable, "-c", f"import benchmarks.{module}"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr[-2000:]
