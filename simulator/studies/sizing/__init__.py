"""Test-budget sizing: how big and how long a test-then-scale test should be.

`smmsim size-test` simulates the whole campaign, test and scale, at every candidate test size under
common random numbers, and reads off two answers: the test that buys the most conversions overall
(the decision-theoretic optimum) and the smallest test that picks the right arm with a target
probability. The classical two-proportion sample size is set beside them for reference.
"""
