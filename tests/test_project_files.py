"""The project's own files agree with each other.

pyproject.toml is the one list of dependencies; environment.yml (conda, mamba,
Binder) only brings Python and pip and installs the project from it. The README
promises commands that dev.py and .ci/run must really have.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
README = (ROOT / "README.md").read_text(encoding="utf-8")
CI_SCRIPT = ROOT / ".ci" / "run"
ENVIRONMENT_FILES = [
    path for path in (ROOT / "environment.yml", ROOT / ".binder" / "environment.yml")
    if path.exists()
]
TEST_COMMAND = "python3 dev.py test"
LAB_COMMAND = "python3 dev.py lab"


# --- a tiny reader for the small subset of YAML that environment files use --------


def read_environment(text: str) -> dict:
    """Read an environment.yml: top-level keys with scalars or lists, and one
    nested `- pip:` list. Anything fancier raises ValueError (keep the file plain)."""
    result: dict = {}
    key = None
    nested, nested_indent = None, 0  # the list under "- pip:" and its indent
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #")[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        body = line.strip()
        if indent == 0:
            name, sep, value = body.partition(":")
            if not sep:
                raise ValueError(f"line {number}: expected 'key: value', got {raw!r}")
            key, nested = name.strip(), None
            result[key] = value.strip() if value.strip() else []
        elif body.startswith("- ") and key is not None and isinstance(result[key], list):
            item = body[2:].strip()
            if nested is not None and indent > nested_indent:
                nested.append(item)
            elif item.endswith(":"):
                nested, nested_indent = [], indent
                result[key].append({item[:-1]: nested})
            else:
                nested = None
                result[key].append(item)
        else:
            raise ValueError(f"line {number}: cannot read {raw!r}")
    return result


def package_name(requirement: str) -> str:
    """The normalised project name of a requirement: 'Foo_Bar>=1; extra' -> 'foo-bar'."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    if not match:
        raise ValueError(f"not a requirement: {requirement!r}")
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


def pyproject_requirements(pyproject: dict) -> list[str]:
    project = pyproject["project"]
    extras = project.get("optional-dependencies", {})
    return list(project["dependencies"]) + [req for reqs in extras.values() for req in reqs]


def project_installs(pip_items: list[str]) -> list[tuple[str, list[str]]]:
    """The pip entries that install this project: ('.', [extras]) for '-e .[a,b]'."""
    found = []
    for item in pip_items:
        match = re.fullmatch(r"(?:-e\s+|--editable\s+)?(\.)(?:\[([\w,\s-]*)\])?", item.strip())
        if match:
            extras = [e.strip() for e in (match.group(2) or "").split(",") if e.strip()]
            found.append((match.group(1), extras))
    return found


def listed_twice(environment: dict, pyproject: dict) -> set[str]:
    """Packages the environment file names that pyproject.toml already lists."""
    ours = {package_name(req) for req in pyproject_requirements(pyproject)}
    theirs = set()
    for item in environment.get("dependencies", []):
        pip_items = item.get("pip", []) if isinstance(item, dict) else []
        if isinstance(item, str):
            theirs.add(package_name(item))
        for pip_item in pip_items:
            if not project_installs([pip_item]):
                theirs.add(package_name(pip_item))
    return ours & theirs


def _pip_items(environment: dict) -> list[str]:
    return [
        pip_item
        for item in environment.get("dependencies", [])
        if isinstance(item, dict)
        for pip_item in item.get("pip", [])
    ]


def _conda_items(environment: dict) -> list[str]:
    return [item for item in environment.get("dependencies", []) if isinstance(item, str)]


SAMPLE = """\
# a comment
name: demo
channels:
  - conda-forge
dependencies:
  - python>=3.10  # trailing comment
  - pip
  - pip:
      - -e .[test,dev]
      - rich
"""


def test_reader_reads_the_sample():
    assert read_environment(SAMPLE) == {
        "name": "demo",
        "channels": ["conda-forge"],
        "dependencies": ["python>=3.10", "pip", {"pip": ["-e .[test,dev]", "rich"]}],
    }


