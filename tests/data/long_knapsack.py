"""A 5-row, 100-item 0/1 knapsack (seeded): the root heuristics find an incumbent at once,
and the search runs for minutes, so a test can interrupt it mid-search."""
import numpy as np

import branchwise as bw

rng = np.random.default_rng(7)
weights = rng.integers(1000, 10000, size=(5, 100)).astype(float)
values = (weights.mean(axis=0) + rng.integers(-500, 500, size=100)).round()
model = bw.Model("long_knapsack")
take = model.binary("take", shape=100)
model.add(weights @ take <= (weights.sum(axis=1) * 0.5).round())
model.maximize(values @ take)
print("long_knapsack: built", flush=True)
