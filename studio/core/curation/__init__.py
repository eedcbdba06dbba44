"""Curation beyond the rules: perceptual hashes and duplicate groups, and the face/person detector
that predicts which images the service's moderation will drop.

Modules: `perceptual_hash` (dHash from the deep check's decode), `duplicates` (grouping),
`project_duplicates` (groups of a project, with labels and splits), `hash_backfill` (hashes for images
checked before hashing existed), `moderation` (the detector), `moderation_stage` (the background stage
over a project, cached per fingerprint).
"""
