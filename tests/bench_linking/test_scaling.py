"""The scaling curve script (bench/linking/scaling.py) runs end to end at tiny sizes, skips Spark with the
reason where Java is missing, and its power-law fit recovers a known curve."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "linking"
sys.path.insert(0, str(BENCH))

from scaling import power_fit  # noqa: E402


def test_the_fit_recovers_a_power_law() -> None:
    sizes = [1e5, 3e5, 1e6]
    a, b = power_fit(sizes, [2.5 * n**1.2 for n in sizes])
    assert a == pytest.approx(2.5, rel=1e-9) and b == pytest.approx(1.2, rel=1e-9)
    with pytest.raises(ValueError, match="two different sizes"):
        power_fit([1e5, 1e5], [1.0, 2.0])


@pytest.mark.slow
def test_the_script_runs_at_tiny_sizes_and_skips_spark_without_java(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env["PATH"] = str(tmp_path)  # no `java` to be found
    done = subprocess.run(
        [sys.executable, str(BENCH / "scaling.py"), "--sizes", "300,600", "--target", "30000000"],
        cwd=BENCH.parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "spark: skipped: no Java" in out
    rows = [line for line in out.splitlines() if line.startswith("| ") and " duckdb | " in line]
    steps = {(line.split(" | ")[0].strip("| "), line.split(" | ")[2]) for line in rows[:4]}
    assert steps == {("300", "train"), ("300", "rebuild"), ("600", "train"), ("600", "rebuild")}, out
    fitted = [line for line in rows if line.startswith("| duckdb | ")]
    assert len(fitted) == 2 and all(" h) | " in line and " GiB |" in line for line in fitted), out
    assert "Extrapolated to 30,000,000 mentions" in out


def test_bad_sizes_are_refused_naming_the_option() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / "scaling.py"), "--sizes", "1e5"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0 and "--sizes" in done.stderr
