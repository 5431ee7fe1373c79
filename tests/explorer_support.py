"""One small explorer of each kind, for the tests that must cover all seven."""

from __future__ import annotations

import cnn_utils

FACTORIES = {
    "stepper": lambda: cnn_utils.conv_stepper("six_by_six_image", "filter1"),
    "output_size": lambda: cnn_utils.output_size_explorer(7, 3),
    "pool": lambda: cnn_utils.pool_explorer(),
    "playground": lambda: cnn_utils.kernel_playground(max_side=64),
    "channels": lambda: cnn_utils.channels_explorer(),
    "monitor": lambda: cnn_utils.training_monitor(),
    "training": lambda: cnn_utils.training_explorer(),
}
