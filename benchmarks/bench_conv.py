"""Benchmark: convolution and pooling at the layer shapes of the notes' Keras MNIST model.

Seed 004's model, at batch 64 in float32 (NHWC, weights (kh, kw, C_in, C_out)):

    conv1  (64, 28, 28, 1)  -> 32 filters 3x3      pool1  (64, 26, 26, 32) -> 2x2
    conv2  (64, 13, 13, 32) -> 64 filters 3x3      pool2  (64, 11, 11, 64) -> 2x2
    conv3  (64, 5, 5, 64)   -> 64 filters 3x3

For each layer it prints the median time (after a warm-up) of

* the loop version's forward (and, for convolutions, backward) pass, measured
  on a reduced batch (``--naive-batch``, default 2) because the loops are slow,
  and scaled linearly to the full batch (marked ``~``);
* the vectorised forward pass, backward pass, and one forward + backward step;
* when PyTorch is installed, ``torch.nn.functional.conv2d`` / ``max_pool2d``
  forward + backward on the CPU (``torch.set_num_threads``, default 2), on
  NCHW tensors prepared outside the timed region;

and the ratios naive / vectorised (forward) and vectorised / PyTorch
(forward + backward; the course's target is at most 3x). The vectorised and
PyTorch steps are timed alternately, round by round, so that a busy machine
slows both alike.

A second table gives the peak memory of each vectorised pass, measured with
``tracemalloc`` (numpy reports its allocations to it) in untimed runs, at the
same layers and at the large batch of ``--memory-batch`` (default 256)
28x28x32 images through 64 filters. ``arrays`` is what the pass must hold
anyway (inputs, outputs and weights); ``peak`` is that plus the most memory
allocated at once during the call; the bound is ``2 * arrays +
cnn_utils.conv.WORKSPACE_BYTES``. This is a script, not a test: nothing is
asserted.

Run from the repository root::

    .venv/bin/python benchmarks/bench_conv.py
    .venv/bin/python benchmarks/bench_conv.py --repeats 15 --naive-batch 1
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_conv.py --torch-threads 1 --clock cpu

On a busy machine wall-clock times swing widely (two BLAS or torch threads on
two shared cores wait for each other); single-threaded runs timed with
``--clock cpu`` stay comparable.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import tracemalloc

import numpy as np

from cnn_utils import conv as conv_module
from cnn_utils import (
    conv2d,
    conv2d_backward,
    conv2d_backward_naive,
    conv2d_naive,
    max_pool2d,
    max_pool2d_backward,
    max_pool2d_naive,
)

CONV_LAYERS = [
    ("conv1", (28, 28, 1), 32),
    ("conv2", (13, 13, 32), 64),
    ("conv3", (5, 5, 64), 64),
]
POOL_LAYERS = [
    ("pool1", (26, 26, 32)),
    ("pool2", (11, 11, 64)),
]


STATISTICS = {"median": statistics.median, "min": min}
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
SUMMARY = statistics.median  # set from --stat in main()
CLOCK = time.perf_counter  # set from --clock in main()


def _summary_ms(fn, repeats):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = CLOCK()
        fn()
        times.append(CLOCK() - start)
    return 1e3 * SUMMARY(times)


def _alternating_summary_ms(fns, repeats):
    """Time several functions round by round (a, b, a, b, ...); summary of each, in ms."""
    for fn in fns.values():
        fn()  # warm-up
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = CLOCK()
            fn()
            times[name].append(CLOCK() - start)
    return {name: 1e3 * SUMMARY(t) for name, t in times.items()}


def _import_torch(threads):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch


def _to_torch(torch, array, requires_grad=False):
    """NHWC numpy array -> contiguous NCHW tensor (weights: (kh, kw, C_in, C_out) -> OIHW)."""
    axes = (3, 2, 0, 1) if array.ndim == 4 and requires_grad == "weight" else (0, 3, 1, 2)
    if array.ndim == 1:
        return torch.tensor(array, requires_grad=True)
    tensor = torch.tensor(np.ascontiguousarray(array.transpose(axes)))
    return tensor.requires_grad_(bool(requires_grad))


def bench_conv(name, shape, filters, args, torch, rng):
    batch = args.batch
    x = rng.standard_normal((batch, *shape)).astype(np.float32)
    w = (rng.standard_normal((3, 3, shape[2], filters)) / 3).astype(np.float32)
    b = np.zeros(filters, dtype=np.float32)
    out = conv2d(x, w, b)
    assert out.dtype == np.float32
    dout = rng.standard_normal(out.shape).astype(np.float32)

    small = slice(0, args.naive_batch)
    scale = batch / args.naive_batch
    row = {"layer": name, "input": f"{batch}x{shape[0]}x{shape[1]}x{shape[2]}", "out": filters}
    if not args.no_naive:
        row["naive_fwd"] = scale * _summary_ms(
            lambda: conv2d_naive(x[small], w, b), args.naive_repeats
        )
        row["naive_bwd"] = scale * _summary_ms(
            lambda: conv2d_backward_naive(dout[small], x[small], w), args.naive_repeats
        )

    def numpy_step():
        conv2d(x, w, b)
        conv2d_backward(dout, x, w)

    fns = {
        "vec_fwd": lambda: conv2d(x, w, b),
        "vec_bwd": lambda: conv2d_backward(dout, x, w),
        "vec_step": numpy_step,
    }
    if torch is not None:
        tx = _to_torch(torch, x, requires_grad=True)
        tw = _to_torch(torch, w, requires_grad="weight")
        tb = _to_torch(torch, b)
        tdout = _to_torch(torch, dout)

        def torch_step():
            tx.grad = tw.grad = tb.grad = None
            torch.nn.functional.conv2d(tx, tw, tb).backward(tdout)

        fns["torch_step"] = torch_step
    row.update(_alternating_summary_ms(fns, args.repeats))
    return row


def bench_pool(name, shape, args, torch, rng):
    batch = args.batch
    x = rng.standard_normal((batch, *shape)).astype(np.float32)
    out = max_pool2d(x, 2)
    assert out.dtype == np.float32
    dout = rng.standard_normal(out.shape).astype(np.float32)
    small = slice(0, args.naive_batch)
    row = {"layer": name, "input": f"{batch}x{shape[0]}x{shape[1]}x{shape[2]}", "out": "2x2 max"}
    if not args.no_naive:
        row["naive_fwd"] = (batch / args.naive_batch) * _summary_ms(
            lambda: max_pool2d_naive(x[small], 2), args.naive_repeats
        )

    def numpy_step():
        max_pool2d(x, 2)
        max_pool2d_backward(dout, x, 2)

    fns = {
        "vec_fwd": lambda: max_pool2d(x, 2),
        "vec_bwd": lambda: max_pool2d_backward(dout, x, 2),
        "vec_step": numpy_step,
    }
    if torch is not None:
        tx = _to_torch(torch, x, requires_grad=True)
        tdout = _to_torch(torch, dout)

        def torch_step():
            tx.grad = None
            torch.nn.functional.max_pool2d(tx, 2).backward(tdout)

        fns["torch_step"] = torch_step
    row.update(_alternating_summary_ms(fns, args.repeats))
    return row


def _traced_peak(fn):
    """Most bytes allocated at once while ``fn`` runs (its result included)."""
    tracemalloc.start()
    try:
        result = fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    del result
    return peak


def _memory_of_layer(name, shape, filters, rng):
    """Rows (layer, shape, filters, pass, arrays, peak, bound) for one layer, in bytes."""
    x = rng.standard_normal(shape).astype(np.float32)
    w = (rng.standard_normal((3, 3, shape[3], filters)) / 3).astype(np.float32)
    b = np.zeros(filters, dtype=np.float32)
    dout = np.ones_like(conv2d(x, w, b))
    inputs = x.nbytes + w.nbytes + b.nbytes
    # forward: x, w, b in, out (the size of dout) out; backward: dout, x, w in, dx, dw, db out
    passes = [
        ("forward", inputs, inputs + dout.nbytes, lambda: conv2d(x, w, b)),
        (
            "backward",
            dout.nbytes + inputs,
            dout.nbytes + 2 * inputs,
            lambda: conv2d_backward(dout, x, w),
        ),
    ]
    rows = []
    for pass_name, held, arrays, fn in passes:
        peak = held + _traced_peak(fn)
        bound = 2 * arrays + conv_module.WORKSPACE_BYTES
        rows.append((name, "x".join(map(str, shape)), filters, pass_name, arrays, peak, bound))
    return rows


def memory_rows(batch, memory_batch, rng):
    """Peak memory of conv2d and conv2d_backward at the notes' layers and one large batch."""
    layers = [(name, (batch, *shape), filters) for name, shape, filters in CONV_LAYERS]
    layers.append(("large", (memory_batch, 28, 28, 32), 64))
    return [row for layer in layers for row in _memory_of_layer(*layer, rng)]


