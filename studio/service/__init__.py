"""The one place that talks to the fine-tuning services: OpenAI `/v1`, Azure dated and Azure v1.

Calls go through the official `openai` SDK (and azure-mgmt-cognitiveservices for deployments);
`profile` says who to call, `clients` builds the SDK client, `credentials` keeps secrets in the OS
keyring only, `styles` holds each API style's rules, `wire` reads the answers, `retry` is the one
retry loop. Qt-free, so the CLI and the tests use it as the app does.
"""
