"""Helpers for the browser tests: a throw-away JupyterLab server and page utilities.

The browser tests drive the course the way a student meets it: JupyterLab in a
real browser (Debian's Chromium, driven by Playwright for Python), so widgets
render and their callbacks fire from a real front end. This module holds
everything that is not a test:

- :class:`LabServer` starts JupyterLab on 127.0.0.1 on a free port, without a
  token, with every Jupyter/IPython/matplotlib setting directory in a temporary
  folder (so the user's own configuration never leaks in), with news and update
  checks off, and stops it whatever happens.
- :func:`launch_browser` starts Chromium with flags suited to a closed network.
- What every browser test module shares: :func:`require_browser` (skip the module,
  saying how to enable it, when Chromium or Playwright is missing), the
  module-scoped fixtures ``lab`` and ``browser`` (one JupyterLab server and one
  Chromium per module, both in the folder of the module's own ``course`` fixture,
  see :func:`make_course`), the function-scoped ``browser_page`` and the context
  manager :func:`open_tab` (a tab that shuts its kernels down and closes),
  :func:`save_screenshot` and :func:`report_latency` (artifacts in ``artifacts/``).
- Page utilities: :func:`open_notebook`, :func:`run_all`, :func:`wait_idle`,
  :func:`notebook_problems`, :func:`widget_problems`,
  :func:`screenshot_notebook`, :func:`set_slider_by_keyboard`,
  :func:`measure_update_ms`.

Explorer tests copy the pattern of ``test_slider_pattern_updates_view`` in
``test_browser.py``: find the control and the view with locators scoped to one
output, act on the control the way a user would, and wait for the view to show
what it should, read back from the page.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ENABLE_HINT = (
    "browser tests need Debian's Chromium and Playwright for Python: "
    "`apt-get install chromium` and `pip install -e '.[test]'`"
)

# Flags for a machine whose network is closed: without the background-networking
# ones Chromium keeps opening connections that are refused (or hang), and at start
# it tries to look up Google's hosts.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",  # the tests may run as root, where the sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-breakpad",
    "--disable-domain-reliability",
    "--metrics-recording-only",
    "--disable-features=Translate,OptimizationHints,MediaRouter,InterestFeedContentSuggestions",
    "--password-store=basic",
    "--use-mock-keychain",
]

VIEWPORT = {"width": 1400, "height": 1000}
PROJECTOR = {"width": 1280, "height": 720}  # the presenting tests' window

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "artifacts"  # git-ignored
SCREENSHOTS = ARTIFACTS / "screenshots"
LATENCY_FILE = ARTIFACTS / "browser-latency.json"
CHANGES = 10  # control changes per latency measurement

# JupyterLab user settings written into the temporary settings folder.
LAB_USER_SETTINGS = {
    # No "would you like news?" toast, no news fetch, no update check.
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    # Attach every cell to the DOM: the default windowing modes leave cells
    # outside the viewport unrendered, so their outputs could not be checked.
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    # The copy is temporary, but do not write to it behind the test's back.
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
}

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_FAILURE_TEXTS = ("Loading widget...", "Error displaying widget")


# --------------------------------------------------------------------------- server


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _isolated_env(base: Path) -> dict[str, str]:
    """Environment for the server and its kernels with every settings folder in ``base``.

    The kernel must still be the virtual environment's ``python3``: its spec lives
    under ``sys.prefix/share/jupyter``, which Jupyter always searches, and
    jupyter_client replaces the spec's bare ``python`` with the server's
    ``sys.executable``.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("JUPYTER", "IPYTHON", "MPL", "PYTHONSTARTUP", "PYTHONUSERBASE"))
    }
    dirs = {
        "HOME": base / "home",
        "JUPYTER_CONFIG_DIR": base / "config",
        "JUPYTER_DATA_DIR": base / "data",
        "JUPYTER_RUNTIME_DIR": base / "runtime",
        "JUPYTERLAB_SETTINGS_DIR": base / "lab-user-settings",
        "JUPYTERLAB_WORKSPACES_DIR": base / "lab-workspaces",
        "IPYTHONDIR": base / "ipython",
        "MPLCONFIGDIR": base / "matplotlib",
        "XDG_CONFIG_HOME": base / "home" / ".config",
        "XDG_CACHE_HOME": base / "home" / ".cache",
        "XDG_DATA_HOME": base / "home" / ".local" / "share",
    }
    for key, path in dirs.items():
        path.mkdir(parents=True, exist_ok=True)
        env[key] = str(path)
    env["JUPYTER_PREFER_ENV_PATH"] = "1"
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["PYTHONNOUSERSITE"] = "1"
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    return env


def _write_lab_settings(settings_dir: Path) -> None:
    for plugin, values in LAB_USER_SETTINGS.items():
        path = settings_dir / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2), encoding="utf-8")


