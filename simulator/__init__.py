"""The campaign engine: daily delivery, community, pacing, results and KPIs."""
