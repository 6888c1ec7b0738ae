"""`smmsim brief`: the seed's steps 1-4 as a planning brief that writes a starting scenario.

`seed` holds the article's vocabulary (sectors, goals, example KPIs), `answers` the planner's
answers, `options` the candidate platforms with priors from the bundled examples, `verdict` the
fit and conditions rules, `targets` the KPI targets and `plan` the scenario it all becomes.
"""
