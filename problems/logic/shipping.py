"""The shipping tariff of API.md as logic: minimise ``shipping(w) - 0.4 w``, w in [0, 100].

``shipping`` is written with ``bw.if_then_else`` so it runs unchanged on plain floats
(``shipping(3.0) == 9.0``) and on variables. The optimum is 4.6 at w = 1 (checked by brute
force in tests/end_to_end/test_logic_examples.py).
"""

import branchwise as bw


def shipping(w):
    """5 up to 1 kg, then 2 per kg up to 5 kg, then 1.5 per kg, plus 40 above 50 kg."""
    cost = 13.0 + 1.5 * (w - 5)
    return bw.if_then_else(w <= 1, 5.0,
                           bw.if_then_else(w <= 5, 5.0 + 2.0 * (w - 1),
                                           bw.if_then_else(w <= 50, cost, cost + 40.0)))


model = bw.Model("shipping")
w = model.continuous("w", 0, 100)
model.minimize(shipping(w) - 0.4 * w)
