"""The `townhall` command line: one typer app, each command in the module named for it."""

from __future__ import annotations

from pathlib import Path

import typer
from dotenv import load_dotenv

from bot.cli.batch import batch_command
from bot.cli.eval import eval_command
from bot.cli.fork import compare, fork
from bot.cli.persona_import import import_command
from bot.cli.personas import personas_check, personas_list, personas_show
from bot.cli.run import demo, run
from bot.cli.runs import export_command, replay, runs_command, show

app = typer.Typer(help="Rehearse how a room of persona agents responds before you say it for real.",
                  no_args_is_help=True, pretty_exceptions_enable=False)


@app.callback()
def main() -> None:
    """Secrets and settings may come from a .env file in the working directory."""
    load_dotenv(Path.cwd() / ".env", override=False)


app.command()(run)
app.command()(demo)
app.command("runs")(runs_command)
app.command()(show)
app.command()(replay)
app.command("export")(export_command)
app.command()(fork)
app.command()(compare)
app.command("batch")(batch_command)
app.command("eval")(eval_command)

personas_app = typer.Typer(help="List, inspect and validate persona packs.", no_args_is_help=True)
personas_app.command("list")(personas_list)
personas_app.command("show")(personas_show)
personas_app.command("check")(personas_check)
personas_app.command("import")(import_command)
app.add_typer(personas_app, name="personas")
