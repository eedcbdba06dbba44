"""Following fine-tuning jobs: monitor, sync into the project, metrics and skip reports."""
