"""The logic benchmark at real size: model families written as users write them (``@bw.program``,
``bw.either``, ``bw.max``), each beside the same model written by hand as a MILP and as a
Pyomo GDP user writes it, run against peers (``python -m benchmarks.logic_scale.run``)."""
