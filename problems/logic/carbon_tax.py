"""The smallest carbon tax that brings a Cournot market under an emission cap (an MPEC).

Three firms with unit costs ``COST`` and emissions per unit ``EMIT`` sell into a market
with price 100 - Q. Given the tax t, each firm's output q_i is a Cournot equilibrium:
q_i >= 0 complements its marginal loss c_i + e_i t - (100 - Q) + q_i >= 0. The regulator
(the leader) picks the least t with total emissions <= 25. Equilibrium conditions are
complementarities, a disjunction per firm; checked by one LP per set of active firms.
"""

import branchwise as bw

COST = [20.0, 30.0, 25.0]
EMIT = [1.0, 0.3, 0.6]
CAP = 25.0

model = bw.Model("carbon_tax")
tax = model.continuous("tax", 0, 100)
q = [model.continuous(f"q{i}", 0, 100) for i in range(3)]
total = sum(q)
for i in range(3):
    model.add(bw.complements(q[i], COST[i] + EMIT[i] * tax - (100 - total) + q[i]),
              name=f"cournot{i}")
model.add(sum(e * qi for e, qi in zip(EMIT, q, strict=True)) <= CAP, name="emission_cap")
model.minimize(tax)
