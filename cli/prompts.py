"""`tj prompt`: a reflection prompt to write about, from your therapist or the library."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from rich.table import Table

from cli import output
from cli.main import Home, cli, json_option, pass_home, synced_first
from cli.tables import FIXED, NAME, Column, fitted
from client_sdk import CATEGORIES

if TYPE_CHECKING:
    from client_sdk import Client, Prompt

category_option = click.option(
    "--category",
    type=click.Choice(CATEGORIES, case_sensitive=False),
    help="Only prompts of this category.",
)


@cli.group(invoke_without_command=True)
@category_option
@json_option
@pass_home
def prompt(home: Home, category: str | None, as_json: bool) -> None:
    """Suggest a reflection prompt: your therapist's first, then ones you have not answered
    lately. Answer it with `tj write --prompt ID`.

    \b
    Examples:
      tj prompt
      tj prompt --category gratitude
      tj write --prompt gratitude-03 "My legs carried me up the hill today."
    """
    if click.get_current_context().invoked_subcommand is not None:
        return

    async def work(client: Client) -> Prompt:
        await synced_first(client)  # a prompt the therapist just sent comes first (NU19 C27)
        return await client.prompts.suggest(category)

    chosen = home.run(work)
    if as_json:
        output.print_json(chosen.to_dict())
        return
    output.data(prompt_text(chosen), prose=True)  # their words: no backtick reads as a command
    output.message(f"Answer it with: {output.command(['tj', 'write', '--prompt', chosen.id])}")


@prompt.command("list")
@category_option
@json_option
@pass_home
def prompt_list(home: Home, category: str | None, as_json: bool) -> None:
    """List the prompts: your therapist's, then the library by category.

    \b
    Examples:
      tj prompt list
      tj prompt list --category coping --json
    """

    async def work(client: Client) -> list[Prompt]:
        await synced_first(client)
        return await client.prompts.list(category)

    prompts = home.run(work)
    prompts.sort(key=list_order)
    output.show_rows(prompts, as_json, prompts_table)


def list_order(prompt: Prompt) -> tuple[bool, int, str]:
    category = CATEGORIES.index(prompt.category) if prompt.category in CATEGORIES else -1
    return (not prompt.from_therapist, category, prompt.id)


def source(prompt: Prompt) -> str:
    return f"from your therapist {prompt.author}" if prompt.from_therapist else prompt.category


def prompt_text(prompt: Prompt) -> str:
    return f"{prompt.id} ({source(prompt)})\n\n{prompt.text}"


def prompts_table(prompts: list[Prompt]) -> Table:
    """The prompt wraps: this list is where a prompt is read whole. The category is a name
    ("therapist drsmith" for theirs), broken between its words rather than taking the
    prompt's room, and "answered" is left out when no prompt listed was (NU37 #12: at 80
    columns the prompt had 23 cells beside an empty "last answered")."""
    answered = any(item.last_answered for item in prompts)
    columns = [Column("id", FIXED), Column("category", NAME), Column("prompt")]
    rows = [
        (
            output.short_id(item.id) if item.from_therapist else item.id,
            f"therapist {item.author}" if item.from_therapist else item.category,
            item.text,
            output.local_date(item.last_answered) if item.last_answered else "",
        )
        for item in prompts
    ]
    if not answered:
        return fitted(columns, [row[:3] for row in rows])
    return fitted([*columns, Column("answered", FIXED)], rows)
