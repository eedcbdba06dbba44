"""`studio-cli`: everything the desktop app does to a project, headless and scriptable.

One module per command family (`project`, `images`, `classes`, `checks`, `export`, `jobs`,
`evaluation`, `deployments`, `duplicates`, `moderation`, `account`, `emulator`); `main` builds the
parser and `common` holds what they share (opening a project, JSON output, error exits). Start-up
stays light: a command imports what it needs when it runs.
"""
