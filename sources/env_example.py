"""The per-source block of `.env.example`, generated from the registry: `python -m sources.env_example` rewrites it.

Everything between the BEGIN and END marker lines of `.env.example` is this module's output; the rest of the file
is written by hand. A source declared under sources/ appears there without anyone editing the file.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sources import registry
from sources.declaration import Source

BEGIN = "# >>> generated from the source declarations by `python -m sources.env_example`: do not edit by hand"
END = "# <<< end of the generated source block"
FILE = Path(__file__).resolve().parents[1] / ".env.example"


def source_block(source: Source) -> list[str]:
    """The variables one deployed source reads (Source.env), each with what it is for."""
    env, title = source.env, source.title
    lines = [
        f"# --- {title} ".ljust(113, "-"),
        f"# The stored connection the {title} resource reads (`qbsync connection add {source.name} --instance NAME`;",
        '# default "default"). The three below, when set, win over it (leave them empty to use the store).',
        f"{env['instance']}=",
        f"# Your {title} instance URL.",
        f"{env['base_url']}=",
        f"# OAuth2 client-credentials id of the {title} API client.",
        f"{env['client_id']}=",
        "# OAuth2 client secret of that client (keep it in a secret store in production).",
        f"{env['client_secret']}=",
        f"# Cron of the {title} sync schedule (default {source.cron}).",
        f"{env['cron']}=",
    ]
    for setting in source.settings.values():
        lines += [f"# {setting.doc}", f"{setting.env}="]
    if source.webhook is not None:
        lines += [
            f"# Key {title} signs webhook deliveries with; set, the bridge also serves POST /webhooks/{source.name}.",
            f"{env['webhook_secret']}=",
            "# The header carrying the signature, where it differs from the declared one.",
            f"{env['webhook_signature_header']}=",
        ]
    return lines


def render(text: str) -> str:
    """`text` (the .env.example) with its generated block rewritten from the declared sources."""
    head, begin, rest = text.partition(BEGIN + "\n")
    _, end, tail = rest.partition(END + "\n")
    if not (begin and end):
        raise ValueError(f".env.example must hold the lines {BEGIN!r} and {END!r}")
    blocks = ["\n".join(source_block(s)) + "\n" for s in registry.all_sources()]
    return head + begin + "\n".join(blocks) + end + tail


if __name__ == "__main__":
    FILE.write_text(render(FILE.read_text()))
    sys.stdout.write(f"{FILE}: source block rewritten for {', '.join(registry.names())}\n")
