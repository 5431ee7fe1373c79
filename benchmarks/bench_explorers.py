"""How fast does each explorer update? Median and 95th percentile per update, against targets.

``explorer_cases.py`` (beside this script) makes each explorer as a notebook
does, with its widget built, and a list of realistic ``update(**changes)``
calls spread across the controls' ranges. Each timed update is the whole
kernel-side path of a control move: the new state, the pure view, and the
push into the ipywidgets. This script prints one row per explorer:

* target for every explorer: median <= 20 ms and 95th percentile <= 50 ms per update;
* the kernel playground on the bundled photo: median <= 60 ms (no p95 target).

Each change runs once untimed first (imports, caches), then the list is cycled
until ``--samples`` timings are taken. The figures are wall-clock times on a possibly
shared machine; the load average is printed with them.

Run from the repository root::

    .venv/bin/python benchmarks/bench_explorers.py
    .venv/bin/python benchmarks/bench_explorers.py --samples 500 stepper pool
    .venv/bin/python benchmarks/bench_explorers.py --presenter --strict

``--presenter`` times the updates in presenter mode (larger grids and figures);
``--strict`` exits with status 1 when an explorer misses a target.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from explorer_cases import CASES  # noqa: E402

EXPLORERS = tuple(CASES)
# (median target, p95 target) in milliseconds; None: no target
TARGETS = dict.fromkeys(EXPLORERS, (20.0, 50.0))
TARGETS["playground"] = (60.0, None)


def _parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "explorers", nargs="*", default=list(EXPLORERS), help=f"any of {', '.join(EXPLORERS)}"
    )
    parser.add_argument("--samples", type=int, default=300, help="timed updates per explorer")
    parser.add_argument("--seed", type=int, default=0, help="seed for the update settings")
    parser.add_argument("--presenter", action="store_true", help="time in presenter mode")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    unknown = [name for name in args.explorers if name not in EXPLORERS]
    if unknown:
        parser.error(
            f"unknown explorer(s) {', '.join(unknown)}; choose from {', '.join(EXPLORERS)}"
        )
    if args.samples < 20:
        parser.error(f"--samples must be at least 20 for a 95th percentile, got {args.samples}")
    return args


def load_updates(name: str, rng: np.random.Generator):
    """``(updates, None)``: zero-argument calls, each one ``explorer.update(**changes)``."""
    explorer, changes = CASES[name](rng)
    return [lambda c=c: explorer.update(**c) for c in changes], None


def time_updates(updates, samples: int) -> tuple[np.ndarray, float]:
    """Timings in ms of ``samples`` updates (cycling through the list), and the first cold pass."""
    start = time.perf_counter()
    for update in updates:  # imports, font loading, caches: not what a slider move costs
        update()
    cold_ms = (time.perf_counter() - start) * 1000 / len(updates)
    times = np.empty(samples)
    for k in range(samples):
        update = updates[k % len(updates)]
        t0 = time.perf_counter()
        update()
        times[k] = (time.perf_counter() - t0) * 1000
    return times, cold_ms


def _verdict(name: str, median: float, p95: float) -> tuple[str, bool]:
    target_median, target_p95 = TARGETS[name]
    ok = median <= target_median and (target_p95 is None or p95 <= target_p95)
    target = f"med<={target_median:g}" + (f", p95<={target_p95:g}" if target_p95 else "")
    return target, ok


def main(argv=None) -> int:
    args = _parse(argv)
    if args.presenter:
        from cnn_utils import presenter

        presenter(True)
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPUs, "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
        f"{args.samples} timed updates per explorer; "
        f"{'presenter' if args.presenter else 'normal'} theme"
    )
    header = (
        f"{'explorer':<17} {'updates':>7} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} "
        f"{'first pass ms':>14}  {'target':<22} result"
    )
    print(header)
    print("-" * len(header))
    skipped, missed = [], []
    for name in args.explorers:
        rng = np.random.default_rng(args.seed)
        updates, reason = load_updates(name, rng)
        if updates is None:
            skipped.append((name, reason))
            continue
        times, cold = time_updates(updates, args.samples)
        median, p95, worst = np.median(times), np.percentile(times, 95), times.max()
        target, ok = _verdict(name, median, p95)
        if not ok:
            missed.append(name)
        print(
            f"{name:<17} {len(updates):>7} {median:>10.2f} {p95:>8.2f} {worst:>8.2f} "
            f"{cold:>14.2f}  {target:<22} {'ok' if ok else 'MISSED'}"
        )
    for name, reason in skipped:
        print(f"skipped {name}: {reason}")
    if missed:
        print(f"targets missed: {', '.join(missed)}")
    return 1 if (args.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
