"""Calibration against real campaign exports (importers, fitting, hold-out validation).

Filled in by the calibration issue; simulated and imported data share the canonical daily columns
in `simulator.columns`.
"""
