"""Interactive explorers for the notebooks (ipywidgets is imported only when one is shown).

Each explorer's logic is a pure view function of its state that pytest can
call without a browser; the widget classes wire controls to those functions.
"""

from __future__ import annotations

import importlib

# name -> submodule. A function named like its module (training_monitor,
# pool_explorer) is not listed: importing the submodule would shadow it here.
# Use cnn_utils.training_monitor() / cnn_utils.pool_explorer() for those.
_EXPORTS: dict[str, str] = {
    "conv_stepper": "stepper",
    "StepperExplorer": "stepper",
    "StepperState": "stepper",
    "stepper_view": "stepper",
    "stepper_animation": "stepper",
    "output_size_explorer": "output_size",
    "OutputSizeExplorer": "output_size",
    "OutputSizeState": "output_size",
    "output_size_view": "output_size",
    "PoolExplorer": "pool_explorer",
    "PoolState": "pool_explorer",
    "pool_view": "pool_explorer",
    "kernel_playground": "playground",
    "PlaygroundExplorer": "playground",
    "PlaygroundState": "playground",
    "playground_view": "playground",
    "apply_kernel": "playground",
    "channels_explorer": "channels",
    "ChannelsExplorer": "channels",
    "ChannelsState": "channels",
    "channels_view": "channels",
    "TrainingMonitor": "training_monitor",
    "MonitorState": "training_monitor",
    "monitor_view": "training_monitor",
}


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cnn_utils.explorers' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
