"""Interactive explorers for the notebooks (ipywidgets is imported only when one is shown).

Every explorer follows one contract (``_base.py``; the recipe is in
ARCHITECTURE.md): a frozen ``...State``, a pure ``..._view(state)`` that
pytest calls without a browser, and a thin widget class with ``state``,
``view``, ``controls``, ``update(**changes)``, ``widget``, ``static_html()`` and
``close()``.
"""

from __future__ import annotations

from .channels import (
    ChannelsExplorer,
    ChannelsState,
    ChannelsView,
    channels_explorer,
    channels_view,
)
from .monitor import MonitorState, MonitorView, TrainingMonitor, monitor_view, training_monitor
from .nofit import NoFit
from .output_size import (
    OutputSizeExplorer,
    OutputSizeState,
    OutputSizeView,
    output_size_explorer,
    output_size_view,
)
from .playground import (
    PlaygroundExplorer,
    PlaygroundState,
    PlaygroundView,
    apply_kernel,
    kernel_playground,
    playground_view,
)
from .pool import PoolExplorer, PoolState, PoolView, pool_explorer, pool_view
from .stepper import (
    StepperExplorer,
    StepperState,
    StepperView,
    conv_stepper,
    stepper_animation,
    stepper_view,
)
from .training import (
    TrainingExplorer,
    TrainingResult,
    TrainingState,
    TrainingView,
    train_once,
    training_explorer,
    training_view,
)

__all__ = [
    "ChannelsExplorer",
    "ChannelsState",
    "ChannelsView",
    "channels_explorer",
    "channels_view",
    "MonitorState",
    "MonitorView",
    "TrainingMonitor",
    "monitor_view",
    "training_monitor",
    "NoFit",
    "OutputSizeExplorer",
    "OutputSizeState",
    "OutputSizeView",
    "output_size_explorer",
    "output_size_view",
    "PlaygroundExplorer",
    "PlaygroundState",
    "PlaygroundView",
    "apply_kernel",
    "kernel_playground",
    "playground_view",
    "PoolExplorer",
    "PoolState",
    "PoolView",
    "pool_explorer",
    "pool_view",
    "StepperExplorer",
    "StepperState",
    "StepperView",
    "conv_stepper",
    "stepper_animation",
    "stepper_view",
    "TrainingExplorer",
    "TrainingResult",
    "TrainingState",
    "TrainingView",
    "train_once",
    "training_explorer",
    "training_view",
]
