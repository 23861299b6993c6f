"""Two parcels priced by an ordinary Python tariff, made optimizable with @bw.program.

Goods sell at 1.8 per kg and leave in two parcels of at most 100 kg each; a parcel costs
``shipping(weight)``, the tariff from API.md, written as plain Python. The best plan
ships two parcels of exactly 50 kg, for a margin of 19.0: one gram more and the
oversize surcharge applies.
"""

import branchwise as bw


@bw.program
def shipping(w):
    if w <= 1:
        return 5.0
    elif w <= 5:
        return 5.0 + 2.0 * (w - 1)
    cost = 13.0 + 1.5 * (w - 5)
    return cost if w <= 50 else cost + 40.0


PRICE_PER_KG = 1.8

model = bw.Model("shipping_program")
parcels = [model.continuous(f"parcel{k}", 0, 100) for k in range(2)]
model.maximize(sum(PRICE_PER_KG * w - shipping(w) for w in parcels))
