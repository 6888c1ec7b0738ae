"""`smmsim track`: a plan in flight. Actual results to date laid over the plan's bands, each arm's
beliefs updated with them, the rest of the campaign re-forecast, and the remaining budget
re-split."""
