"""Calibration against real campaign exports (importers, fitting, hold-out validation).

Simulated and imported data share the canonical daily columns of `smmsim.scenarios.columns`; the
fit writes its beliefs back as a scenario that the same loader reads.
"""
