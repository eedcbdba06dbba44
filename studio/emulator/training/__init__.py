"""How an emulated fine-tuning job behaves: validation, plan, timeline, metrics, skips."""
