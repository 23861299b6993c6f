"""The loop's calls into a plugin set: each kind walked by priority, timed under its
component's name, and answered with one :class:`~.plugins.Result`."""

from __future__ import annotations

import time
from dataclasses import replace

from branchwise.solver.plugins import (
    Branching,
    BranchingContext,
    BranchingRule,
    Heuristic,
    HeuristicContext,
    NodeSelector,
    Plugins,
    PropagationContext,
    Propagator,
    Result,
    SearchSetup,
    Separator,
)
from branchwise.solver.timers import Timers


class PluginWalks:
    """A plugin set set up for one search, each kind in priority order."""

    def __init__(self, plugins: Plugins, setup: SearchSetup, timers: Timers) -> None:
        for plugin in plugins:
            plugin.setup(setup)
        self.plugins, self.timers, self.incumbent = plugins, timers, setup.incumbent
        self.heuristics = plugins.of(Heuristic)
        self.separators = plugins.of(Separator)
        self.propagators = plugins.of(Propagator)
        self.branching_rules = plugins.of(BranchingRule)
        selectors = plugins.of(NodeSelector)
        if not selectors or not self.branching_rules:
            raise ValueError("a plugin set needs a node selector and a branching rule")
        #: The node selector of highest priority: the one that owns the open nodes.
        self.selector = selectors[0]

    def run_heuristics(self, context: HeuristicContext) -> None:
        """Call every heuristic at the context's point until the clock runs out; each
        sees the cutoff of the incumbent as the ones before it left it."""
        for heuristic in self.heuristics:
            if context.deadline.expired():
                return
            started = time.perf_counter()
            if heuristic.call(replace(context, cutoff=self.incumbent.cutoff)) \
                    is not Result.DIDNOTRUN:
                self.timers.add(f"heuristic:{heuristic.name}", time.perf_counter() - started)

    def propagate(self, context: PropagationContext) -> Result:
        """Every propagator of the context's timing on its domain, in place: CUTOFF at the
        first that empties it, else REDUCED_DOMAIN when any tightened it, else NOTHING."""
        outcome = Result.NOTHING
        for propagator in self.propagators:
            if context.timing not in propagator.timings:
                continue
            started = time.perf_counter()
            result = propagator.propagate(context)
            if result is not Result.DIDNOTRUN:
                self.timers.add("propagation", time.perf_counter() - started)
            if result is Result.CUTOFF:
                return result
            if result is Result.REDUCED_DOMAIN:
                outcome = result
        return outcome

    def branch(self, context: BranchingContext) -> Branching:
        """The first answer of the branching rules that is not DIDNOTRUN."""
        with self.timers.timing("branching"):
            for rule in self.branching_rules:
                branching = rule.branch(context)
                if branching.result is not Result.DIDNOTRUN:
                    return branching
        raise RuntimeError("no branching rule could branch on a fractional LP point")
