"""Whether a change to the engine left every simulated number as it was, bit for bit.

    python benchmarks/digest.py [--reps 2000] [--baseline DIR]

A speed-up that claims "every number the same" is checked here: each bundled example is
simulated with one seed, in one process and again with two workers in chunks of 500, and every
array of the result (totals, months, daily means and samples, the reputation's and backlash's
days, checkpoints and the strategy's record) is hashed byte for byte. The two ways of running must
agree (chunking never changes a number); `--baseline DIR` runs the same in another copy of the
package (DIR holds a folder `smmsim`, for example `mkdir -p /tmp/base/smmsim && git archive main |
tar -x -C /tmp/base/smmsim`) and says, example by example, whether the digests match. Exits 1
where anything differs. Floating-point results may differ between machines (numpy picks SIMD
code by CPU), so compare digests made on one machine.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_cli import ROOT, environment

EXAMPLES = ROOT / "scenarios" / "examples"
SEED = 7
REPS = 2000
SPREAD = {"workers": 2, "chunk_size": 500}  # the same replications, split and spread


def digest_of(result) -> str:
    """One hash of every array of a `Result`, in a fixed order."""
    h = hashlib.sha256()

    def add(name: str, value) -> None:
        h.update(name.encode())
        if value is None:
            return
        if isinstance(value, dict):
            for key in sorted(value, key=str):
                add(f"{name}.{key}", value[key])
            return
        h.update(str(value.dtype).encode() + str(value.shape).encode())
        h.update(value.tobytes())

    for name in ("totals", "monthly", "daily_mean", "daily_sample", "checkpoints"):
        add(name, getattr(result, name))
    add("campaign_daily_mean", result.campaign_daily_mean)
    add("campaign_daily_sample", result.campaign_daily_sample)
    record = result.strategy
    for f in fields(record):
        add(f"strategy.{f.name}", getattr(record, f.name))
    return h.hexdigest()[:16]


def digests(reps: int) -> dict[str, dict[str, str]]:
    """example -> {"one process": digest, "spread": digest}, with this copy of smmsim."""
    from smmsim.scenarios.loader import load_scenario
    from smmsim.simulator.engine import simulate

    out = {}
    for path in sorted(EXAMPLES.glob("*.yaml")):
        scenario = load_scenario(path)
        one = simulate(scenario, replications=reps, seed=SEED)
        spread = simulate(scenario, replications=reps, seed=SEED, **SPREAD)
        out[path.stem] = {"one process": digest_of(one), "spread": digest_of(spread)}
    return out


def digests_with(package_parent: Path, reps: int) -> dict[str, dict[str, str]]:
    """`digests` made by the copy of smmsim in `package_parent`, in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, __file__, "--reps", str(reps), "--json"],
        env=environment(package_parent),
        capture_output=True,
        text=True,
        check=True,
        cwd=package_parent,  # not this tree: its `smmsim` must not shadow the baseline's
    )
    return json.loads(done.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=REPS)
    parser.add_argument("--baseline", type=Path, help="a folder holding another `smmsim`")
    parser.add_argument("--json", action="store_true", help="print the digests as JSON")
    args = parser.parse_args(argv)
    ours = digests(args.reps)
    if args.json:
        print(json.dumps(ours))
        return 0
    theirs = digests_with(args.baseline.resolve(), args.reps) if args.baseline else None
    same = True
    for example, pair in ours.items():
        chunked = pair["one process"] == pair["spread"]
        line = f"{example:<20} {pair['one process']}  spread: {'same' if chunked else 'DIFFERS'}"
        same &= chunked
        if theirs is not None:
            matches = theirs.get(example) == pair
            line += f"  baseline: {'same' if matches else 'DIFFERS ' + str(theirs.get(example))}"
            same &= matches
        print(line)
    print(f"{args.reps:,} replications, seed {SEED}: " + ("every digest agrees" if same else "NOT"))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
