"""Stored, exactly stratified, sticky train / validation / test splits.

Modules: `quotas` (how many images of a class each split should hold), `reconcile` (turn the stored
splits plus today's images into a new assignment that moves as little as possible).
"""
