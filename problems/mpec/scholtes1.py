"""scholtes1 (MacMPEC, QOR2-MN-4-2): a complementarity with an exponential function.

An MPEC from S. Scholtes, Research Papers in Management Studies 26/1997, The Judge
Institute, University of Cambridge; transcribed by hand from Sven Leyffer's AMPL coding in
the MacMPEC collection (https://wiki.mcs.anl.gov/leyffer/index.php/MacMPEC)::

    min (x + 1)^2 + (y1 - 2.5)^2 + (y2 + 1)^2
    s.t. y2 >= 0
         0 <= -exp(x) + y1 - exp(y2)  complements  x >= 0

The complementarity's expression gets a named slack ``s``. The set ``s <= y1 - exp(x) -
exp(y2)`` is convex but the equality ``s = ...`` is not, so the model needs
``model.solve(nonconvex="heuristic")``; the optimum, 2 at x = y2 = 0, y1 = 2.5, lies on
the branch x = 0.
"""

import branchwise as bw

model = bw.Model("scholtes1")
x = model.continuous("x", lb=0)
y1 = model.continuous("y1")
y2 = model.continuous("y2", lb=0)  # lin_cs
s = model.continuous("s", lb=0)    # slack of nln_cs
model.add(s == -bw.exp(x) + y1 - bw.exp(y2), name="nln_cs")
model.add(bw.complements(s, x), name="nln_cs_compl")
model.minimize((x + 1) ** 2 + (y1 - 2.5) ** 2 + (y2 + 1) ** 2)
