"""cnn_utils: the maths, data and explorers behind the CNN notebook series.

Layout, said once for the whole package (it follows the lecture notes and Keras):
images are ``(H, W)`` or ``(H, W, C)``, batches ``(N, H, W, C)``, convolution
weights ``(kh, kw, C_in, C_out)`` and biases ``(C_out,)``.

Every public name is importable from here (``from cnn_utils import conv2d``).
The submodules are imported plainly: together they take a fraction of a second
and load neither matplotlib, ipywidgets, PIL nor scipy. Those load inside the
functions that need them: a figure of :mod:`cnn_utils.plotting` when drawn, an
explorer when shown, :func:`~cnn_utils.datasets.load_photo` when called.
"""

from __future__ import annotations

# The submodules, so that ``cnn_utils.nn.Sequential`` works after ``import cnn_utils``.
from . import (  # noqa: F401
    activations,
    conv,
    datasets,
    examples,
    exercises,
    explorers,
    gradcheck,
    kernels,
    nn,
    padding,
    plotting,
    pooling,
    presentation,
    shapes,
)
from .activations import (
    cross_entropy,
    flatten,
    relu,
    relu_backward,
    softmax,
    softmax_cross_entropy_backward,
)
from .conv import (
    ConvCache,
    ConvGeometry,
    conv2d,
    conv2d_backward,
    conv2d_backward_naive,
    conv2d_naive,
    conv_backward,
    conv_forward,
    conv_geometry,
    conv_step,
    convolve2d,
    correlate2d,
)
from .examples import example_info, list_examples, load_example
from .exercises import check, progress

# The explorer factories; ipywidgets is imported only when an explorer is shown.
from .explorers.channels import channels_explorer
from .explorers.monitor import training_monitor
from .explorers.output_size import output_size_explorer
from .explorers.playground import kernel_playground
from .explorers.pool import pool_explorer
from .explorers.stepper import conv_stepper
from .explorers.training import training_explorer
from .gradcheck import numerical_gradient, relative_error
from .kernels import KERNELS, get_kernel, kernel_names
from .nn.models import load_trained_model, load_training_record
from .padding import pad2d
from .pooling import (
    PoolGeometry,
    avg_pool2d,
    avg_pool2d_backward,
    avg_pool2d_naive,
    max_pool2d,
    max_pool2d_backward,
    max_pool2d_naive,
    pool_geometry,
)
from .presentation import presenter, theme
from .shapes import conv_params, dense_params, explain_output_size, output_size

__version__ = "0.1.0"

__all__ = [
    # shapes and parameter counts
    "output_size",
    "explain_output_size",
    "conv_params",
    "dense_params",
    # padding
    "pad2d",
    # convolution
    "correlate2d",
    "convolve2d",
    "conv_step",
    "conv2d",
    "conv2d_backward",
    "conv2d_naive",
    "conv2d_backward_naive",
    "conv_forward",
    "conv_backward",
    "conv_geometry",
    "ConvCache",
    "ConvGeometry",
    # pooling
    "max_pool2d",
    "avg_pool2d",
    "max_pool2d_backward",
    "avg_pool2d_backward",
    "max_pool2d_naive",
    "avg_pool2d_naive",
    "pool_geometry",
    "PoolGeometry",
    # activations, losses, flattening
    "flatten",
    "relu",
    "relu_backward",
    "softmax",
    "cross_entropy",
    "softmax_cross_entropy_backward",
    # gradient checking
    "numerical_gradient",
    "relative_error",
    # named kernels
    "KERNELS",
    "get_kernel",
    "kernel_names",
    # the lecture notes' worked examples (data/)
    "load_example",
    "list_examples",
    "example_info",
    # the trained MNIST model shipped with the course (data/)
    "load_trained_model",
    "load_training_record",
    # presenter mode for instructors
    "presenter",
    "theme",
    # interactive explorers
    "conv_stepper",
    "output_size_explorer",
    "pool_explorer",
    "kernel_playground",
    "channels_explorer",
    "training_monitor",
    "training_explorer",
    # exercise feedback
    "check",
    "progress",
    "__version__",
]

