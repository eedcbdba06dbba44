"""The emulator's HTTP plumbing: server, request handling, auth, faults, URL styles, errors."""
