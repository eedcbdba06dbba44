"""Labeling: the session that owns the open project, the labeling controller, undo commands."""
