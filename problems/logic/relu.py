"""Largest output of a small trained ReLU network (2-4-4-1) over the input box [-1, 1]^2.

The weights are fixed numbers; each hidden unit is ``bw.max(0, w . x + b)``. Maximising
through a ReLU is non-convex (each unit is on or off), the basic query of neural-network
verification. Checked by solving one LP per on/off pattern of the eight units.
"""

import numpy as np

import branchwise as bw

W1 = np.array([[1.5, -2.0], [-1.0, 1.0], [2.0, 1.0], [-0.5, -1.5]])
B1 = np.array([0.5, 0.0, -1.0, 0.5])
W2 = np.array([[1.0, -1.0, 0.5, 2.0], [-2.0, 1.0, 1.0, 0.0],
               [0.5, 1.5, -1.0, -1.0], [1.0, 0.0, -2.0, 1.0]])
B2 = np.array([0.0, 0.5, -0.5, 1.0])
W3 = np.array([1.0, -1.5, 2.0, -1.0])
B3 = 0.25

model = bw.Model("relu")
x = model.continuous("x", -1, 1, shape=2)
h1 = [bw.max(0, W1[i] @ x + B1[i]) for i in range(4)]
h2 = [bw.max(0, sum(W2[j, i] * h1[i] for i in range(4)) + B2[j]) for j in range(4)]
model.maximize(sum(W3[j] * h2[j] for j in range(4)) + B3)
