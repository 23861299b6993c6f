"""Place two depots in a 6 x 6 km grid city to minimise weighted Manhattan travel.

Eight customers (``SITES``, weights ``WEIGHT``) are each served by the *nearer* depot,
so a customer's cost is ``bw.min`` of two Manhattan distances, each a sum of ``abs``: a
non-convex function of the depot positions. Depot 0 is kept west of depot 1 to drop the
mirror solution. Checked over all integer positions (exact: the optimum of a Manhattan
median sits on the customers' coordinates).
"""

import branchwise as bw

SITES = [(0, 1), (1, 5), (2, 2), (3, 6), (4, 0), (5, 4), (6, 2), (6, 6)]
WEIGHT = [3, 2, 4, 1, 2, 5, 3, 2]

model = bw.Model("depots")
dx = [model.continuous(f"x{k}", 0, 6) for k in range(2)]
dy = [model.continuous(f"y{k}", 0, 6) for k in range(2)]
model.add(dx[0] <= dx[1], name="symmetry")
model.minimize(sum(w * bw.min(*(abs(dx[k] - a) + abs(dy[k] - b) for k in range(2)))
                   for (a, b), w in zip(SITES, WEIGHT, strict=True)))
