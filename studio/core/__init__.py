"""The Qt-free, SDK-free core: the service's rules, the project file, scanning, dataset building,
splits, evaluation statistics and curation.

Everything here runs headless and is tested without a display or a network; the UI, the CLI and the
service layer compute with the same code. The import contracts in pyproject.toml keep Qt and the
service SDKs out.
"""
