"""cnn_utils: the maths, data and explorers behind the CNN notebook series.

Layout, said once for the whole package (it follows the lecture notes and Keras):
images are ``(H, W)`` or ``(H, W, C)``, batches ``(N, H, W, C)``, convolution
weights ``(kh, kw, C_in, C_out)`` and biases ``(C_out,)``.

Every public name is importable from here (``from cnn_utils import conv2d``).
Names are resolved on first use, so ``import cnn_utils`` is fast and never
imports matplotlib or ipywidgets; plotting and widgets load only when asked for.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    # shapes and parameter counts
    "output_size": "shapes",
    "explain_output_size": "shapes",
    "conv_params": "shapes",
    "dense_params": "shapes",
    # padding
    "pad2d": "padding",
    # convolution
    "correlate2d": "conv",
    "convolve2d": "conv",
    "conv_step": "conv",
    "conv2d": "conv",
    "conv2d_backward": "conv",
    "conv2d_naive": "conv",
    "conv2d_backward_naive": "conv",
    # pooling
    "max_pool2d": "pooling",
    "avg_pool2d": "pooling",
    "max_pool2d_backward": "pooling",
    "avg_pool2d_backward": "pooling",
    "max_pool2d_naive": "pooling",
    "avg_pool2d_naive": "pooling",
    # activations, losses, flattening
    "flatten": "activations",
    "relu": "activations",
    "relu_backward": "activations",
    "softmax": "activations",
    "cross_entropy": "activations",
    "softmax_cross_entropy_backward": "activations",
    # gradient checking
    "numerical_gradient": "gradcheck",
    "relative_error": "gradcheck",
    # named kernels
    "KERNELS": "kernels",
    "get_kernel": "kernels",
    "kernel_names": "kernels",
    # the lecture notes' worked examples (data/)
    "load_example": "examples",
    "list_examples": "examples",
    "example_info": "examples",
    # presenter mode for instructors
    "presenter": "presentation",
    "theme": "presentation",
    # interactive explorers (ipywidgets is imported only when one is shown)
    "conv_stepper": "explorers.stepper",
    "output_size_explorer": "explorers.output_size",
    "pool_explorer": "explorers.pool_explorer",
    "kernel_playground": "explorers.playground",
    "channels_explorer": "explorers.channels",
    "training_monitor": "explorers.training_monitor",
    # exercise feedback
    "check": "exercises",
    "check_choice": "exercises",
}

_SUBMODULES = {
    "shapes",
    "padding",
    "conv",
    "pooling",
    "activations",
    "gradcheck",
    "kernels",
    "examples",
    "datasets",
    "nn",
    "explorers",
    "presentation",
    "exercises",
    "plotting",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str):
    if name in _EXPORTS:
        module = importlib.import_module(f"{__name__}.{_EXPORTS[name]}")
        value = getattr(module, name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'cnn_utils' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS) | _SUBMODULES)
