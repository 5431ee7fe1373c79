"""Time one run of the training explorer at each of a few settings.

    python benchmarks/bench_training_explorer.py [--repeat N]

Prints the seconds ``train_once`` takes (a fresh seeded model, ``fit`` with the
test digits scored after every epoch) for the explorer's start settings and a
few heavier ones, best of ``--repeat`` runs, and the test accuracy each run
reaches (the same in every repeat: the runs are seeded). The course asks for
under about 30 s at the start settings on a 2-core laptop.
"""

from __future__ import annotations

import argparse
import time

from cnn_utils.explorers.training import TrainingState, train_once

SETTINGS = (
    {},
    {"optimizer": "sgd"},
    {"augment": True},
    {"train_size": 200, "epochs": 5},
    {"train_size": 4000, "epochs": 1},
    {"train_size": 4000, "epochs": 5, "augment": True},
)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    train_once(TrainingState(train_size=200))  # warm-up: data loading, first allocations
    for changes in SETTINGS:
        state = TrainingState(**changes)
        times, accuracy = [], None
        for _ in range(max(args.repeat, 1)):
            start = time.perf_counter()
            result = train_once(state)
            times.append(time.perf_counter() - start)
            accuracy = result.test_accuracy
        label = ", ".join(f"{k}={v}" for k, v in changes.items()) or "start settings"
        print(f"{label:48s} {min(times):7.1f} s   test accuracy {accuracy:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
