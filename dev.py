#!/usr/bin/env python3
"""Set up and run the CNN course with nothing but Python 3.10+ (standard library only).

    python3 dev.py lab               open the course in JupyterLab
    python3 dev.py lab --check       install, start JupyterLab, check it answers, stop
    python3 dev.py present [NB ...]  JupyterLab for a projector: large fonts, no pop-ups
    python3 dev.py test [ARGS]       the whole test suite; ARGS go to pytest
    python3 dev.py execute [NB ...]  re-run notebooks in place from a fresh kernel
    python3 dev.py export [NB ...]   offline HTML pages in artifacts/html/{full,student}/
    python3 dev.py lint [ARGS]       ruff over the package, tests and notebooks
    python3 dev.py student           the notebooks without solutions, in artifacts/student/
    python3 dev.py answers           the instructor's answer key, artifacts/answer_key.md

Each command creates the virtual environment .venv/ on first use, installs this
project into it (editable, with the extras the command needs) and reuses both
afterwards: the install is skipped while pyproject.toml is unchanged.
"""

# Keep this file parseable by old Pythons, so they reach the version message
# below instead of a SyntaxError: no walrus, no match, no `X | Y` at runtime.
import sys

if sys.version_info < (3, 10):
    sys.exit(
        "This course needs Python 3.10 or newer; this is Python {}.{}.\n"
        "Install a newer python3 (Debian 12 and Ubuntu 22.04 ship one), "
        "then run this command again with it.".format(*sys.version_info[:2])
    )

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
NOTEBOOKS = ROOT / "notebooks"
START_NOTEBOOK = "notebooks/00_start_here.ipynb"
STAMP = VENV / ".cnn-course-install.json"
# the extras each command needs (pyproject.toml [project.optional-dependencies])
EXTRAS = {"lab": (), "test": ("test",), "execute": ("dev",), "lint": ("dev",), "export": ()}
STUDENT_EDITION = ROOT / "artifacts" / "student"
ANSWER_KEY = ROOT / "artifacts" / "answer_key.md"

USAGE = __doc__.split("\n\n")[1]


def say(message):
    print(f"[dev.py] {message}", flush=True)


def venv_python():
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def _venv_works():
    python = venv_python()
    if not python.exists():
        return False
    probe = subprocess.run(
        [str(python), "-c", "import sys; assert sys.version_info >= (3, 10); import pip"],
        capture_output=True,
    )
    return probe.returncode == 0


