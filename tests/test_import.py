"""`import cnn_utils` is light and every public name it promises exists."""

import importlib
import json
import pkgutil
import subprocess
import sys
import types

import pytest

import cnn_utils

HEAVY_MODULES = ("matplotlib", "ipywidgets", "PIL", "scipy")

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


def _import_every_submodule():
    """Import every module of the package, as a notebook using every explorer would."""
    for info in pkgutil.walk_packages(cnn_utils.__path__, prefix="cnn_utils."):
        importlib.import_module(info.name)


@pytest.mark.parametrize("name", [name for name in cnn_utils.__all__ if name != "__version__"])
def test_exported_name_is_its_modules_object_even_after_every_import(name):
    # A submodule named like an exported function would replace it once imported.
    _import_every_submodule()
    value = getattr(cnn_utils, name)
    assert not isinstance(value, types.ModuleType), f"cnn_utils.{name} is a module"
    home = getattr(value, "__module__", None)
    if home is not None:  # functions and classes: the object of the module that defines it
        assert home.startswith("cnn_utils.")
        assert getattr(importlib.import_module(home), name) is value


def test_unknown_name_raises_attribute_error_naming_it():
    with pytest.raises(AttributeError, match="no_such_thing"):
        cnn_utils.no_such_thing  # noqa: B018


def test_submodules_are_attributes_after_a_plain_import():
    statement = "import cnn_utils; cnn_utils.nn.Sequential; cnn_utils.datasets; cnn_utils.plotting"
    loaded = _modules_loaded_by(statement)
    assert {"cnn_utils.nn", "cnn_utils.datasets", "cnn_utils.plotting"} <= loaded


def test_version_matches_installed_metadata():
    from importlib.metadata import version

    assert cnn_utils.__version__ == version("cnn-utils")
