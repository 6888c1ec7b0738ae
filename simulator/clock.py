"""The order of events within a campaign day, on the SimPy clock (in days).

Day d's delivery runs at time d. Everything else is placed relative to it, so the order is:
    d - ORDER_LEAD        tactics order the units delivered on day d
    d                     day d's delivery (spend, impressions, clicks, conversions)
    d + SNAPSHOT_LAG      month-end snapshot, after the month's last delivery
    d + 1 - DECISION_LEAD strategies decide for day d + 1, after that snapshot
    decision + STOP_LOSS_LAG  the stop-loss checks of test-then-scale, after its decision
"""

ORDER_LEAD = 0.1
SNAPSHOT_LAG = 0.5
DECISION_LEAD = 0.25
STOP_LOSS_LAG = 0.1
