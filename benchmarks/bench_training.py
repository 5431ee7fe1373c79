"""How fast does the numpy model train? One epoch of the notes' MNIST model, against PyTorch.

Trains the Keras model of seed 004 (93,322 parameters) for one epoch on the
bundled subset's 4,000 training digits with ``cnn_utils.nn`` and prints
samples per second. When PyTorch is importable it trains the same
architecture, with the same batch size, optimizer (Adam, learning rate 1e-3)
and number of threads, in the same run, and prints the ratio of the times per
epoch. ``--profile`` adds the time spent in each layer's forward and backward
pass, and ``--augment`` the cost of augmenting every batch.

Run from the repository root::

    .venv/bin/python benchmarks/bench_training.py                # 2 threads, batch 32
    .venv/bin/python benchmarks/bench_training.py --threads 1 --profile

The thread count is set for numpy's BLAS (through the environment, before
numpy is imported) and for PyTorch (``torch.set_num_threads``). The figures
are wall-clock times on a possibly shared machine: the load average is
printed with them, and every timing is the best of ``--repeats`` epochs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time


def _parse():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="BLAS / PyTorch threads")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3, help="epochs timed; the best is kept")
    parser.add_argument("--profile", action="store_true", help="time each layer's passes")
    parser.add_argument("--augment", action="store_true", help="also time augmented epochs")
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch comparison")
    return parser.parse_args()


ARGS = _parse() if __name__ == "__main__" else None
if ARGS is not None:
    # numpy's BLAS reads these once, when numpy is first imported
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(ARGS.threads)

import numpy as np  # noqa: E402

from cnn_utils.datasets import load_mnist  # noqa: E402
from cnn_utils.nn import (  # noqa: E402
    Adam,
    ImageAugmenter,
    lecture_mnist_model,
)


def notes_model(seed=0):
    model = lecture_mnist_model(seed=seed)
    model.compile(optimizer=Adam(1e-3), metrics=["accuracy"])
    return model


def numpy_runner(x, y, batch_size, augment=None):
    """A function that trains one epoch with cnn_utils.nn (after a warm-up)."""
    model = notes_model()
    model.fit(x[: batch_size * 5], y[: batch_size * 5], batch_size=batch_size, verbose=0)

    def epoch(seed):
        model.fit(x, y, batch_size=batch_size, verbose=0, seed=seed, augment=augment)

    return epoch


def profile_numpy_epoch(x, y, batch_size):
    """Seconds per layer pass over one epoch, by wrapping each layer's forward/backward."""
    model = notes_model()
    totals: dict[str, float] = {}

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            out = fn(*args, **kwargs)
            totals[name] = totals.get(name, 0.0) + time.perf_counter() - start
            return out

        return wrapper

    for layer in model.layers:
        layer.forward = timed(f"{layer.name} forward", layer.forward)
        layer.backward = timed(f"{layer.name} backward", layer.backward)
        if hasattr(layer, "forward_logits"):  # the last layer's pass while training
            layer.forward_logits = timed(f"{layer.name} forward", layer.forward_logits)
    model.optimizer.apply_gradients = timed("Adam update", model.optimizer.apply_gradients)
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch_size, verbose=0, seed=0)
    return totals, time.perf_counter() - start


def torch_runner(x, y, batch_size, threads):
    """The same for PyTorch: the same layers, batch size, optimizer and threads."""
    import torch
    from torch import nn

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Conv2d(1, 32, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(576, 64),
        nn.ReLU(),
        nn.Linear(64, 10),  # softmax is inside the loss, as the numpy model fuses it
    )
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    xt = torch.from_numpy(x.transpose(0, 3, 1, 2).copy())
    yt = torch.from_numpy(y.astype(np.int64))
    n = len(xt)

    def epoch(seed):
        generator = torch.Generator().manual_seed(seed)
        order = torch.randperm(n, generator=generator)
        for s in range(0, n, batch_size):
            idx = order[s : s + batch_size]
            optimizer.zero_grad()
            loss = loss_fn(net(xt[idx]), yt[idx])
            loss.backward()
            optimizer.step()

    epoch(99)  # warm up
    return epoch, torch.__version__


def main(args):
    (x_train, y_train), _ = load_mnist()
    x = (x_train[..., None] / np.float32(255)).astype(np.float32)
    y = y_train.astype(np.intp)
    n = len(x)
    load = os.getloadavg()
    print(
        f"notes' MNIST model, {n} training digits, batch {args.batch_size}, Adam(1e-3), "
        f"{args.threads} thread(s); load average before: {load[0]:.2f}"
    )
    print(f"numpy {np.__version__}, python {sys.version.split()[0]}, {os.cpu_count()} CPUs")

    runners = {"cnn_utils.nn": numpy_runner(x, y, args.batch_size)}
    if args.augment:
        aug = ImageAugmenter(rotation_range=10, shift_range=2, zoom_range=0.1)
        runners["cnn_utils.nn + augmentation"] = numpy_runner(x, y, args.batch_size, aug)
    if not args.no_torch:
        try:
            runners["PyTorch"], version = torch_runner(x, y, args.batch_size, args.threads)
            print(f"PyTorch {version}")
        except ImportError:
            print("PyTorch is not installed: no comparison")
    # Interleaved, so that both see the same load on a shared machine.
    # CPU time (all threads of this process) is printed too: on a shared machine it
    # shows how much of the wall time was spent waiting for a core.
    times = {name: [] for name in runners}
    cpu = {name: [] for name in runners}
    for r in range(args.repeats):
        for name, epoch in runners.items():
            start, cpu_start = time.perf_counter(), time.process_time()
            epoch(r)
            times[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - cpu_start)
    for name, ts in times.items():
        best = min(ts)
        print(
            f"{name}: best epoch {best:.2f} s wall ({min(cpu[name]):.2f} s CPU) of "
            f"{[round(t, 2) for t in ts]} -> {n / best:,.0f} samples/s"
        )
    if args.augment:
        start = time.perf_counter()
        aug(x, np.random.default_rng(0))
        aug_all = time.perf_counter() - start
        print(f"augmenting all {n} digits at once: {aug_all:.2f} s ({n / aug_all:,.0f} images/s)")
    if "PyTorch" in times:
        ratio = min(times["cnn_utils.nn"]) / min(times["PyTorch"])
        cpu_ratio = min(cpu["cnn_utils.nn"]) / min(cpu["PyTorch"])
        print(
            f"ratio numpy / PyTorch time per epoch: {ratio:.2f}x wall, {cpu_ratio:.2f}x CPU "
            "(target: at most 1.5x)"
        )

    if args.profile:
        totals, epoch_time = profile_numpy_epoch(x, y, args.batch_size)
        covered = sum(totals.values())
        print(
            f"\nwhere one numpy epoch goes ({epoch_time:.2f} s in all, "
            f"{epoch_time - covered:.2f} s outside the layers: batching, loss, bookkeeping)"
        )
        for name, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
            print(f"  {name:28s} {seconds:6.2f} s  {seconds / epoch_time:6.1%}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main(ARGS)
