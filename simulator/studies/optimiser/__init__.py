"""The allocation optimiser: an Optuna study over budget splits, tactic intensities and the
test-then-scale policy, each trial a Monte Carlo run on common random numbers, with backlash risk
as a constraint or a second objective. `job.optimise` is the whole command as one call."""
