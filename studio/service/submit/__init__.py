"""From a labeled project to a created fine-tuning job: parameters, uploads, submission."""
