"""jr1 (MacMPEC, QLR2-AN-LCP-2-1-1): a QPEC from ideas by Jiang and Ralph.

Transcribed by hand from Sven Leyffer's AMPL coding in the MacMPEC collection
(https://wiki.mcs.anl.gov/leyffer/index.php/MacMPEC)::

    min (z1 - 1)^2 + z2^2   s.t.   0 <= z2  complements  z2 - z1 >= 0,   z1 free

Convex apart from the complementarity: each branch (z2 = 0, or z2 = z1) is a convex QP,
so branching on the pair proves the optimum, 0.5 at z1 = z2 = 0.5.
"""

import branchwise as bw

model = bw.Model("jr1")
z1 = model.continuous("z1")
z2 = model.continuous("z2", lb=0)
model.add(bw.complements(z2, z2 - z1), name="compl")
model.minimize((z1 - 1) ** 2 + z2 ** 2)
