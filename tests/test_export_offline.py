"""`python3 dev.py export` writes pages that work with no internet.

The pages are made by the same functions the command runs (``export_editions`` in
dev.py), in this environment, from two small notebooks written here and one notebook
of the course: formulas, a figure, an HTML table, a link to another notebook, and a
notebook that carries stored widget state (which would make nbconvert's standard page
fetch the widget embedder from a CDN). Every ``src`` and ``href`` of a resource the
browser would load, every CSS ``url()`` and ``@import`` and every script ``import()``
must stay on this machine. With Chromium present, a page is also opened from disk with
every non-file request refused, and MathJax must have typeset its formulas.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent

# a resource the browser fetches by itself: these tags' src/href (an <a href> is a link
# the reader may follow, not a resource)
RESOURCE_ATTRIBUTES = {
    "script": ("src",), "link": ("href",), "img": ("src", "srcset"), "iframe": ("src",),
    "source": ("src", "srcset"), "video": ("src", "poster"), "audio": ("src",),
    "embed": ("src",), "object": ("data",), "input": ("src",),
}
REMOTE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)  # http://, https://, //
CSS_REMOTE = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])\s*(?:https?:)?//""", re.IGNORECASE)
# in a script, any string that is a remote address: import("https://..."), or a src built
# at run time, as nbconvert's widget embedder does with 'https://unpkg.com/...'
SCRIPT_REMOTE = re.compile(r"""['"`](?:https?:)?//[\w.-]+""")

PNG_1x1 = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5d1a8a40000000049454e44ae426082"
)).decode()


def load_dev():
    spec = importlib.util.spec_from_file_location("course_dev", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def notebook(cells, metadata=None):
    return {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}, **(metadata or {})},
        "nbformat": 4, "nbformat_minor": 5,
    }


def markdown(i, text):
    return {"cell_type": "markdown", "id": f"md-{i}", "metadata": {}, "source": text}


def code(i, text, outputs):
    return {"cell_type": "code", "id": f"code-{i}", "metadata": {}, "execution_count": 1,
            "source": text, "outputs": outputs}


def display(data):
    return {"output_type": "display_data", "data": data, "metadata": {}}


FORMULAS = notebook([
    markdown(0, "# Formulas\n\nThe output size is $\\left\\lfloor \\frac{n + 2p - f}{s} "
                "\\right\\rfloor + 1$, and\n\n$$y_{ij} = \\sum_{u,v} x_{i+u,j+v} k_{uv}$$\n\n"
                "Next: [the explorer page](second.ipynb#An-explorer)."),
    code(1, "show()", [display({"image/png": PNG_1x1, "text/plain": "<Figure>"})]),
])
WIDGETS = notebook(
    [
        markdown(0, "## An explorer\n\nIts stored picture, with $k = 3$."),
        code(1, "explorer", [display({
            "application/vnd.jupyter.widget-view+json": {
                "model_id": "abc", "version_major": 2, "version_minor": 0},
            "text/html": "<table class='cnn-grid'><tr><td>1</td><td>2</td></tr></table>",
            "text/plain": "Explorer()",
        })]),
    ],
    # stored widget state: nbconvert's own template then loads the embedder from unpkg
    metadata={"widgets": {"application/vnd.jupyter.widget-state+json": {
        "state": {}, "version_major": 2, "version_minor": 0}}},
)


class Resources(HTMLParser):
    """Every resource URL, inline <style> text and inline <script> text of a page."""

    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str]] = []
        self.styles: list[str] = []
        self.scripts: list[str] = []
        self._in = None

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for name in RESOURCE_ATTRIBUTES.get(tag, ()):
            if not values.get(name):
                continue
            if name == "srcset":  # "a.png 1x, b.png 2x"
                for url in values[name].split(","):
                    self.urls.append((tag, url.strip().split(" ")[0]))
            else:
                self.urls.append((tag, values[name].strip()))
        if values.get("style"):
            self.styles.append(values["style"])
        self._in = tag if tag in {"style", "script"} else None

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "style":
            self.styles.append(data)
        elif self._in == "script":
            self.scripts.append(data)


def remote_resources(html: str) -> list[str]:
    parser = Resources()
    parser.feed(html)
    found = [f"<{tag}> {url}" for tag, url in parser.urls if REMOTE.match(url)]
    found += [f"CSS {m.group(0)}" for css in parser.styles for m in CSS_REMOTE.finditer(css)]
    found += [f"script {m.group(0)}" for js in parser.scripts
              for m in SCRIPT_REMOTE.finditer(js)]
    return found


