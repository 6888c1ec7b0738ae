"""smmsim: simulate social-media marketing budgets and test campaigns."""
