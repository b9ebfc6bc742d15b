#!/usr/bin/env python3
"""Writes docs/configuration.md from the code: every `nagare` command and option as the CLI
itself describes them (swift-argument-parser's help dump), then the keys the pipeline and
datasource YAML parsers accept, each linked to its documentation.

    scripts/config-reference.py [path/to/nagare] [--check]

--check compares with the committed file instead of writing it (exit 1 when it differs), so a
test can keep the reference in step with the code.
"""

import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "docs", "configuration.md")
YAML_SOURCES = [
    ("Pipeline files (`nagare run`)", "Sources/NagareEngine/Config/PipelineDefinition+YAML.swift", "pipeline-yaml.md"),
    ("Datasource files (`nagare serve`, `nagare druid-spec`)", "Sources/NagareStore/DatasourceSpec+YAML.swift", "datasource-yaml.md"),
]


def option_name(arg):
    names = arg.get("names") or []
    longs = [f"--{n['name']}" for n in names if n["kind"] in ("long", "longWithSingleDash")]
    shorts = [f"-{n['name']}" for n in names if n["kind"] == "short"]
    if arg["kind"] == "positional":
        return f"<{arg.get('valueName', 'value')}>"
    shown = ", ".join(longs + shorts)
    if arg["kind"] == "option":
        shown += f" <{arg.get('valueName', 'value')}>"
    return shown


def cell(text):
    return " ".join((text or "").split()).replace("|", "\\|")


def command_section(command, path, lines):
    name = " ".join(path)
    lines.append(f"### `{name}`")
    lines.append("")
    if command.get("abstract"):
        lines.append(cell(command["abstract"]))
        lines.append("")
    args = [a for a in command.get("arguments", []) if a.get("shouldDisplay", True)
            and not any(n["name"] in ("help", "version") for n in a.get("names") or [])]
    if args:
        lines.append("| Option | Default | Repeatable | Description |")
        lines.append("|---|---|---|---|")
        for a in args:
            default = a.get("defaultValue")
            default = f"`{default}`" if default not in (None, "") else ("" if a.get("isOptional") else "required")
            lines.append(f"| `{option_name(a)}` | {default} | {'yes' if a.get('isRepeating') else ''} | {cell(a.get('abstract'))} |")
        lines.append("")
    for sub in command.get("subcommands", []) or []:
        if sub["commandName"] == "help" or not sub.get("shouldDisplay", True):
            continue
        command_section(sub, path + [sub["commandName"]], lines)


def yaml_keys(source):
    text = open(os.path.join(ROOT, source)).read()
    keys = []
    for group in re.findall(r"allowed:\s*\[(.*?)\]", text, re.S):
        for key in re.findall(r'"([A-Za-z_][A-Za-z0-9_]*)"', group):
            if key not in keys:
                keys.append(key)
    return keys


def render(nagare):
    dump = subprocess.run([nagare, "--experimental-dump-help"], check=True, capture_output=True, text=True).stdout
    root = json.loads(dump)["command"]
    lines = [
        "# Configuration reference",
        "",
        "Generated from the code by `scripts/config-reference.py` (the CLI's own option table and",
        "the keys the YAML parsers accept); do not edit by hand. `nagare COMMAND --help` prints the",
        "same options with longer explanations.",
        "",
        "Environment: `NAGARE_AUTH_TOKEN` is the access token of `nagare serve` and `nagare run",
        "--status` when `--auth-token` is not given (required on a non-loopback address).",
        "",
        "## Commands",
        "",
    ]
    for sub in root.get("subcommands", []):
        if sub["commandName"] == "help" or not sub.get("shouldDisplay", True):
            continue
        command_section(sub, ["nagare", sub["commandName"]], lines)
    lines.append("## YAML keys")
    lines.append("")
    for title, source, doc in YAML_SOURCES:
        keys = yaml_keys(source)
        lines.append(f"### {title}")
        lines.append("")
        lines.append(f"Accepted keys (any level), each described in [{doc}]({doc}):")
        lines.append("")
        lines.append(", ".join(f"`{k}`" for k in keys))
        lines.append("")
    return "\n".join(lines)


def main():
    args = [a for a in sys.argv[1:] if a != "--check"]
    nagare = args[0] if args else os.path.join(ROOT, ".build", "debug", "nagare")
    text = render(nagare)
    if "--check" in sys.argv:
        current = open(OUT).read() if os.path.exists(OUT) else ""
        if current != text:
            print("docs/configuration.md is out of date: run scripts/config-reference.py", file=sys.stderr)
            sys.exit(1)
        return
    with open(OUT, "w") as f:
        f.write(text)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
