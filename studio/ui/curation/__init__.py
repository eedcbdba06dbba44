"""Curation in the app: the Duplicates window and the moderation (face/person) warning in the grid,
viewer, checks panel and wizard."""