def print_memory(rows):
    mib = 2**20
    header = [
        "layer",
        "input (NHWC)",
        "-> out",
        "pass",
        "arrays MiB",
        "peak MiB",
        "bound MiB",
        "peak/arrays",
        "within bound",
    ]
    table = [header]
    for name, shape, filters, pas, arrays, peak, bound in rows:
        table.append(
            [
                name,
                shape,
                str(filters),
                pas,
                f"{arrays / mib:.1f}",
                f"{peak / mib:.1f}",
                f"{bound / mib:.1f}",
                f"{peak / arrays:.2f}",
                "yes" if peak <= bound else "NO",
            ]
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for k, row in enumerate(table):
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))
        if k == 0:
            print("  ".join("-" * width for width in widths))


def _fmt(value, approx=False):
    if value is None:
        return "-"
    text = f"{value:.2f}" if value < 100 else f"{value:.0f}"
    return ("~" if approx else "") + text


def print_table(rows, torch):
    header = [
        "layer",
        "input (NHWC)",
        "-> out",
        "naive fwd",
        "naive bwd",
        "vec fwd",
        "vec bwd",
        "vec f+b",
        "naive/vec fwd",
    ]
    if torch is not None:
        header += ["torch f+b", "vec/torch"]
    table = [header]
    for r in rows:
        naive_fwd, naive_bwd = r.get("naive_fwd"), r.get("naive_bwd")
        line = [
            r["layer"],
            r["input"],
            str(r["out"]),
            _fmt(naive_fwd, approx=True),
            _fmt(naive_bwd, approx=True),
            _fmt(r["vec_fwd"]),
            _fmt(r["vec_bwd"]),
            _fmt(r["vec_step"]),
            "-" if naive_fwd is None else f"{naive_fwd / r['vec_fwd']:.0f}x",
        ]
        if torch is not None:
            line += [_fmt(r["torch_step"]), f"{r['vec_step'] / r['torch_step']:.2f}x"]
        table.append(line)
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for k, row in enumerate(table):
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))
        if k == 0:
            print("  ".join("-" * width for width in widths))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per measurement")
    parser.add_argument("--naive-batch", type=int, default=2, help="batch for the loop versions")
    parser.add_argument("--naive-repeats", type=int, default=3)
    parser.add_argument("--no-naive", action="store_true", help="skip the loop versions")
    parser.add_argument("--torch-threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--memory-batch", type=int, default=256, help="batch of the large memory case"
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the memory table")
    parser.add_argument(
        "--stat",
        choices=sorted(STATISTICS),
        default="median",
        help="summary of the timed runs; 'min' is steadier on a busy machine",
    )
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="wall",
        help="'cpu' (process time) ignores time spent waiting for a busy CPU; it is only "
        "comparable with single-threaded numpy and torch (OPENBLAS_NUM_THREADS=1, "
        "--torch-threads 1)",
    )
    args = parser.parse_args(argv)
    global SUMMARY, CLOCK
    SUMMARY, CLOCK = STATISTICS[args.stat], CLOCKS[args.clock]

    torch = _import_torch(args.torch_threads)
    rng = np.random.default_rng(args.seed)
    blas_threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(
        f"python {platform.python_version()}, numpy {np.__version__} "
        f"(OPENBLAS_NUM_THREADS={blas_threads}), {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f} (timings are only comparable on an idle machine)"
    )
    if torch is None:
        print("PyTorch is not installed: no comparison column")
    else:
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(
        f"batch {args.batch}, float32, {args.stat} {args.clock} time of {args.repeats} runs "
        "after a warm-up; "
        f"times in ms; ~ = loop version timed at batch {args.naive_batch} "
        f"({args.stat} of {args.naive_repeats}) and scaled to batch {args.batch}"
    )
    print()
    rows = [bench_conv(n, s, f, args, torch, rng) for n, s, f in CONV_LAYERS]
    rows += [bench_pool(n, s, args, torch, rng) for n, s in POOL_LAYERS]
    print_table(rows, torch)
    conv_rows = rows[: len(CONV_LAYERS)]
    total_vec = sum(r["vec_step"] for r in conv_rows)
    print()
    print(f"conv layers, vectorised forward + backward: {total_vec:.2f} ms per batch", end="")
    if torch is not None:
        total_torch = sum(r["torch_step"] for r in conv_rows)
        print(
            f"; PyTorch {total_torch:.2f} ms; ratio {total_vec / total_torch:.2f}x (target <= 3x)"
        )
    else:
        print()
    if not args.no_memory:
        print()
        print(
            f"peak memory of each pass (tracemalloc), float32; workspace "
            f"{conv_module.WORKSPACE_BYTES / 2**20:.0f} MiB; bound = 2 * arrays + workspace"
        )
        print_memory(memory_rows(args.batch, args.memory_batch, rng))
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
