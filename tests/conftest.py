"""Settings shared by every test in tests/.

Hypothesis runs without deadlines (the machines are shared and timing is noisy;
speed is measured in benchmarks/, never asserted in tests) and derandomized, so
a failure seen once is seen again on the next run and on CI.

Each test module ends by closing every ipywidget it made, as a kernel restart
would: ipywidgets keeps a widget until it is closed, so without this the
explorers of earlier modules stay alive for the whole run, and every presenter
switch in a later module redraws all of them.
"""

import sys

import pytest
from hypothesis import settings

settings.register_profile("course", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("course")


@pytest.fixture(scope="module", autouse=True)
def close_widgets_at_module_end():
    yield
    if "ipywidgets" in sys.modules:
        sys.modules["ipywidgets"].Widget.close_all()
