"""The learned kind model: figures on our prose set and Endava, fields, model files.

`tests/data/classifier_prose.csv` is our own writing and is never trained on (the
training seed is `app/data/prose_seed.csv`). The learning loop, the commands and the
review inbox are in `test_classifier_learning.py`.
"""

from __future__ import annotations

import csv
import json
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from app.classifier_model import DATA, SHIPPED, default_model
from app.database import SEED_SERVICES
from parsers.classification import INCIDENT, ServiceEntry
from parsers.classifier import classify, rule_voter
from parsers.fields import DEFAULT_CATEGORIES
from parsers.kind_data import read_labelled_csv, shipped_examples
from parsers.kind_model import build, load, model_voter, runtime_versions
from parsers.normalise import normalise
from parsers.submission import Address, Submission

PROSE = Path(__file__).parent / "data" / "classifier_prose.csv"
CATALOGUE = tuple(ServiceEntry(name, tuple(a.strip() for a in aliases.split(",")))
                  for name, aliases in SEED_SERVICES.items())


@pytest.fixture(scope="module")
def shipped():
    model = load(SHIPPED)
    assert model is not None, "the shipped model must load with the pinned libraries"
    return model


def prose_rows() -> list[dict[str, str]]:
    with PROSE.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def mail(subject: str, body: str) -> Submission:
    sender = Address("Anna Kowalska", "anna.kowalska@example.com")
    return Submission(source="mail", subject=subject, sender=sender, text=body, new_text=body)


def test_prose_set_is_large_and_varied() -> None:
    rows = prose_rows()
    assert len(rows) >= 150
    assert min(sum(r["label"] == k for r in rows) for k in ("incident", "service_request")) >= 60


def test_prose_set_macro_f1(shipped) -> None:
    rows = prose_rows()
    started = time.perf_counter()
    results = [classify(mail(r["subject"], r["body"]), CATALOGUE, DEFAULT_CATEGORIES,
                        voters=(rule_voter, model_voter(shipped))) for r in rows]
    ms = (time.perf_counter() - started) * 1000 / len(rows)
    gold = [r["label"] for r in rows]
    macro = f1_score(gold, [c.kind for c in results], average="macro")
    rules_only = f1_score(gold, [classify(mail(r["subject"], r["body"]), CATALOGUE, ())
                                 .kind for r in rows], average="macro")
    print(f"prose set ({len(rows)}): macro-F1 {macro:.3f} (rules alone {rules_only:.3f}), "
          f"{ms:.2f} ms/message")
    assert macro >= 0.95


def test_fields_right_where_the_prose_states_them() -> None:
    wrong = []
    for row in prose_rows():
        result = classify(mail(row["subject"], row["body"]), CATALOGUE, DEFAULT_CATEGORIES)
        for name, got in (("service", result.service), ("impact", result.impact),
                          ("urgency", result.urgency)):
            if row[name] and str(got) != row[name]:
                wrong.append(f"{row['subject']}: {name} {got} != {row[name]}")
    assert wrong == []


def test_endava_cross_validated_macro_f1() -> None:
    endava = read_labelled_csv(DATA / "endava_train.csv", 1.0, "endava")
    prose = [e for e in shipped_examples(DATA) if e.source == "prose"]
    labels = np.array([e.label for e in endava])
    scores = []
    for train, test in StratifiedKFold(3, shuffle=True, random_state=0).split(endava, labels):
        model = build([*(endava[i] for i in train), *prose])
        predicted = model.predict([endava[i].text for i in test])
        scores.append(f1_score(labels[test], predicted, average="macro"))
    print(f"Endava 3-fold CV macro-F1 (model alone): {np.mean(scores):.3f} "
          f"({', '.join(f'{s:.3f}' for s in scores)})")
    assert np.mean(scores) >= 0.95  # target 0.98: the figure is printed and reported


def test_reasons_name_the_model_version_and_its_words(shipped) -> None:
    result = classify(mail("VPN down", "The VPN is down for the whole office."), CATALOGUE,
                      DEFAULT_CATEGORIES, voters=(rule_voter, model_voter(shipped)))
    line = next(r for r in result.reasons if r.startswith("model "))
    assert shipped.version in line and "words that weighed most" in line and "'vpn'" in line
    assert result.kind == INCIDENT


def test_fast_scorer_matches_sklearn(shipped) -> None:
    texts = [normalise(f"{r['subject']} {r['body']}") for r in prose_rows()[:20]]
    fast = [shipped.explain(t)[0] for t in texts]
    assert np.allclose(fast, shipped.p_incident(texts), atol=1e-9)


def test_model_file_records_library_versions(shipped) -> None:
    meta = json.loads(SHIPPED.with_suffix(".json").read_text())
    assert {k: meta[k] for k in runtime_versions()} == runtime_versions()
    assert meta["examples"] == len(shipped_examples(DATA))
    assert SHIPPED.stat().st_size < 2_000_000


def test_version_mismatch_rebuilds_instead_of_loading(app, tmp_path) -> None:
    stale = tmp_path / "ship" / "kind-model.joblib"
    stale.parent.mkdir()
    shutil.copy(SHIPPED, stale)
    meta = json.loads(SHIPPED.with_suffix(".json").read_text())
    stale.with_suffix(".json").write_text(json.dumps({**meta, "sklearn": "0.1.0"}))
    assert load(stale) is None
    cache = tmp_path / "cache"
    rebuilt = default_model(cache, shipped=stale)
    assert (cache / "kind-model-default.joblib").is_file()
    assert load(cache / "kind-model-default.joblib").version == rebuilt.version
    assert rebuilt.meta["sklearn"] == runtime_versions()["sklearn"]
