"""A tiny model file for the CLI tests; its optimum is 9.5 at n = 3, b = 1, x = 1.5."""

import branchwise as bw

model = bw.Model("tiny")
x = model.continuous("x", lb=0, ub=10)
n = model.integer("n", lb=0, ub=5)
b = model.binary("b")
model.add(x + 2 * n >= 7.5, name="demand")
model.add(n <= 3 * b, name="switch")
model.minimize(2 * x + 1.5 * n + 2 * b)
