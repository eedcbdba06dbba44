"""The project file: its schema, its store and the fine-tuning records kept in it."""
