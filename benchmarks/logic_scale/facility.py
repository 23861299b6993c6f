"""Facility location with fixed charges and capacity tiers: serve every customer's demand
from sites that are closed, small or large; minimise fixed charges plus transport.

A site's charge is a rule of its load the user writes as code (:func:`site_charge`):
nothing when it serves nothing, the small fee up to the small capacity, else the large
fee. By hand: a binary per site and tier (at most one), the load within the chosen tier's
capacity, and the strong linking rows ``x[f, c] <= demand[c] * open[f]``. The Pyomo GDP
user writes one Disjunction per site over closed, small and large.
Data: ``problems/logic_scale/facility/*.csv`` (seeded, see :func:`generate`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

import branchwise as bw
from benchmarks.logic_scale.data import DATA, read_table, write_table

if TYPE_CHECKING:
    from pyomo.environ import ConcreteModel

FOLDER = DATA / "facility"
#: Sites x customers of each size.
SIZES = {"small": ("8x30",), "medium": ("15x60",), "large": ("25x120",)}
INTEGRAL = False
#: Transport cost per unit and unit of distance.
FREIGHT = 4.0


@bw.program
def site_charge(load, small_capacity, small_fee, large_fee):
    if load <= 0:
        return 0.0
    elif load <= small_capacity:
        return small_fee
    else:
        return large_fee


def generate(rng: np.random.Generator) -> None:
    """Per size: sites and customers uniform in the unit square; demands whole numbers
    5..35; a site's small capacity a whole number near 1.5 times the demand per site, its
    large capacity twice that; small fee 300..600, large fee 1.6 times it."""
    for keys in SIZES.values():
        for key in keys:
            sites, customers = (int(v) for v in key.split("x"))
            demand = rng.integers(5, 36, customers)
            share = demand.sum() / sites
            small = np.round(share * rng.uniform(1.2, 1.8, sites))
            fee = np.round(rng.uniform(300, 600, sites))
            write_table(FOLDER / f"{key}-sites.csv", "x,y,small_capacity,large_capacity,"
                        "small_fee,large_fee", np.column_stack([
                            np.round(rng.random((sites, 2)), 4), small, 2 * small, fee,
                            np.round(1.6 * fee)]))
            write_table(FOLDER / f"{key}-customers.csv", "x,y,demand", np.column_stack([
                np.round(rng.random((customers, 2)), 4), demand]))


def data(key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sites (columns as in the file), demands and the transport cost per unit."""
    sites = read_table(FOLDER / f"{key}-sites.csv")
    customers = read_table(FOLDER / f"{key}-customers.csv")
    distance = np.hypot(*(sites[:, None, :2] - customers[None, :, :2]).transpose(2, 0, 1))
    return sites, customers[:, 2], np.round(FREIGHT * distance, 4)


def _skeleton(name: str, key: str) -> tuple:
    """Model, flows, loads and data with the demand rows every variant shares."""
    sites, demand, cost = data(key)
    m = bw.Model(name)
    flow = m.continuous("flow", 0, np.broadcast_to(demand, cost.shape), shape=cost.shape)
    load = m.continuous("load", 0, sites[:, 3], shape=len(sites))
    m.add(flow.sum(axis=0) == demand)
    m.add(flow.sum(axis=1) == load)
    transport = sum(float(cost[f, c]) * flow[f, c] for f in range(cost.shape[0])
                    for c in range(cost.shape[1]))
    return m, flow, load, sites, demand, transport


def user(key: str) -> bw.Model:
    """The model as a branchwise user writes it: :func:`site_charge` of every site's load."""
    m, _, load, sites, _, transport = _skeleton(f"facility-{key}", key)
    m.minimize(transport + sum(site_charge(load[f], s[2], s[4], s[5])
                               for f, s in enumerate(sites)))
    return m


def hand(key: str) -> bw.Model:
    """Binaries ``small[f]``, ``large[f]`` (at most one), capacity by tier, strong links."""
    m, flow, load, sites, demand, transport = _skeleton(f"facility-{key}-hand", key)
    small = m.binary("small", shape=len(sites))
    large = m.binary("large", shape=len(sites))
    for f, s in enumerate(sites):
        m.add(small[f] + large[f] <= 1)
        m.add(load[f] <= s[2] * small[f] + s[3] * large[f])
        for c, d in enumerate(demand):
            m.add(flow[f, c] <= d * (small[f] + large[f]))
    m.minimize(transport + sum(s[4] * small[f] + s[5] * large[f]
                               for f, s in enumerate(sites)))
    return m


def gdp(key: str) -> ConcreteModel:
    """The model as a Pyomo GDP user writes it: closed, small or large, per site."""
    import pyomo.environ as pyo
    from pyomo.gdp import Disjunct, Disjunction

    sites, demand, cost = data(key)
    nf, nc = cost.shape
    m = pyo.ConcreteModel(f"facility-{key}")
    m.flow = pyo.Var(range(nf), range(nc), bounds=lambda m, f, c: (0, float(demand[c])))
    m.throughput = pyo.Var(range(nf), bounds=lambda m, f: (0, float(sites[f, 3])))
    m.charge = pyo.Var(range(nf), bounds=lambda m, f: (0, float(sites[f, 5])))
    m.served = pyo.Constraint(range(nc), rule=lambda m, c: sum(
        m.flow[f, c] for f in range(nf)) == float(demand[c]))
    m.loading = pyo.Constraint(range(nf), rule=lambda m, f: m.throughput[f] == sum(
        m.flow[f, c] for c in range(nc)))

    def closed(b: Disjunct, f: int) -> None:
        b.empty = pyo.Constraint(expr=b.model().throughput[f] == 0)
        b.free = pyo.Constraint(expr=b.model().charge[f] == 0)

    def small(b: Disjunct, f: int) -> None:
        b.capacity = pyo.Constraint(expr=b.model().throughput[f] <= float(sites[f, 2]))
        b.fee = pyo.Constraint(expr=b.model().charge[f] == float(sites[f, 4]))

    def large(b: Disjunct, f: int) -> None:
        b.fee = pyo.Constraint(expr=b.model().charge[f] == float(sites[f, 5]))

    m.closed = Disjunct(range(nf), rule=closed)
    m.small = Disjunct(range(nf), rule=small)
    m.large = Disjunct(range(nf), rule=large)
    m.size = Disjunction(range(nf), rule=lambda m, f: [m.closed[f], m.small[f], m.large[f]])
    m.objective = pyo.Objective(expr=sum(float(cost[f, c]) * m.flow[f, c] for f in range(nf)
                                         for c in range(nc)) + sum(m.charge.values()))
    return m


def describe(key: str) -> str:
    """The instance's dimensions."""
    sites, customers = key.split("x")
    return f"{sites} sites, {customers} customers"
