"""The emulated API areas, one module per area (files, uploads, fine-tuning jobs, ...)."""
