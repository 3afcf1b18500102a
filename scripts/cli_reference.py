"""Print the README's command reference from the CLI itself (every command, argument and option).

Usage: .venv/bin/python scripts/cli_reference.py > /tmp/ref.md, then paste it between the
``<!-- cli-reference -->`` markers of README.md; tests/test_producer.py checks they agree.
"""

from __future__ import annotations

from collections.abc import Iterator

import click

from audiobrief.cli import cli


def _commands(group: click.Group, prefix: str = "") -> Iterator[tuple[str, click.Command]]:
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", command


def _first_sentence(text: str) -> str:
    line = " ".join(text.split("\n\n")[0].split())
    return line.split("\b")[0].strip()


def reference() -> str:
    """The reference as Markdown."""
    ctx = click.Context(cli, info_name="audiobrief")
    lines = []
    for name, command in _commands(cli):
        arguments = " ".join(p.human_readable_name + ("..." if p.nargs == -1 else "")
                             for p in command.params if isinstance(p, click.Argument))
        lines.append(f"- `audiobrief {name}{' ' + arguments if arguments else ''}`: "
                     f"{_first_sentence(command.help or '')}")
        for param in command.params:
            if not isinstance(param, click.Option) or param.hidden:
                continue
            record = param.get_help_record(ctx)
            if record is not None:
                flags, text = record
                lines.append(f"  - `{flags}`: {' '.join(text.split())}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(reference(), end="")
