"""The main window and its frame: workspace, menus' key map, status and message bars, dialogs."""