def _get(url: str, timeout: float = 2.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback only)
        return response.read()


class LabServer:
    """A JupyterLab server on 127.0.0.1, isolated in temporary folders.

    Use as a context manager; :meth:`stop` runs on exit whatever happened.

    Parameters
    ----------
    root_dir : Path
        Folder JupyterLab serves (a temporary copy of ``notebooks/``).
    state_dir : Path
        Empty folder for the settings, runtime files and the server log.
    startup_timeout : float
        Seconds to wait for ``/api/status`` to answer.
    extra_args, extra_env
        More command-line arguments for JupyterLab and environment variables for it and
        its kernels (``dev.py present_setup`` gives both).
    """

    def __init__(self, root_dir: Path, state_dir: Path, startup_timeout: float = 90.0,
                 extra_args: tuple[str, ...] = (), extra_env: dict[str, str] | None = None):
        self.root_dir = Path(root_dir)
        self.state_dir = Path(state_dir)
        self.startup_timeout = startup_timeout
        self.extra_args = list(extra_args)  # e.g. dev.py present's settings
        self.extra_env = dict(extra_env or {})
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.state_dir / "jupyterlab.log"
        self.proc: subprocess.Popen | None = None
        self._log = None

    def __enter__(self) -> LabServer:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> None:
        env = _isolated_env(self.state_dir)
        _write_lab_settings(Path(env["JUPYTERLAB_SETTINGS_DIR"]))
        # Values that do not survive the command line (None, a class) go in the
        # config file that JUPYTER_CONFIG_DIR makes the server read.
        config = {
            "LabApp": {
                "news_url": None,
                "check_for_updates_class": "jupyterlab.handlers.announcements.NeverCheckForUpdate",
                "expose_app_in_browser": True,
            },
            "LanguageServerManager": {"autodetect": False},
        }
        config_file = Path(env["JUPYTER_CONFIG_DIR"]) / "jupyter_server_config.json"
        config_file.write_text(json.dumps(config, indent=2), encoding="utf-8")
        cmd = [
            sys.executable, "-m", "jupyter", "lab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={self.root_dir}",
            "--IdentityProvider.token=",
            "--PasswordIdentityProvider.hashed_password=",
            "--ServerApp.allow_remote_access=False",
            "--ServerApp.terminals_enabled=False",
            # "pypi" would let the extension panel query PyPI; nothing to install here.
            "--LabApp.extension_manager=readonly",
        ]  # fmt: skip
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")  # CI containers run as root
        cmd += self.extra_args
        env.update(self.extra_env)
        self._log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            cmd,
            cwd=self.root_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stop() can end it all
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"JupyterLab exited with code {self.proc.returncode} before answering; "
                    f"log:\n{self.log_tail()}"
                )
            try:
                status = json.loads(_get(f"{self.url}/api/status"))
                if "started" in status:
                    return
            except (urllib.error.URLError, ConnectionError, OSError, ValueError) as exc:
                last_error = exc
            time.sleep(0.2)
        raise RuntimeError(
            f"JupyterLab did not answer {self.url}/api/status within {self.startup_timeout} s "
            f"(last error: {last_error!r}); log:\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 40) -> str:
        """Return the last ``lines`` lines of the server log."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, grace: float = 15.0) -> None:
        """Stop the server: SIGTERM (it shuts its kernels down), then SIGKILL its group."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=grace)
        if self._log is not None:
            self._log.close()
            self._log = None


def copy_course(repo_root: Path, dest: Path) -> Path:
    """Copy ``notebooks/`` into ``dest`` and return the copy's path.

    ``data/`` is linked beside it, so a notebook that reads ``../data/...`` finds
    the same files as in the repository.
    """
    notebooks = dest / "notebooks"
    shutil.copytree(
        repo_root / "notebooks",
        notebooks,
        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
    )
    if (repo_root / "data").is_dir():
        (dest / "data").symlink_to(repo_root / "data", target_is_directory=True)
    return notebooks


def write_notebook(path: Path, cells: list[str | dict]) -> Path:
    """Write a notebook of code cells (nbformat 4.5) for the ``python3`` kernel.

    Each cell is its source, or a dict with ``source`` and optional ``tags``.
    """
    notebook_cells = []
    for i, cell in enumerate(cells):
        cell = {"source": cell} if isinstance(cell, str) else cell
        notebook_cells.append(
            {
                "cell_type": "code",
                "execution_count": None,
                "id": f"cell-{i}",
                "metadata": {"tags": list(cell.get("tags", []))},
                "outputs": [],
                "source": cell["source"],
            }
        )
    notebook = {
        "cells": notebook_cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- browser


def launch_browser(playwright, user_data_dir: Path):
    """Start Debian's Chromium with a fresh profile; return a persistent BrowserContext."""
    context = playwright.chromium.launch_persistent_context(
        str(user_data_dir),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport=VIEWPORT,
        timeout=60_000,
    )
    context.set_default_timeout(30_000)
    return context


# --------------------------------------------------------------------------- page


class PageLog:
    """What a page did besides rendering: requests off this machine and JavaScript errors.

    The course must work on a closed network, so a request to any host other than
    the test server is a problem (a stylesheet, font or image from the internet
    would be missing for a student offline).
    """

    LOCAL_PREFIXES = ("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:", "about:")

    def __init__(self, page):
        self.external_requests: list[str] = []
        self.js_errors: list[str] = []
        self.console_errors: list[str] = []
        page.on("request", self._on_request)
        page.on("pageerror", lambda exc: self.js_errors.append(str(exc)))
        page.on(
            "console",
            lambda msg: self.console_errors.append(msg.text) if msg.type == "error" else None,
        )

    def _on_request(self, request) -> None:
        if not request.url.startswith(self.LOCAL_PREFIXES):
            self.external_requests.append(request.url)

    def problems(self) -> list[str]:
        """Requests that left the machine and uncaught JavaScript errors, described."""
        return [f"request off this machine: {url}" for url in self.external_requests] + [
            f"uncaught JavaScript error: {text}" for text in self.js_errors
        ]


# In-page summary of the current notebook, read from JupyterLab's own models.
_NOTEBOOK_STATE_JS = """
() => {
  const app = window.jupyterapp;
  const panel = app && app.shell.currentWidget;
  if (!panel || !panel.content || !panel.content.model) return null;
  const ctx = panel.sessionContext;
  const kernel = ctx && ctx.session && ctx.session.kernel;
  const cells = [];
  const widgets = panel.content.widgets;
  for (let i = 0; i < widgets.length; i++) {
    const cell = widgets[i];
    const model = cell.model;
    const entry = {index: i, type: model.type, source: model.sharedModel.getSource(),
                   tags: model.getMetadata('tags') || []};
    if (model.type === 'code') {
      entry.count = model.executionCount;
      const prompt = cell.node.querySelector('.jp-InputPrompt');
      entry.prompt = prompt ? prompt.textContent.trim() : '';
      entry.outputs = [];
      for (let j = 0; j < model.outputs.length; j++) {
        const out = model.outputs.get(j).toJSON();
        entry.outputs.push({
          type: out.output_type, ename: out.ename, evalue: out.evalue,
          mimes: out.data ? Object.keys(out.data) : [],
        });
      }
      // What the student sees: stderr outputs that show a traceback.
      entry.shownTracebacks = [...cell.node.querySelectorAll(
          '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
        .map(n => n.textContent)
        .filter(t => /Traceback \\(most recent call last\\)/.test(t) ||
                     /^\\s*\\w*(Error|Exception)\\b[^\\n]*:/m.test(t))
        .map(t => t.trim().slice(-300));
    }
    cells.push(entry);
  }
  return {
    kernel: kernel ? kernel.status : (ctx ? 'no-kernel' : 'no-session'),
    kernelName: kernel ? kernel.name : null,
    cells,
  };
}
"""


def notebook_state(page) -> dict | None:
    """Return the current notebook's kernel status and, per cell, count and outputs."""
    return page.evaluate(_NOTEBOOK_STATE_JS)


def open_notebook(page, base_url: str, name: str, timeout: float = 90.0) -> None:
    """Open ``name`` in JupyterLab and wait until its kernel is idle and cells render."""
    # ?reset: start from an empty workspace, so notebooks an earlier page opened in
    # the default workspace are not restored (each would start its own kernel).
    page.goto(
        f"{base_url}/lab/tree/{urllib.parse.quote(name)}?reset", wait_until="domcontentloaded"
    )
    page.wait_for_function("() => window.jupyterapp !== undefined", timeout=timeout * 1000)
    page.evaluate("() => window.jupyterapp.restored")
    page.wait_for_function(
        """(name) => { const w = window.jupyterapp.shell.currentWidget;
                       return !!(w && w.content && w.content.model && w.context
                                 && w.context.path === name && w.isVisible); }""",
        arg=name,
        timeout=timeout * 1000,
    )
    # A student's screen: the notebook, not the file browser beside it.
    page.evaluate(
        """() => { const app = window.jupyterapp;
                   if (!app.shell.leftCollapsed) app.shell.collapseLeft(); }"""
    )
    wait_idle(page, timeout=timeout)
    watch_kernel_problems(page)


_WATCH_KERNEL_JS = """
() => {
  // Record what the kernel reports outside cell executions: tracebacks from widget
  // callbacks go to JupyterLab's log console, not to any cell.
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  window.__kernelProblems = [];
  kernel.anyMessage.connect((_, args) => {
    const msg = args.msg;
    if (args.direction !== 'recv' || msg.channel !== 'iopub') return;
    const parent = (msg.parent_header && msg.parent_header.msg_type) || '';
    if (parent === 'execute_request') return;  // cell outputs: notebook_problems sees them
    const c = msg.content;
    if (msg.header.msg_type === 'error') {
      window.__kernelProblems.push(`${parent}: ${c.ename}: ${c.evalue}`);
    } else if (msg.header.msg_type === 'stream' && c.name === 'stderr' &&
               /Traceback|Error|Exception/.test(c.text)) {
      window.__kernelProblems.push(`${parent}: ${c.text.trim().slice(-400)}`);
    }
  });
}
"""


def watch_kernel_problems(page) -> None:
    """Start recording errors the kernel reports outside cell runs (widget callbacks)."""
    page.evaluate(_WATCH_KERNEL_JS)


def kernel_problems(page) -> list[str]:
    """Errors recorded since :func:`watch_kernel_problems` (e.g. a raising observer)."""
    return page.evaluate("() => window.__kernelProblems || []")


def wait_idle(page, timeout: float = 60.0, settle: float = 0.5) -> dict:
    """Wait until the kernel is idle and no cell shows ``[*]``, stable for ``settle`` s.

    Returns the final :func:`notebook_state`.
    """
    deadline = time.monotonic() + timeout
    stable_since = None
    state = None
    while time.monotonic() < deadline:
        dialog = page.evaluate(
            "() => { const d = document.querySelector('.jp-Dialog'); "
            "return d ? d.innerText : null; }"
        )
        if dialog is not None:  # e.g. "Select Kernel" for a kernel this server lacks
            raise RuntimeError(f"JupyterLab shows a dialog instead of running: {dialog!r}")
        state = notebook_state(page)
        quiet = (
            state is not None
            and state["kernel"] == "idle"
            and not any(c.get("prompt") == "[*]:" for c in state["cells"])
        )
        if quiet:
            stable_since = stable_since or time.monotonic()
            if time.monotonic() - stable_since >= settle:
                return state
        else:
            stable_since = None
        time.sleep(0.1)
    kernel = state["kernel"] if state else "no notebook"
    raise TimeoutError(f"kernel not idle after {timeout} s (status {kernel!r})")


def _run_command(page, command: str) -> None:
    page.evaluate("(cmd) => window.jupyterapp.commands.execute(cmd)", command)


def run_all(page, timeout: float = 300.0) -> dict:
    """Clear outputs, then Run > Run All Cells from the menu; wait for the run to end.

    The run ends when the kernel is idle and either every non-empty code cell has
    an execution count or a cell raised (Run All stops at the first error, so the
    cells after it never get a count). Returns the final :func:`notebook_state`.
    """
    # Stale counts from a saved notebook would look like a finished run.
    _run_command(page, "notebook:clear-all-cell-outputs")
    page.wait_for_function(
        """() => [...window.jupyterapp.shell.currentWidget.node
                     .querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
                 .every(p => !/\\d/.test(p.textContent))""",
        timeout=10_000,
    )
    _click_menu(page, "Run", "Run All Cells", command="notebook:run-all-cells")
    deadline = time.monotonic() + timeout
    state = notebook_state(page)
    if not any(c["type"] == "code" and c["source"].strip() for c in state["cells"]):
        return wait_idle(page, timeout=timeout)
    # Wait for the run to start (some cell busy or counted), then for it to end.
    page.wait_for_function(
        """() => [...window.jupyterapp.shell.currentWidget.node
                     .querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
                 .some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))""",
        timeout=30_000,
    )
    while True:
        state = wait_idle(page, timeout=max(1.0, deadline - time.monotonic()))
        code = [c for c in state["cells"] if c["type"] == "code" and c["source"].strip()]
        stopped = any(
            o["type"] == "error" and "raises-exception" not in c["tags"]
            for c in code
            for o in c["outputs"]
        )
        if stopped or all(c["count"] is not None for c in code):
            return state
        if time.monotonic() > deadline:
            raise TimeoutError(f"Run All did not finish within {timeout} s")
        time.sleep(0.2)


def _click_menu(page, menu: str, item: str, command: str | None = None) -> None:
    """Open the main menu ``menu`` and click ``item``, as a user would.

    If the menu cannot be used (a label renamed in a later JupyterLab), run
    ``command`` instead and say so, rather than fail for a reason that is not the
    notebook's.
    """
    try:
        page.locator("#jp-menu-panel .lm-MenuBar-itemLabel", has_text=exact(menu)).first.click(
            timeout=10_000
        )
        page.locator(".lm-Menu .lm-Menu-item").filter(
            has=page.locator(".lm-Menu-itemLabel", has_text=exact(item))
        ).first.click(timeout=10_000)
    except Exception as exc:
        if command is None:
            raise
        print(f"menu {menu} > {item} not usable ({type(exc).__name__}); running {command}")
        page.keyboard.press("Escape")
        _run_command(page, command)


def exact(text: str) -> re.Pattern:
    """A pattern matching ``text`` alone, give or take the spaces around it."""
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


def notebook_problems(state: dict) -> list[str]:
    """Describe every error in the notebook and every code cell left without a count.

    An error is an ``error`` output in the model or a traceback shown on the page.
    Cells tagged ``raises-exception`` (an error on purpose, which JupyterLab and
    nbval both let pass) are exempt.
    """
    problems = []
    for cell in state["cells"]:
        if cell["type"] != "code":
            continue
        expected_error = "raises-exception" in cell["tags"]
        errors = [o for o in cell["outputs"] if o["type"] == "error"]
        if not expected_error:
            problems += [f"cell {cell['index']}: {o['ename']}: {o['evalue']}" for o in errors]
            if not errors:
                problems += [
                    f"cell {cell['index']}: shows a traceback: {text!r}"
                    for text in cell["shownTracebacks"]
                ]
        if cell["source"].strip() and cell["count"] is None:
            problems.append(f"cell {cell['index']}: not executed (prompt {cell['prompt']!r})")
    return problems


_WIDGET_STATUS_JS = """
(texts) => {
  // Widget outputs have no data-mime-type in the DOM, so pair each output of the
  // notebook model with the output-area child that renders it.
  const panel = window.jupyterapp.shell.currentWidget;
  const result = {expected: 0, rendered: 0, bad: []};
  panel.content.widgets.forEach((cell, i) => {
    if (cell.model.type !== 'code' || !cell.outputArea) return;
    const children = cell.outputArea.widgets;
    for (let j = 0; j < cell.model.outputs.length; j++) {
      const out = cell.model.outputs.get(j).toJSON();
      if (!out.data || !out.data['application/vnd.jupyter.widget-view+json']) continue;
      result.expected++;
      const child = children[j];
      const node = child && child.node.querySelector('.jp-OutputArea-output');
      const text = node ? node.textContent : '';
      const failure = texts.find(t => text.includes(t));
      if (!node) {
        result.bad.push(`cell ${i} output ${j}: no output node`);
      } else if (failure) {
        result.bad.push(`cell ${i} output ${j}: shows "${text.trim().slice(0, 120)}"`);
      } else if (node.classList.contains('lm-mod-hidden') ||
                 node.matches('.jupyter-widgets') || node.querySelector('.jupyter-widgets')) {
        result.rendered++;
      } else {
        result.bad.push(`cell ${i} output ${j}: not rendered as a widget ` +
                        `(shows "${text.trim().slice(0, 120)}")`);
      }
    }
  });
  return result;
}
"""


def widget_problems(page, timeout: float = 30.0) -> list[str]:
    """Wait up to ``timeout`` s for every widget output to render; list the failures.

    A widget output fails if it still shows "Loading widget..." or "Error displaying
    widget", or shows something that is not a widget (JupyterLab falls back to the
    widget's plain-text repr when the widget extension is missing).
    """
    deadline = time.monotonic() + timeout
    while True:
        status = page.evaluate(_WIDGET_STATUS_JS, list(WIDGET_FAILURE_TEXTS))
        if not status["bad"] or time.monotonic() > deadline:
            return status["bad"]
        time.sleep(0.2)


def count_widget_outputs(page) -> int:
    """Number of widget outputs in the current notebook, rendered or not."""
    return page.evaluate(_WIDGET_STATUS_JS, list(WIDGET_FAILURE_TEXTS))["expected"]


def screenshot_notebook(page, path: Path, max_height: int = 40_000) -> Path:
    """Save a screenshot of the whole notebook to ``path``.

    JupyterLab scrolls inside the notebook panel, so a "full page" screenshot
    would only show the viewport; the viewport is stretched to the notebook's
    height (at most ``max_height`` pixels) for the shot, then put back.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    # Scroll to the top and measure how far the last cell reaches below the
    # visible part of the notebook (ignoring the blank "scroll past end" space).
    to_top_and_measure = """() => {
        const panel = window.jupyterapp.shell.currentWidget.node;
        const scroller = panel.querySelector('.jp-WindowedPanel-outer')
                         || panel.querySelector('.jp-Notebook');
        const cells = panel.querySelectorAll('.jp-Cell');
        if (!scroller || !cells.length) return 0;
        scroller.scrollTop = 0;
        const last = cells[cells.length - 1].getBoundingClientRect().bottom;
        return last - scroller.getBoundingClientRect().bottom + 24;
    }"""
    extra = page.evaluate(to_top_and_measure)
    original = page.viewport_size
    height = min(max_height, original["height"] + max(0, int(extra)))
    page.set_viewport_size({"width": original["width"], "height": height})
    try:
        page.wait_for_timeout(300)  # let Lumino re-lay out the panels
        page.evaluate(to_top_and_measure)
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(original)
    return path


def shutdown_kernels(page) -> None:
    """Shut down every kernel of the server from the page (frees memory between notebooks)."""
    page.evaluate(
        "() => window.jupyterapp && window.jupyterapp.serviceManager.sessions.shutdownAll()"
    )


# --------------------------------------------------------------------------- test modules
# What each test_browser*.py module needs besides its own notebooks. A module
# calls require_browser() at import, defines a module-scoped `course` fixture
# (usually with make_course) and imports the fixtures it uses:
#
#     from browser_support import browser_fixture, lab_fixture  # noqa: E402, F401
#
# They are found by their names, `browser` and `lab`, and each takes the folder
# of the importing module's `course`, so every module gets its own server and
# browser.


def require_browser():
    """Skip the calling test module unless Playwright and Chromium are both here.

    Call it at module level; the skip message says how to enable the tests.
    Returns ``playwright.sync_api``.
    """
    __tracebackhide__ = True  # a skip is reported at the calling module's line
    sync_api = pytest.importorskip("playwright.sync_api", reason=ENABLE_HINT)
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} not found; {ENABLE_HINT}", allow_module_level=True)
    return sync_api


def make_course(tmp_path_factory, name: str, copy_notebooks: bool = False) -> tuple[Path, Path]:
    """A new temporary folder ``base`` and the folder JupyterLab will serve; returns both.

    The served folder is ``base/notebooks``: a copy of the course's notebooks
    (:func:`copy_course`) if ``copy_notebooks``, else empty, for a module's own
    scratch notebooks. The server's and the browser's state go in ``base`` too.
    """
    base = tmp_path_factory.mktemp(name)
    if copy_notebooks:
        return base, copy_course(REPO, base)
    root = base / "notebooks"
    root.mkdir()
    return base, root


@pytest.fixture(scope="module", name="lab")
def lab_fixture(course):
    """One JupyterLab server for the module, serving its ``course`` folder."""
    base, root = course
    with LabServer(root, base / "lab-state") as server:
        yield server


@pytest.fixture(scope="module", name="browser")
def browser_fixture(course):
    """One Chromium for the module (a persistent context, its profile in ``course``)."""
    from playwright.sync_api import sync_playwright

    base, _ = course
    with sync_playwright() as playwright:
        context = launch_browser(playwright, base / "chromium-profile")
        try:
            yield context
        finally:
            context.close()


@contextlib.contextmanager
def open_tab(browser):
    """A new tab of ``browser`` and its :class:`PageLog`, as ``(page, log)``.

    On the way out, whatever happened: the page's console errors are printed
    (shown with the report of a failing test), every kernel of the server is
    shut down and the tab is closed.
    """
    page = browser.new_page()
    log = PageLog(page)
    try:
        yield page, log
    finally:
        errors = log.console_errors
        if errors:
            more = [f"(and {len(errors) - 20} more)"] if len(errors) > 20 else []
            print("browser console errors:\n" + "\n".join(errors[:20] + more))
        try:
            shutdown_kernels(page)
        finally:
            page.close()


@pytest.fixture(name="browser_page")
def browser_page_fixture(browser, lab):
    """A fresh tab of the module's browser, with the module's server running: (page, log)."""
    with open_tab(browser) as tab:
        yield tab


def save_screenshot(page, filename: str, what: str) -> None:
    """Save :func:`screenshot_notebook` to ``artifacts/screenshots/<filename>``.

    A failure is printed, not raised: a failed shot must not hide a test's own failure.
    """
    try:
        screenshot_notebook(page, SCREENSHOTS / filename)
    except Exception as exc:
        print(f"screenshot of {what} failed: {exc!r}")


# --------------------------------------------------------------------------- interaction


def set_slider_by_keyboard(page, slider, presses: int = 1, key: str = "ArrowRight") -> None:
    """Focus an ipywidgets slider's handle and press ``key`` ``presses`` times.

    ``slider`` is a locator for the slider widget (``.widget-slider``) or its handle.
    """
    handles = slider.locator(".noUi-handle")
    handle = handles.first if handles.count() else slider
    handle.focus()
    for _ in range(presses):
        handle.press(key)


def cell_output(page, source_contains: str):
    """Locator for the output area of the first cell whose source contains the text.

    The source is read from the notebook model (the editor may not render every
    line), so a test can find an explorer by the call that displays it, e.g.
    ``cell_output(page, "ConvolutionStepper(")``.
    """
    index = page.evaluate(
        """(text) => window.jupyterapp.shell.currentWidget.content.widgets
                     .findIndex(c => c.model.sharedModel.getSource().includes(text))""",
        source_contains,
    )
    if index < 0:
        raise ValueError(f"no cell of the open notebook contains {source_contains!r}")
    cell = page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell").nth(index)
    return cell.locator(".jp-Cell-outputArea")


def choose_option(widget, label: str) -> None:
    """Pick ``label`` in an ipywidgets Dropdown (a ``<select>``) inside ``widget``."""
    widget.locator("select").first.select_option(label=label)


def click_button(widget, text: str) -> None:
    """Click the button labelled ``text`` inside ``widget``."""
    widget.get_by_role("button", name=text).click()


def type_into(widget, text: str, submit: bool = True) -> None:
    """Replace the text of the first input inside ``widget``; press Enter if ``submit``.

    Text widgets with ``continuous_update=False`` (IntText, FloatText by default)
    send their value on Enter or on leaving the field.
    """
    field = widget.locator("input, textarea").first
    field.fill(text)
    if submit:
        field.press("Enter")


_NUMBER = re.compile(r"[-\u2212]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def read_numbers(locator) -> list[float]:
    """Every number in the text a locator shows (a readout, a formula, a grid's cells)."""
    return [float(m.replace("\u2212", "-")) for m in _NUMBER.findall(locator.inner_text())]


# The view's "signature" is what a user sees change: its text and its images.
_ARM_MEASURE_JS = """
(el) => {
  const sig = (n) => n.innerText + '|' + [...n.querySelectorAll('img')].map(i => i.src).join('|');
  const rec = {t0: null, t1: null, before: sig(el), after: null};
  window.__updateLatency = rec;
  const start = () => { if (rec.t0 === null) rec.t0 = performance.now(); };
  for (const type of ['keydown', 'pointerdown', 'input', 'change']) {
    document.addEventListener(type, start, {capture: true, once: true});
  }
  const observer = new MutationObserver(() => {
    if (rec.t0 === null || rec.t1 !== null) return;
    const now = sig(el);
    if (now !== rec.before) { rec.t1 = performance.now(); rec.after = now; observer.disconnect(); }
  });
  observer.observe(el, {subtree: true, childList: true, characterData: true, attributes: true});
}
"""


def measure_update_ms(page, view, action, timeout: float = 10.0) -> float:
    """Milliseconds from the user's action to the visible change of ``view``, in the page.

    ``action`` is a callable that acts on a control (a key press, a click, typing).
    The clock starts at the first keydown/pointerdown/input/change event the page
    receives and stops at the first DOM mutation that changes the view's text or
    its images' sources; both are read with ``performance.now()`` in the page, so
    Playwright's own round trips do not count.
    """
    view.evaluate(_ARM_MEASURE_JS)
    action()
    page.wait_for_function(
        "() => window.__updateLatency && window.__updateLatency.t1 !== null",
        timeout=timeout * 1000,
    )
    rec = page.evaluate("() => window.__updateLatency")
    return rec["t1"] - rec["t0"]


def summarize_latency(name: str, samples_ms: list[float], out_file: Path | None = None) -> dict:
    """Median, min and max of ``samples_ms``; merged into the JSON ``out_file`` if given.

    The figures are for reports and benchmarks: tests print them, never assert them.
    """
    if not samples_ms:
        raise ValueError(f"no latency samples for {name!r}; measure at least one change")
    ordered = sorted(samples_ms)
    mid = len(ordered) // 2
    median = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    summary = {
        "median_ms": round(median, 1),
        "min_ms": round(ordered[0], 1),
        "max_ms": round(ordered[-1], 1),
        "changes": len(ordered),
    }
    if out_file is not None:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            merged = json.loads(out_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            merged = {}
        merged[name] = summary
        out_file.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return summary


def report_latency(capsys, name: str, samples_ms: list[float], out_file: Path = LATENCY_FILE):
    """Summarize ``samples_ms`` into ``out_file`` and print the summary past pytest's capture."""
    summary = summarize_latency(name, samples_ms, out_file)
    with capsys.disabled():
        print(
            f"\nbrowser latency, {name}: median {summary['median_ms']} ms "
            f"(min {summary['min_ms']}, max {summary['max_ms']}, {summary['changes']} changes)"
        )


def lab_settings(page) -> dict:
    """The settings this harness relies on, as the running JupyterLab sees them."""
    return page.evaluate(
        """async () => {
            const app = window.jupyterapp;
            const raw = (await app.serviceManager.settings.fetch(
                '@jupyterlab/apputils-extension:notification')).raw;
            return {
                windowingMode: app.shell.currentWidget.content.notebookConfig.windowingMode,
                notification: raw ? JSON.parse(raw) : null,
            };
        }"""
    )


# --------------------------------------------------------------------------- reading views
# (added for the explorer tests; nothing above depends on them)

_MATH_TEXT_JS = """
(el) => {
  // MathJax's CHTML output draws each glyph as an <mjx-c class="mjx-c37"> whose
  // class names the code point; fractions are <mjx-frac> with a numerator and a
  // denominator. Rebuild what is drawn as text, a fraction as (num)/(den).
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) return node.textContent;
    if (node.nodeType !== Node.ELEMENT_NODE) return '';
    const tag = node.tagName.toLowerCase();
    if (tag === 'mjx-assistive-mml' || tag === 'script') return '';
    if (tag === 'mjx-c') {
      const cls = [...node.classList].find(c => /^mjx-c[0-9A-F]+$/i.test(c));
      return cls ? String.fromCodePoint(parseInt(cls.slice(5), 16)) : node.textContent;
    }
    if (tag === 'mjx-frac') {
      const num = node.querySelector('mjx-num');
      const den = node.querySelector('mjx-den');
      return '(' + (num ? walk(num) : '') + ')/(' + (den ? walk(den) : '') + ')';
    }
    return [...node.childNodes].map(walk).join('');
  };
  return [...el.querySelectorAll('mjx-container')].map(walk).join('\\n');
}
"""


def math_text(locator) -> str:
    """The typeset maths inside ``locator`` as drawn, one formula per line.

    MathJax 3 (JupyterLab's) draws glyphs with CSS, so ``inner_text`` misses
    them; this reads each glyph's code point. A fraction reads ``(num)/(den)``;
    spaces are left out. Empty when nothing is typeset (yet).
    """
    return locator.evaluate(_MATH_TEXT_JS).replace(" ", "")


_IMAGE_RGBA_JS = """
async (img) => {
  if (!img.complete || !img.naturalWidth) {
    await new Promise((ok, fail) => { img.onload = ok; img.onerror = fail; });
  }
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let bin = '';
  for (let i = 0; i < data.length; i += 0x8000) {
    bin += String.fromCharCode.apply(null, data.subarray(i, i + 0x8000));
  }
  return {width: canvas.width, height: canvas.height, rgba: btoa(bin)};
}
"""


def image_rgba(img_locator):
    """The pixels an ``<img>`` on the page decodes to, as uint8 ``(H, W, 4)`` (at its natural size).

    Read through a canvas in the page, so it is what the browser shows (for a
    ``blob:`` or ``data:`` source, which the canvas may read back).
    """
    import base64

    import numpy as np

    result = img_locator.evaluate(_IMAGE_RGBA_JS)
    flat = np.frombuffer(base64.b64decode(result["rgba"]), dtype=np.uint8)
    return flat.reshape(result["height"], result["width"], 4)


def cell_index(page, source_contains: str) -> int:
    """Index of the first cell of the open notebook whose source contains the text."""
    index = page.evaluate(
        """(text) => window.jupyterapp.shell.currentWidget.content.widgets
                     .findIndex(c => c.model.sharedModel.getSource().includes(text))""",
        source_contains,
    )
    if index < 0:
        raise ValueError(f"no cell of the open notebook contains {source_contains!r}")
    return index


def select_cell(page, source_contains: str) -> None:
    """Click the input prompt of the cell whose source contains the text (command mode)."""
    index = cell_index(page, source_contains)
    cell = page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell").nth(index)
    cell.locator(".jp-InputPrompt").first.click()
    page.wait_for_function(
        "(i) => window.jupyterapp.shell.currentWidget.content.activeCellIndex === i",
        arg=index,
        timeout=10_000,
    )


def _execution_count(page, index: int):
    return page.evaluate(
        "(i) => window.jupyterapp.shell.currentWidget.content.widgets[i].model.executionCount",
        index,
    )


def wait_cell_ran(page, index: int, count_before, timeout: float = 120.0) -> dict:
    """Wait until cell ``index`` has a new execution count and the kernel is idle."""
    page.wait_for_function(
        """([i, before]) => {
             const c = window.jupyterapp.shell.currentWidget.content.widgets[i].model;
             return c.executionCount !== null && c.executionCount !== before;
           }""",
        arg=[index, count_before],
        timeout=timeout * 1000,
    )
    return wait_idle(page, timeout=timeout)


def run_cell(page, source_contains: str, timeout: float = 120.0) -> dict:
    """Select a cell by its source and run it with Ctrl+Enter, as a user would; wait for it.

    Returns the :func:`notebook_state` once the cell has a new execution count
    and the kernel is idle.
    """
    select_cell(page, source_contains)
    index = cell_index(page, source_contains)
    before = _execution_count(page, index)
    page.keyboard.press("Control+Enter")
    return wait_cell_ran(page, index, before, timeout=timeout)


def execution_count(page, source_contains: str):
    """The execution count of the cell whose source contains the text (None if never run)."""
    return _execution_count(page, cell_index(page, source_contains))
