"""Split a demand of 70 tonnes among three plants with non-convex piecewise cost curves.

Plant A has cheap mid-range output (slopes 6, 4, 6), plant B too (5, 3, 5), plant C has
economies of scale (5.5 then 2.5); each plant makes 0 to 40 t. Because the curves are
not convex, an LP would fill the cheap middle segments first, which is not possible:
``bw.piecewise`` needs the segment choice. Checked over every integer split (exact: all
breakpoints are integers).
"""

import branchwise as bw

DEMAND = 70
CURVES = {"A": ([0, 10, 25, 40], [0, 60, 120, 210]),
          "B": ([0, 15, 30, 40], [0, 75, 120, 170]),
          "C": ([0, 20, 40], [0, 110, 160])}

model = bw.Model("piecewise_costs")
make = {p: model.continuous(f"make_{p}", 0, 40) for p in CURVES}
model.add(sum(make.values()) == DEMAND, name="demand")
model.minimize(sum(bw.piecewise(make[p], xs, ys) for p, (xs, ys) in CURVES.items()))
