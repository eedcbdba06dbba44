"""Deployments in the app: the Deployments window, the Deploy dialog (cost first, progress, cancel),
the Try it window, and their hooks into the main window (`integration`)."""
