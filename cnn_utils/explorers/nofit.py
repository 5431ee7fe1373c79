"""What a view function returns when the settings give no output at all."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NoFit:
    """No window fits: why, and the picture that says so.

    Attributes
    ----------
    message : str
        A sentence naming the sizes and what would make it fit.
    html : str
        The picture (the input and the settings, with the message).
    """

    message: str
    html: str
    fits = False
    n_steps = 0
