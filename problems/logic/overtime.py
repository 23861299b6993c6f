"""Plan a crew's weekly hours for three weeks of demand under an overtime pay rule.

Each hour makes 10 units; demand is 350, 520 and 430 units; stock costs 3 per unit and
week. Pay is the ordinary Python rule ``pay``: 25 an hour up to 40 h, 37.5 up to 50 h,
50 beyond plus a 150 weekend call-in bonus. The bonus jump makes pay non-convex, so
smoothing demand with stock competes with overtime; checked over all integer hours.
"""

import branchwise as bw

DEMAND = [350, 520, 430]
RATE, HOLD = 10, 3


@bw.program
def pay(h: float) -> float:
    if h <= 40:
        return 25.0 * h
    elif h <= 50:
        return 1000.0 + 37.5 * (h - 40)
    else:
        return 1375.0 + 50.0 * (h - 50) + 150.0


model = bw.Model("overtime")
hours = [model.integer(f"hours{t}", 0, 60) for t in range(3)]
stock, cost = 0, 0
for t, h in enumerate(hours):
    stock = stock + RATE * h - DEMAND[t]
    model.add(stock >= 0, name=f"demand{t}")
    cost = cost + pay(h) + HOLD * stock
model.minimize(cost)
