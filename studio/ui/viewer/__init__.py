"""The single-image viewer."""
