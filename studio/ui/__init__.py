"""The Qt user interface. Importing it first protects the interpreter from a PySide6 6.12
reference-counting bug on Python < 3.12 (see `refcount_guard`)."""

from studio.ui.app.refcount_guard import protect_singletons

protect_singletons()
