"""Evaluation in the desktop app: the Evaluate dialog, a run's results, the comparison of runs, the
confusion heat map, and the hooks into the grid, viewer, job view and menus (`integration`).

Widgets here take plain data (the core's evaluation records and metrics) and emit signals; only
`controller` and `integration` start background work, through the app's one task runner.
"""
