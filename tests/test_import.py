"""`import cnn_utils` is light and every public name it promises exists."""

import functools
import json
import subprocess
import sys

import pytest

import cnn_utils

HEAVY_MODULES = ("matplotlib", "ipywidgets", "scipy")

def _modules_loaded_by(statement):
    """Run `statement` in a fresh interpreter; return the modules it left loaded."""
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return set(json.loads(result.stdout))


def _top_level(modules):
    return {name.partition(".")[0] for name in modules}


def test_probe_sees_heavy_imports():
    # The probe itself must be able to fail: importing matplotlib is seen.
    loaded = _top_level(_modules_loaded_by("import matplotlib"))
    assert "matplotlib" in loaded


@pytest.mark.parametrize("heavy", HEAVY_MODULES)
def test_import_cnn_utils_does_not_import(heavy):
    loaded = _top_level(_modules_loaded_by("import cnn_utils"))
    assert "cnn_utils" in loaded
    assert heavy not in loaded, f"`import cnn_utils` imported {heavy}"


# The maths: STYLE promises that none of it imports plotting or widgets.
MATHS_MODULES = [
    "shapes", "padding", "conv", "pooling", "activations", "gradcheck", "kernels",
    "examples", "datasets", "nn",
]


@pytest.mark.parametrize("module", MATHS_MODULES)
def test_maths_module_does_not_import_plotting_or_widgets(module):
    loaded = _top_level(_modules_loaded_by(f"import cnn_utils.{module}"))
    assert "cnn_utils" in loaded
    assert not loaded & {"matplotlib", "ipywidgets"}, loaded & {"matplotlib", "ipywidgets"}


def test_all_lists_every_export_once():
    assert len(cnn_utils.__all__) == len(set(cnn_utils.__all__))
    assert "__version__" in cnn_utils.__all__


@pytest.mark.parametrize("name", cnn_utils.__all__)
def test_public_name_resolves(name):
    assert getattr(cnn_utils, name) is not None


_PROBE_EXPORTS = """
import importlib, json, cnn_utils
report = {}
for name, module_name in cnn_utils._EXPORTS.items():
    try:
        module = importlib.import_module(f"cnn_utils.{module_name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"cnn_utils.{module_name}":
            raise
        report[name] = f"cnn_utils.{module_name} does not exist"
        continue
    if not hasattr(module, name):
        report[name] = f"cnn_utils.{module_name} does not define {name}"
    elif getattr(cnn_utils, name) is not getattr(module, name):
        report[name] = (
            f"after importing cnn_utils.{module_name}, cnn_utils.{name} is "
            f"{type(getattr(cnn_utils, name)).__name__} {getattr(cnn_utils, name)!r}, "
            f"not cnn_utils.{module_name}.{name}"
        )
    else:
        report[name] = "ok"
print(json.dumps(report))
"""


@functools.cache
def _export_report():
    # In a fresh interpreter with every module imported first, as a notebook that
    # uses several explorers would: importing a submodule must not shadow an export.
    result = subprocess.run(
        [sys.executable, "-c", _PROBE_EXPORTS], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    "name",
    [name for name in cnn_utils.__all__ if name != "__version__"],
)
def test_exported_name_comes_from_its_module_when_present(name):
    verdict = _export_report()[name]
    assert verdict == "ok", verdict


def test_unknown_name_raises_attribute_error_naming_it():
    with pytest.raises(AttributeError, match="no_such_thing"):
        cnn_utils.no_such_thing  # noqa: B018


def test_version_matches_installed_metadata():
    from importlib.metadata import version

    assert cnn_utils.__version__ == version("cnn-utils")
