"""`studio-cli login`: save an API key in the system keyring, or check a Microsoft Entra ID sign-in."""

from __future__ import annotations

import argparse
import getpass
import sys

from studio.cli.common import SubParsers, warn
from studio.core.errors import StudioError


def register(sub: SubParsers) -> None:
    p = sub.add_parser("login", help="save an API key in the system keyring (or check an Entra ID sign-in)")
    p.add_argument("provider", choices=("openai", "azure"))
    p.add_argument("--endpoint", help="Azure resource endpoint (https://RES.openai.azure.com) or OpenAI base URL")
    p.add_argument("--api-version", default=None, help="Azure dated API version (default 2025-04-01-preview)")
    p.add_argument("--v1", action="store_true", help="Azure: use the v1 API (/openai/v1/)")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--api-key-stdin", action="store_true", help="read the key from standard input")
    how.add_argument("--entra", choices=("default", "browser", "device-code"),
                     help="Azure: sign in with Microsoft Entra ID instead of a key (nothing is stored)")
    p.add_argument("--check", action="store_true", help="test the connection after saving")
    p.set_defaults(handler=cmd_login)


def cmd_login(args: argparse.Namespace) -> int:
    from studio.service.clients import test_connection
    from studio.service.credentials import CredentialStore, resolve_credentials
    from studio.service.profile import DEFAULT_AZURE_API_VERSION, ServiceProfile

    if args.provider == "openai":
        if args.entra:
            raise StudioError("Microsoft Entra sign-in is only for Azure OpenAI; OpenAI uses an API key.")
        profile = ServiceProfile(kind="openai", endpoint=args.endpoint or "")
    else:
        if not args.endpoint:
            raise StudioError("Give the Azure OpenAI resource endpoint: --endpoint https://RES.openai.azure.com")
        profile = ServiceProfile(
            kind="azure_v1" if args.v1 else "azure",
            endpoint=args.endpoint,
            api_version=args.api_version or DEFAULT_AZURE_API_VERSION,
            auth="entra" if args.entra else "api_key",
            entra_method=(args.entra or "default").replace("-", "_"),
        )
    if profile.auth == "entra":
        result = test_connection(profile, resolve_credentials(profile))
        print(result.message)
        return 0 if result.ok else 1
    if args.api_key_stdin:
        key = sys.stdin.readline().strip()
    elif sys.stdin.isatty():
        key = getpass.getpass(f"API key for {profile.display_name()}: ").strip()
    else:
        raise StudioError("No API key given. Pipe it in with --api-key-stdin (it is never taken from the command line).")
    if not key:
        raise StudioError("The API key is empty. Nothing was saved.")
    store = CredentialStore()
    if store.save(profile, key):
        print(f"Saved the API key for {profile.display_name()} in the system keyring.")
    else:
        warn("warning: " + store.status_message()
             + " For the command line, set " + ("OPENAI_API_KEY" if profile.kind == "openai" else "AZURE_OPENAI_API_KEY")
             + " in the environment instead.")
    if args.check:
        result = test_connection(profile, resolve_credentials(profile, store))
        print(result.message)
        return 0 if result.ok else 1
    return 0
