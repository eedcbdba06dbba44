"""The fine-tune wizard and its pages."""
