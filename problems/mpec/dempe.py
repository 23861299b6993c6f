"""dempe (MacMPEC, QQR2-MN-4-3): a bilevel program with a nonlinear complementarity.

An MPEC from S. Dempe, "A necessary and sufficient optimality condition for bilevel
programming problems", Optimization 25, 341-354, 1992 (also Luo, Pang and Ralph,
"Mathematical Programs with Equilibrium Constraints", CUP 1997, p. 354); transcribed by
hand from Sven Leyffer's AMPL coding in the MacMPEC collection
(https://wiki.mcs.anl.gov/leyffer/index.php/MacMPEC)::

    min (x - 3.5)^2 + (z + 4)^2
    s.t. z - 3 + 2 z w = 0
         0 >= z^2 - x   complements  w >= 0

The complementarity's expression gets a named slack ``s = x - z^2``. Not convex apart from
the complementarity: the row ``z - 3 + 2zw = 0`` is bilinear and ``s = x - z^2`` an
equality of a curved function, so it needs ``model.solve(nonconvex="heuristic")`` and its
bound is unproven. The value 28.25 is an infimum, not attained: on the branch
``x = z^2`` the objective falls towards 28.25 as ``z -> 0`` and ``w = (3/z - 1)/2 -> inf``.
"""

import branchwise as bw

model = bw.Model("dempe")
x = model.continuous("x")
z = model.continuous("z")
w = model.continuous("w", lb=0)  # multiplier
s = model.continuous("s", lb=0)  # slack of con2
model.add(z - 3 + 2 * z * w == 0, name="con1")
model.add(s == x - z ** 2, name="con2")
model.add(bw.complements(s, w), name="con2_compl")
model.minimize((x - 3.5) ** 2 + (z + 4) ** 2)
