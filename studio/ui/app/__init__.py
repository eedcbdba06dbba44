"""Application start-up: entry point, settings, theme, crash reporting, self-test."""
