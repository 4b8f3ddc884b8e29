"""`gateway classifier train | eval`: retrain the kind model and measure it on a CSV."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from app import classifier_model, classifier_train
from app.cli import prepare_database
from parsers.classifier import decide_kind
from parsers.kind_data import read_labelled_csv
from parsers.kind_eval import evaluate
from parsers.normalise import normalise


@click.group("classifier")
def classifier_group() -> None:
    """Train and evaluate the incident / service-request classifier."""


@classifier_group.command("train")
@click.pass_obj
def train_command(app: Flask) -> None:
    """Retrain on shipped data plus agents' decisions; replace the model if not worse."""
    prepare_database(app)
    with app.app_context(), click.progressbar(length=classifier_train.STEPS,
                                              label="training") as bar:
        def step(name: str) -> None:
            bar.label = name
            bar.update(1)

        result = classifier_train.train(step)
    click.echo(f"held-out slice: {result.held_out} examples; trained on {result.trained_on}")
    click.echo(f"macro-F1 before: {result.before:.3f}")
    click.echo(f"macro-F1 after:  {result.after:.3f}")
    verdict = "replaced the active model" if result.replaced else "kept the active model"
    click.echo(f"{verdict} (candidate {result.version})")


@classifier_group.command("eval")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def eval_command(app: Flask, path: Path) -> None:
    """Score the live classifier on FILE.csv (title or subject, body, label)."""
    try:
        examples = read_labelled_csv(path)
    except (ValueError, KeyError) as exc:
        raise click.ClickException(str(exc)) from exc
    with app.app_context():
        model = classifier_model.current_model()
        voters = classifier_model.voters(model)
        report = evaluate([normalise(e.text) for e in examples], [e.label for e in examples],
                          lambda text: decide_kind(text, voters)[0])
    click.echo(f"classifier {classifier_model.version_of(model)} on {path.name}")
    for line in report.lines():
        click.echo(line)
