"""The jobs dock and job view: status, charts, checkpoints, events, polling."""
