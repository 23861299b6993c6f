"""bard1 (MacMPEC, QQR2-MN-8-5): the KKT form of a convex bilevel program.

An MPEC from J.F. Bard, "Convex two-level optimization", Mathematical Programming 40(1),
15-27, 1988; transcribed by hand from Sven Leyffer's AMPL coding in the MacMPEC collection
(https://wiki.mcs.anl.gov/leyffer/index.php/MacMPEC)::

    min (x - 5)^2 + (2y + 1)^2
    s.t. 2(y - 1) - 1.5x + l1 - 0.5 l2 + l3 = 0               (lower level's KKT)
         0 <= 3x - y - 3       complements  l1 >= 0
         0 <= -x + 0.5y + 4    complements  l2 >= 0
         0 <= -x - y + 7       complements  l3 >= 0
         x, y >= 0

Convex apart from the complementarity (a convex QP on every branch), so branching on the
three pairs proves the optimum, 17 at x = 1, y = 0.
"""

import branchwise as bw

model = bw.Model("bard1")
x = model.continuous("x", lb=0)
y = model.continuous("y", lb=0)
l1, l2, l3 = (model.continuous(f"l{i}") for i in (1, 2, 3))  # multipliers
model.add(2 * (y - 1) - 1.5 * x + l1 - 0.5 * l2 + l3 == 0, name="KKT")
model.add(bw.complements(3 * x - y - 3, l1), name="lin_1")
model.add(bw.complements(-x + 0.5 * y + 4, l2), name="lin_2")
model.add(bw.complements(-x - y + 7, l3), name="lin_3")
model.minimize((x - 5) ** 2 + (2 * y + 1) ** 2)
