"""The bound trail: replaying it gives the tightest bounds along the path, and a child knows
which links are its own (the search propagates from just those). The node queue takes the
right node, and what it keeps (bases, taken nodes) stays bounded however long it runs."""

from __future__ import annotations

import weakref

import numpy as np

from branchwise.solver.tree.nodes import BoundChange, Node, NodeQueue


def test_replay_keeps_the_tightest_bounds_in_any_order() -> None:
    rng = np.random.default_rng(0)
    trail, expected_lower, expected_upper = None, np.zeros(20), np.full(20, 9.0)
    for _ in range(200):
        col = int(rng.integers(20))
        low = float(rng.integers(0, 4))
        up = low + float(rng.integers(0, 6))
        trail = BoundChange(trail, col, low, up)
        expected_lower[col] = max(expected_lower[col], low)
        expected_upper[col] = min(expected_upper[col], up)
    lower, upper = np.zeros(20), np.full(20, 9.0)
    trail.apply(lower, upper)
    assert np.array_equal(lower, expected_lower) and np.array_equal(upper, expected_upper)


def test_child_domain_from_parent_matches_replay_from_root() -> None:
    root_lower, root_upper = np.zeros(5), np.full(5, 3.0)
    parent = Node(BoundChange(None, 0, 1.0, 3.0), bound=0.0, depth=1)
    parent.changes = BoundChange(parent.changes, 4, 0.0, 2.0)  # e.g. a propagated bound
    parent.settled = parent.changes  # the propagated bound above is settled
    child = parent.child([(2, 2.0, 3.0)], bound=0.0)
    assert child.unsettled_columns().tolist() == [2]
    from_root = child.domain(root_lower, root_upper)
    from_parent = child.domain(root_lower, root_upper, parent.domain(root_lower, root_upper))
    for a, b in zip(from_root, from_parent, strict=True):
        assert np.array_equal(a, b)
    assert from_root[0].tolist() == [1.0, 0.0, 2.0, 0.0, 0.0]
    assert from_root[1].tolist() == [3.0, 3.0, 3.0, 3.0, 2.0]


def test_best_estimate_queue_takes_estimates_and_every_kth_by_bound() -> None:
    queue = NodeQueue(bound_every=3)
    nodes = [Node(None, bound, 1) for bound in (5.0, 1.0, 3.0, 4.0, 2.0)]
    for node, estimate in zip(nodes, (6.0, 9.0, 3.5, 4.5, 8.0), strict=True):
        node.estimate = estimate
        queue.push(node)
    assert len(queue) == 5 and queue.best_bound() == 1.0
    taken = [queue.pop(), queue.pop(), queue.pop()]  # estimate, estimate, then best bound
    assert [n.bound for n in taken] == [3.0, 4.0, 1.0]
    assert len(queue) == 2 and queue.best_bound() == 2.0
    assert queue.prune(cutoff=4.5) == 1  # the node with bound 5 goes
    assert len(queue) == 1 and queue.pop().bound == 2.0 and len(queue) == 0
    assert queue.best_bound() == float("inf")


def test_best_estimate_queue_keeps_its_order_and_no_more_taken_nodes_than_open_ones() -> None:
    """Estimates opposite to bounds: nodes taken by estimate sit at the bottom of the
    bound order and never surface there. The queue must still pick the right node every
    time, and must not keep those taken nodes alive (the memory of a long search)."""
    rng = np.random.default_rng(3)
    queue, live, taken = NodeQueue(bound_every=10), set(), []
    for step in range(3_000):
        node = Node(None, float(rng.random()), 1)
        node.estimate = -node.bound
        queue.push(node)
        live.add(node)
        if step < 100:
            continue  # fill first, then take one per push: about 100 stay open
        by_bound = (len(taken) + 1) % 10 == 0
        expected = min(live, key=lambda n: n.bound if by_bound else n.estimate)
        node = queue.pop()
        assert node is expected
        live.remove(node)
        taken.append(weakref.ref(node))
        del node, expected
    assert len(queue) == len(live) == 100
    assert sum(ref() is not None for ref in taken) <= len(queue)


def test_queue_keeps_at_most_its_limit_of_bases_with_one_walk_per_crossing(
        monkeypatch) -> None:
    """Grow past the basis limit, shrink below half of it, three times over: at no point
    do more queued nodes than the limit hold a basis, and each crossing costs one walk."""
    walks = []
    original = NodeQueue._drop_bases
    monkeypatch.setattr(NodeQueue, "_drop_bases",
                        lambda self: (walks.append(len(self)), original(self)))
    limit, basis = 20, object()
    queue, live = NodeQueue(basis_limit=limit), set()
    for _ in range(3):
        while len(queue) < 5 * limit:
            node = Node(None, float(len(live)), 0, basis=basis)
            queue.push(node)
            live.add(node)
            assert sum(n.basis is not None for n in live) <= limit
        while len(queue) > limit // 4:
            live.remove(queue.pop())
    assert walks == [limit + 1] * 3
