"""The brief's questions: each answer's key (in a `brief:` block), its flag and its wording.

Kept free of imports so that the command line can name them without loading the schema.
"""

# key -> (flag, what it asks); required answers have no default in `Brief`.
QUESTIONS: dict[str, tuple[str, str]] = {
    "name": ("--name", "business name (also the key search query)"),
    "sector": ("--sector", "sector"),
    "budget_per_month": ("--budget-per-month", "budget per month"),
    "months": ("--months", "campaign length in months"),
    "currency": ("--currency", "currency (3 letters)"),
    "per_eur": ("--per-eur", "units of the currency per euro"),
    "start": ("--start", "start date, the first of a month (YYYY-MM-01)"),
    "community_people": ("--community-people", "people for community work (0.5 = half-time)"),
    "content_per_week": ("--content-per-week", "posts a week you can produce"),
    "goals": ("--goal", "goals"),
    "order_value": ("--order-value", "average order value (blank: none)"),
    "top20": ("--top20", "top 20 results of the brand query today: own,third,neutral,negative"),
}
REQUIRED = ("sector", "budget_per_month", "community_people", "content_per_week", "goals")
