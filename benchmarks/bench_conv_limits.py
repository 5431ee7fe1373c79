"""Benchmark: what the convolution passes' work limits cost in seconds.

``cnn_utils.conv`` refuses a pass that would run for minutes, by two counts
(``_check_pass``):

* loop steps: a pass loops in Python once per chunk of the batch, and a
  backward pass that computes ``dx`` once more per kernel offset and chunk;
  the limit is ``cnn_utils._checks.MAX_LOOP_STEPS``;
* window entries copied into the patch matrices (output positions times
  ``kh * kw * C_in``); the limit is ``cnn_utils.conv.MAX_PATCH_ENTRIES``.

This script lifts both limits, times passes chosen so that one count
dominates, and prints for each: the two counts, the seconds, the cost per
unit, and what the limit would cost at that rate. The first rows are the
calls a student plausibly makes (a 5000x5000 photo through a 9x9 kernel).
This is a script, not a test: nothing is asserted.

Run from the repository root::

    .venv/bin/python benchmarks/bench_conv_limits.py
"""

from __future__ import annotations

import time

import numpy as np

import cnn_utils as cu
from cnn_utils import _checks, conv


def counts(x_shape, w_shape, itemsize, backward):
    g = conv.conv_geometry(x_shape, w_shape)
    chunks = conv._chunking(g, itemsize, copies=2 if backward else 1)[2]
    steps = chunks * (1 + g.kh * g.kw) if backward else chunks
    return steps, g.n * g.out_h * g.out_w * g.kh * g.kw * g.c


def timed(call, repeats):
    """The fastest of ``repeats`` runs: a busy machine only ever slows a run down."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


def main():
    loop_limit, entry_limit = _checks.MAX_LOOP_STEPS, conv.MAX_PATCH_ENTRIES
    conv.MAX_LOOP_STEPS = conv.MAX_PATCH_ENTRIES = 2**62  # measure beyond the limits
    rng = np.random.default_rng(0)
    cases = []
    for side, k in [(5000, 9), (2000, 9), (1000, 3)]:
        image, kernel = rng.random((side, side)), rng.random((k, k))
        cases.append((f"correlate2d {side}x{side}, {k}x{k} kernel", "forward",
                      (1, side, side, 1), (k, k, 1, 1),
                      lambda i=image, kk=kernel: cu.correlate2d(i, kk)))
    for side, k in [(2000, 9), (200, 40), (120, 60)]:
        x, w = rng.random((1, side, side, 1)), rng.random((k, k, 1, 1))
        dout = np.ones((1, side - k + 1, side - k + 1, 1))
        cases.append((f"conv2d_backward {side}x{side}, {k}x{k} kernel", "backward",
                      x.shape, w.shape,
                      lambda d=dout, xx=x, ww=w: cu.conv2d_backward(d, xx, ww)))
    print(f"limits: {loop_limit:,} loop steps, {entry_limit:,} window entries\n")
    print(f"{'call':42} {'loop steps':>11} {'entries':>15} {'seconds':>8} "
          f"{'us/step':>8} {'ns/entry':>9}")
    per_step, per_entry = [], []
    for name, pass_, x_shape, w_shape, call in cases:
        steps, entries = counts(x_shape, w_shape, 8, pass_ == "backward")
        seconds = timed(call, 2 if entries > 10**9 else 3)
        (per_step if pass_ == "backward" else per_entry).append(
            seconds / steps if pass_ == "backward" else seconds / entries)
        print(f"{name:42} {steps:>11,} {entries:>15,} {seconds:>8.2f} "
              f"{1e6 * seconds / steps:>8.2f} {1e9 * seconds / entries:>9.2f}")
    # Forward passes loop little and copy much; backward passes with big kernels loop
    # much (one step per kernel offset and chunk) on little data: each rate is an upper
    # bound for its count, since it also pays for the other.
    print(f"\nloop-step limit at the slowest backward rate ({1e6 * max(per_step):.2f} us/step): "
          f"{max(per_step) * loop_limit:.1f} s")
    print(f"window-entry limit at the slowest forward rate ({1e9 * max(per_entry):.2f} ns/entry): "
          f"{max(per_entry) * entry_limit:.1f} s; at the fastest "
          f"({1e9 * min(per_entry):.2f} ns/entry): {min(per_entry) * entry_limit:.1f} s")


if __name__ == "__main__":
    main()
