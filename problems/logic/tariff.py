"""Buy at least 280 units from two suppliers with all-units discounts and truck fees.

Supplier A charges 5.0 per unit below 100 units, 4.6 below 250 and 4.2 from 250 on;
supplier B 4.9 below 150 and 4.4 from 150 on; the whole order gets the price of its
tier. Each order also pays a delivery fee by trucks (``bw.steps``): 0 for nothing, 60 up
to 119 units, 110 up to 239, 160 above. Both are discontinuous in the quantity, so
buying *more* can cost less; checked by enumerating every pair of quantities.
"""

import branchwise as bw

DEMAND = 280


@bw.program
def supplier_a(q: float) -> float:
    if q < 100:
        return 5.0 * q
    elif q < 250:
        return 4.6 * q
    return 4.2 * q


@bw.program
def supplier_b(q: float) -> float:
    return 4.9 * q if q < 150 else 4.4 * q


def delivery(q: bw.Var) -> bw.Var:
    """Truck fee of one order of ``q`` units."""
    return bw.steps(q, [1, 120, 240], [0, 60, 110, 160])


model = bw.Model("tariff")
qa = model.integer("qa", 0, 400)
qb = model.integer("qb", 0, 400)
model.add(qa + qb >= DEMAND, name="demand")
model.minimize(supplier_a(qa) + supplier_b(qb) + delivery(qa) + delivery(qb))
