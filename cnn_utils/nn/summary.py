"""The numbers of ``Sequential.summary()`` as data, and the Keras-style table they print as."""

from __future__ import annotations

from dataclasses import dataclass

from .._checks import check_bool, check_int
from .layers import _fmt_shape


def _check_text(value, name):
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__} {value!r:.40}")


@dataclass(frozen=True)
class LayerSummary:
    """One row of :meth:`Sequential.summary`."""

    name: str
    type: str
    output_shape: tuple
    params: int
    trainable: bool

    def __post_init__(self):
        _check_text(self.name, "name")
        _check_text(self.type, "type")
        shape = self.output_shape
        if not isinstance(shape, tuple) or not all(
            d is None or check_int(d, "output_shape entry", 0) >= 0 for d in shape
        ):
            raise TypeError(
                f"output_shape must be a tuple such as (None, 26, 26, 32), got {shape!r:.40}"
            )
        object.__setattr__(
            self, "output_shape", tuple(None if d is None else int(d) for d in shape)
        )
        object.__setattr__(self, "params", check_int(self.params, "params", 0))
        object.__setattr__(self, "trainable", check_bool(self.trainable, "trainable"))


@dataclass(frozen=True)
class ModelSummary:
    """The numbers of :meth:`Sequential.summary` as data; ``str()`` gives the table."""

    name: str
    layers: tuple[LayerSummary, ...]
    total_params: int
    trainable_params: int
    non_trainable_params: int

    def __post_init__(self):
        _check_text(self.name, "name")
        if not isinstance(self.layers, tuple) or not all(
            isinstance(lay, LayerSummary) for lay in self.layers
        ):
            raise TypeError(f"layers must be a tuple of LayerSummary, got {self.layers!r:.40}")
        for field in ("total_params", "trainable_params", "non_trainable_params"):
            object.__setattr__(self, field, check_int(getattr(self, field), field, 0))

    def to_text(self, line_length: int = 65) -> str:
        """The Keras-style table; columns widen to fit long layer names."""
        line_length = check_int(line_length, "line_length", 1, 1000)
        first = [f"{lay.name} ({lay.type})" for lay in self.layers]
        shapes = [_fmt_shape(lay.output_shape) for lay in self.layers]
        c1 = max([29] + [len(t) + 3 for t in first])
        c2 = c1 + max([26] + [len(t) + 2 for t in shapes])
        line_length = max(line_length, c2 + 10)

        def row(a, b, c):
            return (f" {a}".ljust(c1) + f"{b}".ljust(c2 - c1) + f"{c}").rstrip()

        lines = [
            f'Model: "{self.name}"',
            "_" * line_length,
            row("Layer (type)", "Output Shape", "Param #"),
            "=" * line_length,
        ]
        for i, layer in enumerate(self.layers):
            lines.append(row(first[i], shapes[i], f"{layer.params:,}"))
            lines.append("_" * line_length if i < len(self.layers) - 1 else "=" * line_length)
        if not self.layers:
            lines.append("=" * line_length)
        lines += [
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.non_trainable_params:,}",
            "_" * line_length,
        ]
        return "\n".join(lines)

    def __str__(self):
        return self.to_text()


__all__ = ["LayerSummary", "ModelSummary"]
