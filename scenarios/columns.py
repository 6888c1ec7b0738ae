"""The canonical daily columns shared by simulated results and imported campaign data
(DESIGN.md section 3): one schema both ways, so real and simulated days line up directly."""

CANONICAL_COLUMNS = (
    "date",
    "platform",
    "tool",
    "campaign",
    "spend",
    "impressions",
    "reach",
    "clicks",
    "joins",
    "conversions",
    "revenue",
)
