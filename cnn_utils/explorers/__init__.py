"""Interactive explorers for the notebooks (ipywidgets is imported only when one is shown).

Each explorer's logic is a pure view function of its state that pytest can
call without a browser; the widget classes wire controls to those functions.
"""

from __future__ import annotations

import importlib

_EXPORTS: dict[str, str] = {
    # name -> submodule; filled in as explorers are added
}


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cnn_utils.explorers' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
