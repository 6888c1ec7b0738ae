"""Test-wide settings: hypothesis explores new examples locally and replays fixed ones in CI."""

import os

from hypothesis import settings

# In CI (CI=true) every run draws the same examples, so a landing never hinges on a lucky draw;
# locally each run explores new ones and stores any failure in .hypothesis/ to replay.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