def create_venv():
    if VENV.exists():
        say(f"{VENV.name}/ exists but does not work (moved, or made by another Python); "
            "making it again.")
        shutil.rmtree(VENV)
    say(f"Creating the virtual environment {VENV.name}/ with Python "
        f"{sys.version_info.major}.{sys.version_info.minor}; the first install takes a few "
        "minutes ...")
    made = subprocess.run(
        [sys.executable, "-m", "venv", str(VENV)], capture_output=True, text=True
    )
    if made.returncode != 0 or not venv_python().exists():
        shutil.rmtree(VENV, ignore_errors=True)
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        sys.exit(
            "Could not create a virtual environment:\n"
            f"{(made.stdout + made.stderr).strip()}\n\n"
            "Python's venv module (with ensurepip) is missing. On Debian or Ubuntu:\n"
            f"    sudo apt-get install python3-venv      (or python{version}-venv)\n"
            "then run this command again."
        )
    # Old pips cannot install a pyproject-only project in editable mode.
    run([str(venv_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--upgrade", "pip>=23"])


def _install_key():
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def _read_stamp():
    try:
        return json.loads(STAMP.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def ensure_environment(extras):
    """Create or reuse .venv and install the project with `extras`; return its python."""
    if not _venv_works():
        create_venv()
    stamp = _read_stamp()
    installed = set(stamp.get("extras", []))
    if stamp.get("pyproject") == _install_key() and set(extras) <= installed:
        return str(venv_python())

    # Keep what an earlier command installed: `lint` after `test` keeps the test extra.
    wanted = sorted(installed | set(extras))
    target = f".[{','.join(wanted)}]" if wanted else "."
    say(f"Installing the course into {VENV.name}/ (pip install -e '{target}') ...")
    started = time.monotonic()
    run([str(venv_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--progress-bar", "off", "-e", target], cwd=ROOT)
    say(f"Installed in {time.monotonic() - started:.0f} s.")
    STAMP.write_text(
        json.dumps({"pyproject": _install_key(), "extras": wanted}, indent=1), encoding="utf-8"
    )
    return str(venv_python())


def run(command, cwd=None):
    """Run `command`; stop with its exit code if it fails."""
    code = subprocess.call(command, cwd=cwd)
    if code != 0:
        sys.exit(code)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def lab(args):
    python = ensure_environment(EXTRAS["lab"])
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in args:
        # containers and CI machines often run as root; JupyterLab refuses without this
        args = [*args, "--allow-root"]
    if "--check" not in args:
        # root_dir keeps the whole course in the file browser (a file argument
        # alone would make notebooks/ the root)
        command = [python, "-m", "jupyter", "lab", f"--ServerApp.root_dir={ROOT}",
                   START_NOTEBOOK, *args]
        say("Starting JupyterLab; stop it with Ctrl-C twice.")
        os.chdir(ROOT)
        if os.name == "nt":
            sys.exit(subprocess.call(command))
        os.execv(python, command)

    # --check: start a server, wait until it answers, stop it. Proves the set-up.
    port = _free_port()
    server = subprocess.Popen(
        [python, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         "--ServerApp.open_browser=False", *[a for a in args if a != "--check"]],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if server.poll() is not None:
                sys.exit(f"JupyterLab stopped before answering:\n{server.stderr.read()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as reply:
                    version = json.load(reply)["version"]
                break
            except OSError:
                time.sleep(0.25)
        else:
            sys.exit(f"JupyterLab did not answer on {url} within 180 s.")
        say(f"JupyterLab is up (Jupyter Server {version}); the course set-up works. "
            f"Run `python3 dev.py lab` to open {START_NOTEBOOK}.")
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


# Settings for `present`. JupyterLab reads them from a per-run copy of the user's own
# settings folder (JUPYTERLAB_SETTINGS_DIR), so the user's choices still apply and the
# folder itself is never written to. Font sizes are JupyterLab's theme variables:
# prose, code, printed output, menus and widget controls all follow them.
PRESENT_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True,
    },
    "@jupyterlab/apputils-extension/themes": {
        "overrides": {"content-font-size1": "22px", "code-font-size": "20px",
                      "ui-font-size1": "20px"},
    },
}
# no news feed and no update check on the server side either (traitlets reads "None")
PRESENT_SERVER_ARGS = [
    "--LabApp.news_url=None",
    "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
]


def user_lab_settings_dir():
    """Where JupyterLab keeps this user's settings (as jupyter_core finds it)."""
    if os.environ.get("JUPYTERLAB_SETTINGS_DIR"):
        return Path(os.environ["JUPYTERLAB_SETTINGS_DIR"])
    config = os.environ.get("JUPYTER_CONFIG_DIR") or Path.home() / ".jupyter"
    return Path(config) / "lab" / "user-settings"


def present_setup(state_dir, user_settings=None):
    """Copy the user's JupyterLab settings into state_dir with present's on top; return
    JupyterLab's arguments and the environment for the server and its kernels."""
    user_settings = Path(user_settings or user_lab_settings_dir())
    settings = Path(state_dir) / "user-settings"
    if user_settings.is_dir():
        shutil.copytree(user_settings, settings, dirs_exist_ok=True)
    for plugin, values in PRESENT_SETTINGS.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            mine = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # none, or JSON5 with comments: present's alone
            mine = {}
        path.write_text(json.dumps({**mine, **values}, indent=1), encoding="utf-8")
    # CNN_UTILS_PRESENTER: cnn_utils starts in presenter mode (explorers, figures)
    return list(PRESENT_SERVER_ARGS), {"JUPYTERLAB_SETTINGS_DIR": str(settings),
                                       "CNN_UTILS_PRESENTER": "1"}


def present(args):
    """JupyterLab for a projector: large fonts, no pop-ups, presenter mode in every kernel."""
    import tempfile

    python = ensure_environment(EXTRAS["lab"])
    notebooks = [a for a in args if a.endswith(".ipynb")] or [START_NOTEBOOK]
    options = [a for a in args if not a.endswith(".ipynb")]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in options:
        options.append("--allow-root")
    with tempfile.TemporaryDirectory(prefix="cnn-course-present-") as state_dir:
        lab_args, env = present_setup(state_dir)
        command = [python, "-m", "jupyter", "lab", f"--ServerApp.root_dir={ROOT}",
                   *lab_args, *notebooks, *options]
        say("Starting JupyterLab for presenting (large fonts, no news or update pop-ups, "
            "presenter mode in every notebook) from a copy of your settings, which stay as "
            "they are. The deck button in a notebook's toolbar starts its slides. "
            "Stop with Ctrl-C twice.")
        server = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env})
        try:
            code = server.wait()
        except KeyboardInterrupt:
            code = server.wait()
    sys.exit(code)


def test(args):
    python = ensure_environment(EXTRAS["test"])
    say("Running pytest: the package tests and doctests, nbval over every notebook in "
        "notebooks/, and the browser tests (skipped without Chromium).")
    sys.exit(subprocess.call([python, "-m", "pytest", *args], cwd=ROOT))


def lint(args):
    python = ensure_environment(EXTRAS["lint"])
    sys.exit(subprocess.call([python, "-m", "ruff", "check", *(args or ["."])], cwd=ROOT))


def execute(args):
    python = ensure_environment(EXTRAS["execute"])
    if args:
        paths = [Path(arg).resolve() for arg in args]
        missing = [str(path) for path in paths if not path.is_file()]
        if missing:
            sys.exit(f"No such notebook: {', '.join(missing)}")
    else:
        paths = sorted(NOTEBOOKS.glob("*.ipynb"))
        if not paths:
            sys.exit(f"No notebooks in {NOTEBOOKS.relative_to(ROOT)}/.")
    # nbclient lives in the virtual environment: continue there.
    sys.exit(subprocess.call([python, str(Path(__file__).resolve()), "_execute",
                              *map(str, paths)], cwd=ROOT))


HTML_OUT = ROOT / "artifacts" / "html"
STUDENT_NOTEBOOKS = ROOT / "artifacts" / "student"
OFFLINE_TEMPLATES = ROOT / "tools" / "nbconvert_templates"
# the MathJax 2 configuration that jupyter-server-mathjax ships, with its Safe mode
MATHJAX_PAGE_URL = "../mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"


def export(args):
    """Static HTML in artifacts/html/: full/ (every cell) and student/ (no solutions)."""
    python = ensure_environment(EXTRAS["export"])
    if args:
        editions = {"full": [Path(arg).resolve() for arg in args]}
        say("Exporting the notebooks named; the student edition is made only for the "
            "whole course (run `python3 dev.py export` without arguments).")
    else:
        editions = {"full": sorted(NOTEBOOKS.glob("*.ipynb"))}
        if "student" in COMMANDS:
            COMMANDS["student"]([])
            editions["student"] = sorted(STUDENT_NOTEBOOKS.glob("*.ipynb"))
            if not editions["student"]:
                sys.exit(f"`student` wrote no notebooks to {STUDENT_NOTEBOOKS.relative_to(ROOT)}/.")
        else:
            say("This dev.py has no `student` command yet: the student edition is skipped; "
                "artifacts/html/student/ is not written.")
    # jupyter_server_mathjax lives in the virtual environment: continue there.
    sys.exit(subprocess.call(
        [python, str(Path(__file__).resolve()), "_export", "--",
         *(f"{edition}={path}" for edition, paths in editions.items() for path in paths)],
        cwd=ROOT))


def export_pages(python, paths, out_dir):
    """Write an HTML page per notebook into `out_dir` that loads nothing from the internet.

    The page template leaves out JupyterLab's CDN scripts (tools/nbconvert_templates/),
    and formulas are drawn by the MathJax copied to out_dir/../mathjax/ by copy_mathjax.
    Returns nbconvert's exit code.
    """
    out_dir = Path(out_dir)
    # The config ranks each explorer's static picture (text/html) above its live widget
    # view, which a page without a kernel cannot draw.
    command = [python, "-m", "jupyter", "nbconvert", "--to", "html",
               "--config", str(ROOT / "jupyter_nbconvert_config.json"),
               f"--TemplateExporter.extra_template_basedirs={OFFLINE_TEMPLATES}",
               "--template", "offline",
               f"--HTMLExporter.mathjax_url={MATHJAX_PAGE_URL}",
               "--output-dir", str(out_dir), *map(str, paths)]
    return subprocess.call(command, cwd=ROOT)


def copy_mathjax(html_root):
    """Copy MathJax from the jupyter-server-mathjax package to html_root/mathjax/."""
    import jupyter_server_mathjax

    source = Path(jupyter_server_mathjax.__file__).parent / "static"
    target = Path(html_root) / "mathjax"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)
    return target


def _link_pages(page):
    """Point a page's links to other notebooks (02_x.ipynb#part) at their pages (02_x.html#part)."""
    text = page.read_text(encoding="utf-8")
    linked = re.sub(r'href="([\w.-]+)\.ipynb(#[^"]*)?"',
                    lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', text)
    if linked != text:
        page.write_text(linked, encoding="utf-8")


def export_editions(editions, html_root):
    """Write html_root/<edition>/ for each {edition: notebook paths} and MathJax beside them."""
    html_root = Path(html_root)
    html_root.mkdir(parents=True, exist_ok=True)
    copy_mathjax(html_root)
    for edition, paths in editions.items():
        out_dir = html_root / edition
        if out_dir.exists():
            shutil.rmtree(out_dir)
        if not paths:
            say(f"No notebooks for the {edition} edition.")
            continue
        code = export_pages(sys.executable, paths, out_dir)
        if code != 0:
            sys.exit(code)
        for page in out_dir.glob("*.html"):
            _link_pages(page)
        size = sum(f.stat().st_size for f in out_dir.glob("*.html")) / 1e6
        say(f"{edition} edition: {len(paths)} pages ({size:.1f} MB) in {out_dir}/")


def _export_in_venv(args):
    editions = {}
    for item in args:
        edition, path = item.split("=", 1)
        editions.setdefault(edition, []).append(path)
    export_editions(editions, HTML_OUT)
    say(f"MathJax copied to {(HTML_OUT / 'mathjax').relative_to(ROOT)}/: the pages need no "
        "internet. Hand out the whole html/ folder.")


def _cell_text(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _tags(cell):
    return set(cell.get("metadata", {}).get("tags", []))


# cells the student edition leaves out: worked solutions, and what only an instructor
# needs (how to make the student edition and the answer key, for one)
STUDENT_EDITION_DROPS = ("solution", "instructor-only")


def student_edition(notebook):
    """Return a copy of the notebook `notebook` (parsed JSON) for students: the cells tagged
    "solution" or "instructor-only" left out, and each cell tagged "edition-note" given its
    student text (its metadata "student_source")."""
    cells = []
    for cell in notebook["cells"]:
        if _tags(cell) & set(STUDENT_EDITION_DROPS):
            continue
        if "edition-note" in _tags(cell):
            cell = dict(cell, metadata=dict(cell["metadata"]))
            text = cell["metadata"].pop("student_source", None)
            if text is None:
                sys.exit("A cell tagged 'edition-note' has no metadata 'student_source' "
                         "(the text the student edition shows instead).")
            cell["source"] = text
        cells.append(cell)
    return dict(notebook, cells=cells)


def student(args):
    """Write every notebook without its solutions to artifacts/student/ (standard library)."""
    if args:
        sys.exit(f"`student` takes no arguments, got {' '.join(args)}.")
    if STUDENT_EDITION.exists():
        shutil.rmtree(STUDENT_EDITION)
    STUDENT_EDITION.mkdir(parents=True)
    removed = dict.fromkeys(STUDENT_EDITION_DROPS, 0)
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        edition = student_edition(notebook)
        for cell in notebook["cells"]:
            for tag in STUDENT_EDITION_DROPS:
                removed[tag] += tag in _tags(cell)
        text = json.dumps(edition, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
        (STUDENT_EDITION / path.name).write_text(text, encoding="utf-8")
    say(f"Student edition written to {STUDENT_EDITION.relative_to(ROOT)}/ "
        f"({removed['solution']} solution cells and {removed['instructor-only']} cells for "
        "instructors left out). Hand out that folder in place of notebooks/.")


def answers(args):
    if args:
        sys.exit(f"`answers` takes no arguments, got {' '.join(args)}.")
    python = ensure_environment(())  # the course itself, no extras
    # the expected answers are computed by cnn_utils, which lives in the environment
    sys.exit(subprocess.call([python, str(Path(__file__).resolve()), "_answers"], cwd=ROOT))


# --- runs inside .venv (called by `execute`) -------------------------------------

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _current_env_kernel_manager():
    """A kernel manager whose 'python3' is this environment's Python, whatever else
    the machine has registered under that name (nbval's --nbval-current-env does the same)."""
    import ipykernel.kernelspec
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    class CurrentEnvironment(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            return self.kernel_spec_class(
                resource_dir=ipykernel.kernelspec.RESOURCES,
                **ipykernel.kernelspec.get_kernel_dict(),
            )

    return KernelManager(kernel_name="python3", kernel_spec_manager=CurrentEnvironment())


def _store_without_widgets(nb):
    """Keep each output's static forms and drop its live widget view and the widget state.

    An explorer's output carries a live widget (which needs a running kernel) and a
    static HTML picture of the same state. A stored notebook keeps the picture only:
    JupyterLab shows it until the cell runs, an HTML export shows it, nbval compares it,
    and nothing in the file depends on the random ids the kernel gives widget models,
    so a re-run changes no byte that did not really change.
    """
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data and len(data) > 1:
                del data[WIDGET_VIEW]
    return nb


def _compact_png(data: str) -> str:
    """A figure re-encoded as a palette PNG (256 colours) when that is smaller.

    Course figures are mostly flat colours, which a palette keeps exactly, and grey
    photos, which 256 levels keep too. Stored notebooks shrink to less than half,
    and a running notebook still shows full-colour figures.
    """
    import base64
    import io

    from PIL import Image

    raw = base64.b64decode(data)
    with Image.open(io.BytesIO(raw)) as image:
        if "A" in image.getbands() and image.getextrema()[-1][0] < 255:
            return data  # see-through pixels: a palette would need their alpha too
        rgb = image.convert("RGB")
    # median cut keeps flat colours exactly and grey ramps smooth (octree bands them)
    palette = rgb.quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    out = io.BytesIO()
    palette.save(out, "PNG", optimize=True)
    smaller = out.getvalue()
    return base64.b64encode(smaller).decode("ascii") + "\n" if len(smaller) < len(raw) else data


def _compact_figures(nb):
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" in data:
                data["image/png"] = _compact_png(data["image/png"])
    return nb


def _coalesce_streams(nb):
    """Merge consecutive stdout (or stderr) outputs of a cell into one, as JupyterLab does.

    How a kernel splits a cell's printing into messages depends on timing, so without
    this two runs of an unchanged notebook store the same text in different pieces.
    """
    for cell in nb.cells:
        merged = []
        for output in cell.get("outputs", []):
            previous = merged[-1] if merged else None
            if (output.get("output_type") == "stream" and previous is not None
                    and previous.get("output_type") == "stream"
                    and previous.get("name") == output.get("name")):
                previous["text"] += output["text"]
            else:
                merged.append(output)
        if "outputs" in cell:
            cell.outputs = merged
    return nb


def _execute_in_venv(paths):
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    failed = []
    for path in map(Path, paths):
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        nb = nbformat.read(path, as_version=4)
        nb.metadata["kernelspec"] = dict(KERNELSPEC)
        client = NotebookClient(
            nb,
            km=_current_env_kernel_manager(),
            timeout=600,
            record_timing=False,
            store_widget_state=False,
            # the kernel's own log (e.g. its note on local TCP) is noise here
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
            resources={"metadata": {"path": str(path.parent)}},
        )
        started = time.monotonic()
        try:
            client.execute()
        except CellExecutionError as error:
            say(f"{shown}: a cell failed; the file is left as it was.\n{error}")
            failed.append(shown)
            continue
        # language_info keeps the kernel's Python version: JupyterLab writes it on every save,
        # so a notebook run and saved in JupyterLab on this machine differs from this file
        # only in its outputs' live widget views
        nb = _compact_figures(_coalesce_streams(_store_without_widgets(nb)))
        nbformat.validate(nb)
        nbformat.write(nb, path)
        say(f"{shown}: executed in {time.monotonic() - started:.1f} s")
        sys.stdout.flush()
    if failed:
        sys.exit(f"{len(failed)} notebook(s) failed: {', '.join(map(str, failed))}")


# --- runs inside .venv (called by `answers`) -------------------------------------

def _exercise_cells(notebook):
    """Map each exercise id of a notebook to its question, answer and solution text."""
    found = {}
    for cell in notebook["cells"]:
        exercise = cell.get("metadata", {}).get("exercise")
        if not exercise:
            continue
        parts = found.setdefault(exercise, {"question": [], "answer": "", "solution": ""})
        if "solution" in _tags(cell):
            parts["solution"] = _cell_text(cell)
        elif "answer" in _tags(cell):
            parts["answer"] = _cell_text(cell)
        elif cell.get("cell_type") == "markdown":
            parts["question"].append(_cell_text(cell))
    return found


def _solution_parts(markdown):
    """Split a solution cell's <details> markdown into (python code, explanation)."""
    lines = markdown.splitlines()
    fences = [i for i, line in enumerate(lines) if line.strip().startswith("```")]
    if len(fences) < 2:
        return "", markdown
    code = "\n".join(lines[fences[0] + 1:fences[1]])
    words = [line for line in lines[:fences[0]] + lines[fences[1] + 1:]
             if not line.strip().startswith(("<details", "</details"))]
    return code, "\n".join(words).strip()


def _shown_expected(value):
    import numpy as np

    if callable(value):
        return f"the course's function `{value.__module__}.{value.__qualname__}`"
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return f"`{value:.6g}`"
    if isinstance(value, (list, tuple)) and all(np.ndim(v) == 0 for v in value):
        plain = [v.item() if isinstance(v, np.generic) else v for v in value]
        text = ", ".join(f"{v:.6g}" if isinstance(v, float) else repr(v) for v in plain)
        return f"`({text})`" if isinstance(value, tuple) else f"`[{text}]`"
    if isinstance(value, np.ndarray) or isinstance(value, (list, tuple)):
        text = np.array2string(np.asarray(value), precision=6, separator=", ",
                               max_line_width=100)
        return f"\n```\n{text}\n```"
    return f"`{value!r}`"


def _write_answer_key():
    import re

    import numpy as np

    from cnn_utils import exercises

    np.set_printoptions(precision=6, suppress=True)
    lines = ["# Answer key (instructors only)", "",
             "Written by `python3 dev.py answers`; the expected answers are computed by "
             "`cnn_utils.answers`.", ""]
    problems = []
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cells = _exercise_cells(notebook)
        registered = {ex.id: ex for ex in exercises._exercises(path.name)}
        if not cells and not registered:
            continue
        lines += [f"## {path.stem}", ""]
        for exercise_id in sorted(set(cells) | set(registered),
                                  key=lambda i: int(i.split(".")[1])):
            parts = cells.get(exercise_id)
            exercise = registered.get(exercise_id)
            if parts is None or exercise is None:
                where = "the notebook" if parts is None else "cnn_utils/answers"
                problems.append(f"{exercise_id} is missing from {where}")
                continue
            code, why = _solution_parts(parts["solution"])
            lines += [f"### Exercise {exercise_id} ({exercise.kind})", ""]
            question = "\n\n".join(q.strip() for q in parts["question"])
            # the notebook's own heading becomes bold text under the key's heading
            question = re.sub(r"^#+ +(.*)$", r"**\1**", question, flags=re.MULTILINE)
            lines += [question, ""]
            lines += [f"**Expected answer:** {_shown_expected(exercise.value())}", ""]
            if exercise.choices:
                lines += [f"(choices {', '.join(exercise.choices)})", ""]
            lines += ["**Worked solution:**", "", "```python", code, "```", "", why, ""]
    ANSWER_KEY.parent.mkdir(parents=True, exist_ok=True)
    ANSWER_KEY.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    say(f"Answer key written to {ANSWER_KEY.relative_to(ROOT)}")
    if problems:
        sys.exit("The notebooks and cnn_utils/answers disagree:\n  " + "\n  ".join(problems))


COMMANDS = {"lab": lab, "present": present, "test": test, "execute": execute, "lint": lint,
            "export": export,
            "student": student, "answers": answers}


def main(argv):
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    command, args = argv[0], argv[1:]
    if command == "_execute":
        _execute_in_venv(args)
        return 0
    if command == "_export":
        _export_in_venv(args[1:] if args[:1] == ["--"] else args)
        return 0
    if command == "_answers":
        _write_answer_key()
        return 0
    if command not in COMMANDS:
        print(f"Unknown command {command!r}; the commands are: {', '.join(COMMANDS)}.\n")
        print(USAGE)
        return 2
    COMMANDS[command](args)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
