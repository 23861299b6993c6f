"""One machine, five jobs with release dates: minimise the total weighted completion time.

Data: processing times ``P``, weights ``W`` and release dates ``R`` below. Two jobs may
not overlap, so each pair needs ``end_i <= start_j`` *or* ``end_j <= start_i``: a
disjunction, which no single linear constraint expresses. The optimum is checked against
all 120 job orders, each scheduled as early as possible (tests/end_to_end/test_logic_models.py).
"""

import branchwise as bw

P = [3, 5, 2, 4, 6]
W = [2, 1, 4, 3, 2]
R = [0, 2, 4, 1, 6]
HORIZON = sum(P) + max(R)

model = bw.Model("scheduling")
start = [model.continuous(f"start{i}", R[i], HORIZON) for i in range(len(P))]
end = [s + p for s, p in zip(start, P, strict=True)]
for i in range(len(P)):
    for j in range(i + 1, len(P)):
        model.add(bw.either(end[i] <= start[j], end[j] <= start[i]), name=f"order{i}_{j}")
model.minimize(sum(w * e for w, e in zip(W, end, strict=True)))
