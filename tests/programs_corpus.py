"""Small functions written the way people write them, for testing ``@bw.program``.

Every function here is plain Python, undecorated (except where one program calls
another); the tests decorate them. ``CASES`` lists each one with the integer box its
arguments range over (a number or a list stands for a fixed argument) and whether it
also accepts non-integer floats.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

import branchwise as bw


@dataclass
class Case:
    fn: Any
    box: tuple  # per argument: (lo, hi) integer range, or a fixed value
    floats: bool = True


CASES: list[Case] = []


def case(*box: Any, floats: bool = True) -> Any:
    """Register the function below with the integer box of its arguments."""
    def register(fn: Any) -> Any:
        CASES.append(Case(fn, box, floats))
        return fn
    return register


# --- brackets, tariffs and tables -------------------------------------------------------------

@case((0, 100))
def income_tax(income):
    if income <= 10:
        return 0.0
    elif income <= 40:
        return 0.1 * (income - 10)
    elif income <= 80:
        return 3.0 + 0.25 * (income - 40)
    return 13.0 + 0.4 * (income - 80)


@case((0, 60))
def shipping(w):
    if w <= 1:
        return 5.0
    elif w <= 5:
        return 5.0 + 2.0 * (w - 1)
    cost = 13.0 + 1.5 * (w - 5)
    return cost if w <= 50 else cost + 40.0


@case((0, 200))
def electricity_bill(kwh):
    cost = 0.12 * kwh
    if kwh > 50:
        cost = 6 + 0.15 * (kwh - 50)
    if kwh > 150:
        cost = 21 + 0.2 * (kwh - 150)
    return 5 + cost


BREAKS = [10, 20, 40]
RATES = [1.0, 0.8, 0.6, 0.5]


@case((0, 50))
def bulk_price(q):
    for limit, rate in zip(BREAKS, RATES, strict=False):
        if q <= limit:
            return rate * q
    return RATES[-1] * q


PRICES = [3, 5, 4, 8, 2, 7]


@case((0, 5), floats=False)
def price_of(i):
    return PRICES[i] + i


GRID = [[1, 4, 2],
        [3, 0, 5],
        [2, 2, 6]]


@case((0, 2), (0, 2), floats=False)
def grid_cost(row, col):
    return GRID[row][col] - row


@case((0, 2), (0, 3), floats=False)
def capped_lookup(i, j):
    return PRICES[min(i + j, 4)] - i


NP_GRID = np.array([[2.0, 7.0, 1.0], [4.0, 3.0, 9.0]])


@case((0, 1), (0, 2), floats=False)
def numpy_table(i, j):
    return NP_GRID[i, j] + NP_GRID[1, j]


RATE_BY_ZONE = {1: 2.5, 2: 3.0, 3: 4.5}


@case((1, 3), (0, 10), floats=False)
def zone_fee(zone, parcels):
    return RATE_BY_ZONE[zone] + 0.5 * parcels


STEP = [0, 0, 1, 1, 1, 2, 2, 3]


@case((0, 7), floats=False)
def level_bonus(points):
    return STEP[points] * 10 - points


@case((0, 12))
def overtime_pay(hours):
    if hours <= 8:
        pay = 20 * hours
    else:
        pay = 160 + 30 * (hours - 8)
    if hours == 0:
        pay = 0
    return pay - 5


@case((0, 80))
def discount(price):
    if price < 10:
        return price
    off = 0.05 * price
    if price >= 50:
        off = 0.15 * price
    return price - off


@case((0, 6), floats=False)
def weekend_rate(day):
    if day in (0, 6):
        rate = 2.0
    else:
        rate = 1.0
    return rate * 10 + day


# --- clamp, sign, abs, min and max ------------------------------------------------------------

@case((-5, 15))
def clamp(x, lo=0, hi=10):
    return max(lo, min(x, hi))


@case((-5, 15))
def clamp_with_ifs(x):
    if x < 0:
        x = 0
    elif x > 10:
        x = 10
    return x


@case((-6, 6))
def sign(x):
    if x > 0:
        return 1
    elif x < 0:
        return -1
    else:
        return 0


@case((-4, 8), (-4, 8))
def distance(a, b):
    return abs(a - 3) + abs(b - 5)


@case((-4, 6), (-4, 6))
def abs_difference(a, b):
    return a - b if a > b else b - a


@case((-3, 5), (-3, 5), (-3, 5))
def spread(a, b, c):
    return max(a, b, c) - min(a, b)


@case((-3, 9), (-3, 9))
def min_with_constant(a, b):
    return min([a, b, 7]) + max(v - 2 for v in (a, b))


@case((0, 9), (0, 9))
def manual_max(a, b):
    return a if a >= b else b


@case((0, 4), (0, 4), (0, 4))
def median3(a, b, c):
    if a > b:
        a, b = b, a
    if b > c:
        b, c = c, b
    if a > b:
        a, b = b, a
    return b


# --- conditions: and/or/not, chains, !=, strict ------------------------------------------------

@case((0, 10))
def in_window(x):
    if 3 <= x < 7:
        return 10 - x
    return 0


@case((0, 7), (0, 7))
def bonus(x, y):
    if x >= 2 and y >= 2:
        extra = 5
    elif x >= 5 or y >= 5:
        extra = 2
    else:
        extra = 0
    return extra + x - y


@case((0, 8))
def not_too_big(x):
    if not (x > 3):
        return 2 * x
    return 8 - x


@case((0, 6))
def avoid_three(x):
    if x != 3:
        return x
    return -10


@case((0, 5))
def strict_below(x):
    if x < 3:
        return 1
    return x - 5


@case((0, 9), (0, 9))
def nested(x, y):
    if x >= 4:
        if y >= 4:
            return x + y
        else:
            result = x - y
    else:
        if y >= 6:
            result = 2 * y
        else:
            result = 1
    return result + 1


@case((0, 10))
def walrus_margin(x):
    if (m := x - 3) > 0:
        return m * 2
    return -m


@case((-2, 3), (0, 1))
def truthy(x, b):
    if b:
        return x
    if x:
        return 1
    return -1


@case((0, 9), floats=False)
def in_a_range(x):
    if x in range(3, 7):
        return 2 * x
    return x


@case((0, 4), (0, 4), (0, 4))
def ordered(a, b, c):
    if a < b < c:
        return a + c
    return b


# --- loops: accumulation, flags, counting, early returns ----------------------------------------

@case((0, 8), (0, 8), (0, 8))
def penalties(a, b, c):
    total = 0
    for v in (a, b, c):
        if v > 5:
            total += v - 5
    return total


@case((0, 8), (0, 8))
def any_high(a, b):
    found = False
    for v in (a, b):
        if v >= 5:
            found = True
    return 10 if found else a - b


@case((0, 6), (0, 6), (0, 6))
def count_big(a, b, c):
    n_big = sum(v >= 3 for v in (a, b, c))
    return 2 * n_big - a


@case((0, 8), (0, 8), (0, 8))
def any_all(a, b, c):
    if any(v >= 7 for v in (a, b, c)):
        return 5
    if all(v >= 2 for v in (a, b)):
        return c
    return -1


@case((0, 6), (0, 6), (0, 6))
def first_over(a, b, c):
    for k, v in enumerate((a, b, c)):
        if v >= 4:
            if k == 0:
                return 100
            return 10 * k + v
    return -1


@case((0, 10))
def alternating(x):
    total = 0
    for i in range(4):
        if i % 2 == 0:
            total += x
        else:
            total -= 1
        if total > 12:
            total = 12
    return total


@case((0, 10), 3)
def repeated(x, rounds):
    k = 0
    value = x
    while k < rounds:
        if value > 4:
            value = value - 2
        k += 1
    return value


@case((0, 10), 5)
def stop_at_limit(x, n_items):
    total = 0
    for i in range(10):
        if i >= n_items:
            break
        total += x if i % 2 else 1
    return total


@case((0, 6), (0, 6))
def stop_flag(a, b):
    stopped = False
    total = 0
    for k in range(6):
        stopped = stopped or a + k >= 8 or b <= k
        if not stopped:
            total += k
    return total


@case((0, 6), (0, 6))
def parts_sum(a, b):
    parts = []
    for v in (a, b):
        parts.append(max(v, 2))
    return sum(parts)


@case((0, 12))
def augmented(x):
    cost = 10
    cost += 2 * x
    if x > 4:
        cost -= 3
    cost *= 2
    return cost


@case((0, 9))
def fee(x, premium=False):
    if premium:
        return 0
    if x <= 2:
        return 5
    return 5 + x


@case((0, 9))
def strict_flag(x, strict=True):
    if strict and x > 5:
        return 1
    return 0


# --- calls: other programs, plain helpers, closures, methods ----------------------------------

@bw.program
def small_parcel(w):
    if w <= 3:
        return 4.0
    return 4.0 + w


def margin(a, b):
    return 2 * a - b


@case((0, 6), (0, 6))
def two_parcels(x, y):
    return small_parcel(x) + small_parcel(y)


@case((0, 8), (0, 8))
def uses_helper(a, b):
    if margin(a, b) >= 3:
        return margin(a, b)
    return margin(b, a)


def make_tiered(threshold, low, high):
    def tiered(x):
        if x <= threshold:
            return low * x
        return low * threshold + high * (x - threshold)
    return tiered


tiered_rate = case((0, 12))(make_tiered(5, 1.0, 2.5))


class Pricing:
    def __init__(self, base):
        self.base = base

    @bw.program
    def cost(self, q):
        if q >= 4:
            return self.base + q
        return self.base


PRICING = Pricing(7)


@case((0, 8))
def method_price(q):
    return PRICING.cost(q) * 2
