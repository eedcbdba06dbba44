"""Side panels: classes and checks."""
