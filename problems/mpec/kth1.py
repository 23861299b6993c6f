"""kth1 (MacMPEC): simple MPEC #1.

Transcribed by hand from the AMPL coding in Sven Leyffer's MacMPEC collection
(https://wiki.mcs.anl.gov/leyffer/index.php/MacMPEC)::

    min z1 + z2   s.t.   0 <= z1  complements  z2 >= 0

Linear apart from the complementarity; the optimum is 0 at z1 = z2 = 0.
"""

import branchwise as bw

model = bw.Model("kth1")
z1 = model.continuous("z1", lb=0)
z2 = model.continuous("z2", lb=0)
model.add(bw.complements(z1, z2), name="compl")
model.minimize(z1 + z2)
