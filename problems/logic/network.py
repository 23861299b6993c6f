"""Fixed-charge network design: which of eight links to build to ship 85 units.

Two plants (supply 50 and 40) serve three customers (demand 35, 30, 20) directly or via a
hub. A link costs a fixed amount if built plus a cost per unit shipped, and carries at
most its capacity, only if built (``flow <= cap * open``). The fixed charges make the
cost non-convex; checked by solving the transport LP for every one of the 256 link sets.
"""

import numpy as np

import branchwise as bw

NODES = ["P1", "P2", "H", "C1", "C2", "C3"]
NET = [50, 40, 0, -35, -30, -20]  # supply (+) or demand (-); net outflow must reach it
# (from, to, capacity, fixed cost, unit cost)
ARCS = [("P1", "H", 60, 100, 1), ("P2", "H", 50, 90, 1), ("H", "C1", 40, 70, 1),
        ("H", "C2", 40, 70, 1), ("H", "C3", 30, 60, 1), ("P1", "C1", 40, 120, 2),
        ("P2", "C3", 30, 80, 2), ("P2", "C2", 30, 110, 1)]
CAP, FIXED, UNIT = (np.array([a[k] for a in ARCS], dtype=float) for k in (2, 3, 4))
INCIDENCE = np.array([[(a[0] == n) - (a[1] == n) for a in ARCS] for n in NODES], dtype=float)

model = bw.Model("network")
flow = model.continuous("flow", 0, CAP, shape=len(ARCS))
build = model.binary("build", shape=len(ARCS))
model.add(flow <= CAP * build, name="capacity")
outflow = INCIDENCE @ flow
for k, net in enumerate(NET):
    model.add(outflow[k] <= net if net > 0 else outflow[k] == net, name=f"balance_{NODES[k]}")
model.minimize(FIXED @ build + UNIT @ flow)
