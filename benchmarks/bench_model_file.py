"""Time writing and reading a run's model in custseg's model file format next to skops (the
format custseg wrote before), on the SCF 2019 small-business run.

    CUSTSEG_DATA_DIR=../shared/data python benchmarks/bench_model_file.py [--method kmeans]

Prints, for both formats, the file's size and the median CPU time of 5 writes and 5 reads in this
process, and the CPU time of the first write in a fresh process that has already imported what a
run imports (for skops this includes importing it: a run pays that once per process).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from custseg import SegmentationConfig, SegmentModel, io, segment
from custseg.model import TRUSTED_TYPES

#: A fresh process: load the model (importing what it holds), then time one first write.
_FIRST_WRITE = """
import sys, time
from pathlib import Path
from custseg import SegmentModel, io
from custseg.model import TRUSTED_TYPES
source, target, fmt = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
model = SegmentModel.load(source)
artifact = io.load_model(source, trusted=TRUSTED_TYPES)
start = time.process_time()
if fmt == "custseg":
    model.save(target)
else:
    import skops.io
    skops.io.dump(artifact, target)
print(time.process_time() - start)
"""


def _median_cpu(action, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        action()
        times.append(time.process_time() - start)
    return statistics.median(times)


def _first_write(source: Path, target: Path, fmt: str) -> float:
    done = subprocess.run(
        [sys.executable, "-c", _FIRST_WRITE, str(source), str(target), fmt],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ,
    )
    return float(done.stdout.split()[-1])


def main() -> None:
    import skops.io

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--method", default="kmeans")
    args = parser.parse_args()
    config = SegmentationConfig(population="small-business", method=args.method, bootstrap=0)
    model = segment("scf2019", config).model
    folder = Path(tempfile.mkdtemp())
    ours, theirs = folder / "model.custseg", folder / "model.skops"
    model.save(ours)
    artifact = io.load_model(ours, trusted=TRUSTED_TYPES)
    rows = {
        "custseg": (
            lambda: model.save(ours),
            lambda: SegmentModel.load(ours),
            ours,
        ),
        "skops": (
            lambda: skops.io.dump(artifact, theirs),
            lambda: SegmentModel.load(theirs),
            theirs,
        ),
    }
    measured = {}
    for fmt, (write, read, path) in rows.items():
        first = _first_write(ours, folder / f"first.{fmt}", fmt)
        measured[fmt] = (_median_cpu(write), _median_cpu(read), path.stat().st_size, first)
        print(
            f"{fmt:8s} {measured[fmt][2]:>8,} bytes  write {measured[fmt][0] * 1000:6.1f} ms  "
            f"read {measured[fmt][1] * 1000:6.1f} ms  first write in a fresh process "
            f"{first * 1000:6.1f} ms (CPU)"
        )
    ratio = [measured["custseg"][i] / measured["skops"][i] for i in range(4)]
    print(
        f"custseg / skops: write {ratio[0]:.2f}x, read {ratio[1]:.2f}x, size {ratio[2]:.2f}x, "
        f"first write {ratio[3]:.3f}x"
    )


if __name__ == "__main__":
    main()
