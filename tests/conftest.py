"""Settings shared by every test in tests/.

Hypothesis runs without deadlines (the machines are shared and timing is noisy;
speed is measured in benchmarks/, never asserted in tests) and derandomized, so
a failure seen once is seen again on the next run and on CI.
"""

from hypothesis import settings

settings.register_profile("course", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("course")
