"""The learning loop, the classifier commands, the review inbox and the stats API."""

from __future__ import annotations

import csv

from sqlalchemy import select

from app import classifier_model, classifier_train, tickets
from app.classifier_cli import classifier_group
from app.extensions import db
from app.learning import override_rates
from app.models import LabelledExample, Ticket
from parsers.classifier import decide_kind
from parsers.normalise import normalise

TEAMS = ("marketing", "finance", "sales", "legal", "logistics", "design", "support", "hr",
         "research", "quality", "audit", "payroll", "training", "events", "press", "it")
PROBE = "Zebra export duplicate rows\nThe zebra export has duplicate rows for the board team."


def ticket(kind: str = "incident", confidence: float = 0.55, subject: str = "Zebra export",
           body: str = "The zebra export shows duplicate rows.") -> Ticket:
    row = Ticket(kind=kind, status="new", subject=subject, description=body, impact=3,
                 urgency=3, priority="P5", confidence=confidence, needs_review=True,
                 reasons=["because"], classifier_version="rules-1+kind-test")
    db.session.add(row)
    db.session.flush()
    return row


def live_kind(text: str) -> str:
    return decide_kind(normalise(text), classifier_model.voters())[0]


def test_confirmations_and_overrides_are_stored(app, agent) -> None:
    first, second = ticket(), ticket(kind="service_request")
    tickets.confirm_classification(first, agent, "incident", 3, 3)
    tickets.confirm_classification(second, agent, "incident", 3, 3)
    db.session.commit()
    rows = db.session.scalars(select(LabelledExample).order_by(LabelledExample.id)).all()
    assert [(r.predicted, r.label, r.overridden) for r in rows] == [
        ("incident", "incident", False), ("service_request", "incident", True)]
    assert rows[1].actor == agent.email and rows[1].classifier_version == "rules-1+kind-test"
    week = override_rates()[0]
    assert (week["decisions"], week["overrides"], week["override_rate"]) == (2, 1, 0.5)


def test_retraining_on_corrections_fixes_that_kind_of_mistake(app, agent) -> None:
    assert live_kind(PROBE) == "service_request"  # the mistake agents keep correcting
    for team in TEAMS:
        row = ticket(kind="service_request", subject=f"Zebra export duplicate rows ({team})",
                     body=f"Please check the zebra export, duplicate rows again for {team}.")
        tickets.confirm_classification(row, agent, "incident", 3, 3)
    db.session.commit()
    result = classifier_train.train()
    print(f"train: before {result.before:.3f}, after {result.after:.3f}, "
          f"held out {result.held_out}")
    assert result.replaced and result.after >= result.before
    assert classifier_model.active_path().is_file()
    assert live_kind(PROBE) == "incident"


def test_a_worse_candidate_does_not_replace_the_active_model(app, monkeypatch) -> None:
    scores = iter([0.99, 0.50])  # active, then candidate
    monkeypatch.setattr(classifier_train, "score", lambda model, held: next(scores))
    result = classifier_train.train()
    assert not result.replaced and not classifier_model.active_path().exists()


def test_eval_command_prints_the_figures(app, tmp_path) -> None:
    path = tmp_path / "eval.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["title", "body", "label"])
        writer.writerow(["VPN down", "The VPN is down for everyone.", "incident"])
        writer.writerow(["Password", "Please reset my password.", "service_request"])
        writer.writerow(["Printer", "The printer shows an error.", "incident"])
    result = app.test_cli_runner().invoke(classifier_group, ["eval", str(path)], obj=app)
    assert result.exit_code == 0, result.output
    for part in ("accuracy: 1.000", "macro-F1: 1.000", "incident", "service_request",
                 "confusion", "ms per message", "precision"):
        assert part in result.output


def test_train_command_reports_before_and_after(app) -> None:
    result = app.test_cli_runner().invoke(classifier_group, ["train"], obj=app)
    assert result.exit_code == 0, result.output
    assert "macro-F1 before:" in result.output and "macro-F1 after:" in result.output
    assert "the active model" in result.output


def test_review_inbox_orders_by_confidence_and_confirms_in_one_click(logged_in) -> None:
    sure, unsure = ticket(confidence=0.58), ticket(confidence=0.51)
    db.session.commit()
    page = logged_in.get("/review").get_data(as_text=True)
    assert page.index(unsure.ref) < page.index(sure.ref)
    response = logged_in.post(f"/review/{unsure.ref}", data={"kind": "incident",
                                                             "action": "confirm"})
    assert response.status_code == 302
    logged_in.post(f"/review/{sure.ref}", data={"kind": "service_request",
                                                "action": "override"})
    assert not db.session.get(Ticket, unsure.id).needs_review
    assert db.session.get(Ticket, sure.id).kind == "service_request"
    assert "50%" in logged_in.get("/review").get_data(as_text=True)


def test_stats_api_gives_the_override_rate(app, agent, client) -> None:
    from app.accounts import create_token

    tickets.confirm_classification(ticket(), agent, "service_request", 3, 3)
    db.session.commit()
    headers = {"Authorization": f"Bearer {create_token(agent.email)}"}
    body = client.get("/api/v1/classifier/stats", headers=headers).get_json()
    assert body["decisions"] == 1 and body["override_rate"] == 1.0
    assert body["version"].startswith("rules-1+kind-") and body["weeks"][0]["overrides"] == 1
