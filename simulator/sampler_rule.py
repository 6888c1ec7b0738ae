"""Where a count's sampler switches from exact inversion to the normal approximation.

A module of its own, without numba, so that the engine reads the rule without importing the
compiler (`compiled.py` runs the samplers ahead of time where it can).
"""

# Counts whose variance is at least this are drawn from the normal approximation with the
# Cornish-Fisher skewness correction, rounded and clipped to the support: its total-variation
# distance to the exact binomial is under 1% from variance 3 up and falls with size (0.3% at 9,
# 0.15% at 30) and its mean within 0.2% (tests/test_randomness.py measures both). Smaller counts
# are drawn exactly by inversion.
APPROXIMATE_FROM_VARIANCE = 3.0