def local_resources(html: str) -> list[str]:
    parser = Resources()
    parser.feed(html)
    return [url for _, url in parser.urls if not url.startswith(("data:", "#"))]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Export the two notebooks above and notebook 03 of the course; return the html root."""
    src = tmp_path_factory.mktemp("notebooks")
    (src / "first.ipynb").write_text(json.dumps(FORMULAS), encoding="utf-8")
    (src / "second.ipynb").write_text(json.dumps(WIDGETS), encoding="utf-8")
    course = sorted((ROOT / "notebooks").glob("03_*.ipynb"))[:1]
    html_root = tmp_path_factory.mktemp("html")
    load_dev().export_editions(
        {"full": [src / "first.ipynb", src / "second.ipynb", *course]}, html_root)
    return html_root


def pages(html_root):
    return sorted((html_root / "full").glob("*.html"))


def test_every_notebook_gets_a_page(exported):
    names = {page.stem for page in pages(exported)}
    assert {"first", "second"} <= names
    assert len(names) == 3


def test_no_page_loads_anything_from_outside(exported):
    for page in pages(exported):
        problems = remote_resources(page.read_text(encoding="utf-8"))
        assert not problems, f"{page.name} loads from the internet: {problems}"


def test_every_local_resource_of_a_page_exists(exported):
    for page in pages(exported):
        for url in local_resources(page.read_text(encoding="utf-8")):
            target = page.parent / unquote(urlsplit(url).path)
            assert target.is_file(), f"{page.name} needs {url}, which is missing"


def test_mathjax_is_copied_beside_the_pages_and_referenced(exported):
    html = (exported / "full" / "first.html").read_text(encoding="utf-8")
    assert "../mathjax/MathJax.js" in html
    assert (exported / "mathjax" / "MathJax.js").is_file()
    assert (exported / "mathjax" / "LICENSE").is_file()  # Apache 2.0 asks for it


def test_links_between_notebooks_point_at_their_pages(exported):
    html = (exported / "full" / "first.html").read_text(encoding="utf-8")
    assert 'href="second.html#An-explorer"' in html
    assert "second.ipynb" not in html


def test_stored_widget_state_does_not_bring_the_embedder(exported):
    html = (exported / "full" / "second.html").read_text(encoding="utf-8")
    assert "cnn-grid" in html  # the explorer's static picture is on the page
    assert "embed-amd" not in html
    assert "unpkg" not in html


def test_the_checker_catches_each_kind_of_remote_resource():
    # the detector above is what the other tests rely on: it must see every form
    for html in (
        '<script src="https://cdnjs.cloudflare.com/require.js"></script>',
        '<link rel="stylesheet" href="//fonts.example.org/a.css">',
        '<img src="http://example.org/a.png">',
        '<iframe src="https://example.org"></iframe>',
        "<style>@import 'https://example.org/a.css';</style>",
        '<div style="background: url(https://example.org/a.png)"></div>',
        '<script type="module">const m = await import("https://cdn.example/m.mjs")</script>',
        "<script>var src = 'https://unpkg.com/@jupyter-widgets/html-manager/embed.js';</script>",
    ):
        assert remote_resources(html), html
    assert not remote_resources(
        '<a href="https://example.org">a link</a><script src="../mathjax/MathJax.js"></script>'
        '<img src="data:image/png;base64,AAAA">'
    )


@pytest.mark.browser
def test_formulas_are_typeset_with_the_network_closed(exported, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    import browser_support as bs

    if not os.access(bs.CHROMIUM, os.X_OK):
        pytest.skip(f"{bs.CHROMIUM} not found")
    refused = []

    def only_files(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    with sync_api.sync_playwright() as playwright:
        context = bs.launch_browser(playwright, tmp_path / "profile")
        try:
            page = context.new_page()
            page.route("**/*", only_files)
            page.goto((exported / "full" / "first.html").as_uri())
            # MathJax 2 wraps each typeset formula in an element of class MathJax
            page.wait_for_function(
                "document.querySelectorAll('.MathJax, .MathJax_Display, .MathJax_SVG').length >= 2",
                timeout=30_000)
            raw = page.evaluate("document.querySelector('.jp-RenderedMarkdown').innerText")
        finally:
            context.close()
    assert "\\frac" not in raw  # no raw LaTeX left on screen
    assert not refused, f"the page asked for {refused}"
