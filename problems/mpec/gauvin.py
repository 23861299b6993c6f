"""gauvin (MacMPEC): a bilevel program whose lower level is a mixed complementarity problem.

From Gauvin and Savard, "Working Paper G9037", GERAD, Ecole Polytechnique de Montreal
(1992), via the GAMS model of S.P. Dirkse and M.C. Ferris (MPECLIB); transcribed by hand
from Sven Leyffer's AMPL coding (University of Dundee, 2000) in the MacMPEC collection
(https://wiki.mcs.anl.gov/leyffer/index.php/MacMPEC)::

    min x^2 + (y - 10)^2
    s.t. 0 <= 4(x + 2y - 30) + u   complements  y >= 0
         0 <= 20 - x - y           complements  u >= 0
         0 <= x <= 15

Convex apart from the complementarity (a convex QP on every branch), so branching on the
two pairs proves the optimum, 20.
"""

import branchwise as bw

model = bw.Model("gauvin")
x = model.continuous("x", 0, 15)  # design variable
y = model.continuous("y", lb=0)   # state variable
u = model.continuous("u", lb=0)   # dual of y <= 20 - x in the lower level
model.add(bw.complements(4 * (x + 2 * y - 30) + u, y), name="Fy")
model.add(bw.complements(20 - x - y, u), name="Fu")
model.minimize(x ** 2 + (y - 10) ** 2)