def test_reader_refuses_what_it_does_not_understand():
    with pytest.raises(ValueError, match="cannot read"):
        read_environment("dependencies:\n  numpy: 1\n")


def test_listed_twice_finds_a_repeated_package():
    environment = read_environment(SAMPLE.replace("- rich", "- NumPy>=2"))
    pyproject = {"project": {"dependencies": ["numpy>=1.24"], "optional-dependencies": {}}}
    assert listed_twice(environment, pyproject) == {"numpy"}


def test_listed_twice_finds_a_conda_package_repeating_an_extra():
    environment = read_environment(SAMPLE.replace("  - pip\n", "  - pip\n  - ruff\n", 1))
    pyproject = {"project": {"dependencies": [], "optional-dependencies": {"dev": ["ruff>=0.6"]}}}
    assert listed_twice(environment, pyproject) == {"ruff"}


def test_project_installs_reads_extras():
    assert project_installs(["-e .[test, dev]", "rich", "."]) == [
        (".", ["test", "dev"]),
        (".", []),
    ]


# --- the real files --------------------------------------------------------------


def test_there_is_an_environment_file():
    assert ROOT / "environment.yml" in ENVIRONMENT_FILES


@pytest.mark.parametrize("path", ENVIRONMENT_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_environment_file_uses_conda_forge_python_and_pip_only(path):
    environment = read_environment(path.read_text(encoding="utf-8"))
    assert environment["channels"] == ["conda-forge"]
    conda_names = [package_name(item) for item in _conda_items(environment)]
    assert sorted(conda_names) == ["pip", "python"]
    (python,) = [item for item in _conda_items(environment) if package_name(item) == "python"]
    floor = re.search(r"(\d+\.\d+)", PYPROJECT["project"]["requires-python"]).group(1)
    assert floor in python or path.parent.name == ".binder", (
        f"{python!r} does not say the same lowest Python as requires-python ({floor})"
    )


@pytest.mark.parametrize("path", ENVIRONMENT_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_environment_file_lists_nothing_pyproject_lists(path):
    environment = read_environment(path.read_text(encoding="utf-8"))
    assert listed_twice(environment, PYPROJECT) == set()


def test_environment_file_installs_this_project_with_existing_extras():
    environment = read_environment((ROOT / "environment.yml").read_text(encoding="utf-8"))
    installs = project_installs(_pip_items(environment))
    assert installs, "environment.yml's pip: section does not install this project"
    known = set(PYPROJECT["project"]["optional-dependencies"])
    for _, extras in installs:
        assert set(extras) <= known, f"extras {set(extras) - known} are not in pyproject.toml"
        assert {"test", "dev"} <= set(extras)


def test_every_dependency_has_a_lower_bound():
    for requirement in pyproject_requirements(PYPROJECT):
        assert ">=" in requirement, f"{requirement!r} has no lower bound"


SUPPORTED_PYTHONS = ("3.10", "3.11", "3.12", "3.13")


def requirements_for(python_version: str) -> list[Requirement]:
    """The requirements whose environment marker holds on ``python_version``."""
    found = []
    for text in pyproject_requirements(PYPROJECT):
        requirement = Requirement(text)
        env = {"python_version": python_version, "python_full_version": f"{python_version}.0",
               "extra": ""}
        if requirement.marker is None or requirement.marker.evaluate(env):
            found.append(requirement)
    return found


@pytest.mark.parametrize("python_version", SUPPORTED_PYTHONS)
def test_no_dependency_is_listed_twice_for_one_python(python_version):
    # a package may carry one floor per Python version (markers), never two at once
    names = [package_name(str(req)) for req in requirements_for(python_version)]
    assert len(names) == len(set(names)), names


@pytest.mark.parametrize("python_version", SUPPORTED_PYTHONS)
def test_every_runtime_dependency_has_a_floor_on_every_supported_python(python_version):
    runtime = {package_name(text) for text in PYPROJECT["project"]["dependencies"]}
    present = {package_name(str(req)) for req in requirements_for(python_version)}
    assert runtime <= present, f"no floor on Python {python_version} for {runtime - present}"


def test_classifiers_and_readme_name_the_supported_pythons():
    classifiers = PYPROJECT["project"]["classifiers"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for version in SUPPORTED_PYTHONS:
        assert f"Programming Language :: Python :: {version}" in classifiers
        assert version in readme.split("Supported:")[1].split("\n")[0]


def test_wheel_carries_the_data_folder_where_the_package_looks():
    force_include = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert force_include == {"data": "cnn_utils/_data"}
    source = (ROOT / "cnn_utils" / "_paths.py").read_text(encoding="utf-8")
    assert '"_data"' in source


def test_pytest_runs_nbval_strictly_with_the_sanitize_file():
    options = PYPROJECT["tool"]["pytest"]["ini_options"]
    addopts = options["addopts"]
    assert "--nbval" in addopts
    assert "--nbval-lax" not in addopts
    assert "--nbval-current-env" in addopts
    (sanitize,) = [opt for opt in addopts if opt.startswith("--nbval-sanitize-with")]
    assert (ROOT / sanitize.partition("=")[2]).is_file()
    assert set(options["testpaths"]) == {"tests", "notebooks", "cnn_utils"}
    assert "--doctest-modules" in addopts
    declared = {marker.partition(":")[0] for marker in options["markers"]}
    assert {"browser", "slow"} <= declared


def test_dev_py_uses_only_the_standard_library():
    tree = ast.parse((ROOT / "dev.py").read_text(encoding="utf-8"))
    # imports at module level run under the bare system python3
    top_level = {
        alias.name.partition(".")[0]
        for node in tree.body
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module.partition(".")[0]
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert top_level <= set(sys.stdlib_module_names), top_level - set(sys.stdlib_module_names)


def test_dev_py_extras_exist():
    source = (ROOT / "dev.py").read_text(encoding="utf-8")
    extras = ast.literal_eval(re.search(r"^EXTRAS = (\{.*\})$", source, re.M).group(1))
    known = set(PYPROJECT["project"]["optional-dependencies"])
    for command, wanted in extras.items():
        assert set(wanted) <= known, f"dev.py {command} wants unknown extras {wanted}"


def test_dev_py_without_a_command_prints_usage():
    result = subprocess.run(
        [sys.executable, str(ROOT / "dev.py")], capture_output=True, text=True, check=True
    )
    for command in ("lab", "test", "execute", "lint"):
        assert f"python3 dev.py {command}" in result.stdout


def test_dev_py_rejects_an_unknown_command():
    result = subprocess.run(
        [sys.executable, str(ROOT / "dev.py"), "serve"], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "Unknown command 'serve'" in result.stdout


def test_readme_leads_with_the_two_commands():
    first_commands = re.findall(r"^python3 dev\.py \w+$", README, re.M)[:2]
    assert first_commands == [LAB_COMMAND, TEST_COMMAND]


def test_readme_commands_exist_in_dev_py():
    source = (ROOT / "dev.py").read_text(encoding="utf-8")
    commands = set(re.findall(r"python3 dev\.py (\w+)", README))
    assert commands
    for command in commands:
        assert f'"{command}": {command}' in source, f"README mentions dev.py {command}"


def test_ci_runs_the_readme_test_command_verbatim():
    script = CI_SCRIPT.read_text(encoding="utf-8")
    assert "set -uo pipefail" in script
    # run as one of CI's jobs: `job "NAME" python3 dev.py test`, whose failure fails CI
    assert re.search(rf'^\s*job "[^"]+" {re.escape(TEST_COMMAND)}\s*$', script, re.M)
    assert re.search(r'failed\+=\("\$name"\)', script)
    assert script.rstrip().endswith('echo "[ci] every job passed"')
    assert TEST_COMMAND in README


def test_ci_script_is_executable_in_git():
    listed = subprocess.run(
        ["git", "ls-files", "--stage", ".ci/run"], cwd=ROOT, capture_output=True, text=True
    )
    if listed.returncode != 0 or not listed.stdout:
        pytest.skip("not a git checkout, or .ci/run not committed yet")
    assert listed.stdout.startswith("100755"), listed.stdout


def test_gitignore_keeps_local_things_out():
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    for entry in (".venv/", "artifacts/", ".ipynb_checkpoints/", "__pycache__/"):
        assert entry in ignored


NOTEBOOK_FILES = sorted(path.name for path in (ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("name", NOTEBOOK_FILES)
def test_readme_and_start_here_list_every_notebook(name):
    assert f"notebooks/{name}" in README
    start_here = (ROOT / "notebooks" / "00_start_here.ipynb").read_text(encoding="utf-8")
    if name != "00_start_here.ipynb":
        assert f"]({name})" in start_here, f"00_start_here.ipynb does not link to {name}"


COURSE_MAP = ROOT.parent / "shared" / "COURSE_MAP.md"


@pytest.mark.skipif(not COURSE_MAP.exists(), reason="the course map is kept beside the repository")
def test_readme_lists_every_notebook_of_the_course_map():
    planned = re.findall(r"^## (\d\d_\w+)$", COURSE_MAP.read_text(encoding="utf-8"), re.M)
    assert planned
    for stem in planned:
        assert f"notebooks/{stem}.ipynb" in README


def test_start_here_marks_as_coming_exactly_the_missing_notebooks():
    start_here = (ROOT / "notebooks" / "00_start_here.ipynb").read_text(encoding="utf-8")
    # the table of contents: "| 01 | [Why CNNs](01_why_cnns.ipynb) *(coming)* | ..."
    links = re.findall(r"\| \[[^\]]+\]\((\d\d_\w+\.ipynb)\)( \*\(coming\)\*)?", start_here)
    assert links
    for name, coming in links:
        exists = (ROOT / "notebooks" / name).exists()
        assert exists != bool(coming), (
            f"00_start_here.ipynb marks {name} as {'coming' if coming else 'ready'} but it "
            f"{'exists' if exists else 'does not exist'}: fix the table of contents"
        )


def _load_dev_py():
    import importlib.util

    spec = importlib.util.spec_from_file_location("dev_under_test", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dev_py_parses_on_old_pythons_to_say_they_are_too_old():
    source = (ROOT / "dev.py").read_text(encoding="utf-8")
    ast.parse(source, feature_version=(3, 7))


def test_dev_py_explains_a_missing_venv_module(tmp_path, monkeypatch):
    dev = _load_dev_py()
    monkeypatch.setattr(dev, "VENV", tmp_path / ".venv")
    # a Python whose `-m venv` fails, as Debian's does without python3-venv
    monkeypatch.setattr(dev.sys, "executable", "false")
    with pytest.raises(SystemExit) as stopped:
        dev.create_venv()
    assert "apt-get install python3-venv" in str(stopped.value.code)
    assert not (tmp_path / ".venv").exists()


def test_dev_py_reinstalls_only_when_pyproject_or_extras_change(tmp_path, monkeypatch):
    dev = _load_dev_py()
    monkeypatch.setattr(dev, "STAMP", tmp_path / "stamp.json")
    monkeypatch.setattr(dev, "_venv_works", lambda: True)
    installs = []
    monkeypatch.setattr(dev, "run", lambda command, cwd=None: installs.append(command[-1]))

    dev.ensure_environment(("test",))
    dev.ensure_environment(("test",))  # unchanged: no install
    dev.ensure_environment(())  # lab needs less than is installed: no install
    dev.ensure_environment(("dev",))  # a new extra: install, keeping test
    assert installs == [".[test]", ".[dev,test]"]

    monkeypatch.setattr(dev, "_install_key", lambda: "pyproject changed")
    dev.ensure_environment(())
    assert installs[-1] == ".[dev,test]"
    assert len(installs) == 3
