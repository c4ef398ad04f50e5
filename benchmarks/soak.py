"""Hostile-input soak: run the injection round-trip property on many examples (default 10,000).

    python benchmarks/soak.py [EXAMPLES] [PROCESSES]

Each process runs tests/test_hardening.py::test_hostile_values_round_trip_through_every_artifact
with its own hypothesis seed and an equal share of the examples. Not part of the default test run.
"""

import math
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    procs = int(sys.argv[2]) if len(sys.argv) > 2 else (os.cpu_count() or 2)
    share = math.ceil(total / procs)
    env = {**os.environ, "POSTCLONE_HOSTILE_EXAMPLES": str(share), "PYTHONPATH": str(ROOT)}
    test = "tests/test_hardening.py::test_hostile_values_round_trip_through_every_artifact"
    start = time.perf_counter()
    running = [subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test,
                                 f"--hypothesis-seed={seed}"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
               for seed in range(procs)]
    failed = 0
    for seed, p in enumerate(running):
        out, _ = p.communicate()
        if p.returncode != 0:
            failed += 1
            print(f"seed {seed}: FAILED\n{out[-3000:]}")
    seconds = time.perf_counter() - start
    print(f"soak: {share * procs} hostile examples in {procs} processes, {seconds:.0f}s, "
          f"{'all passed' if not failed else f'{failed} processes failed'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
