"""Which kind model this app uses: the active one in the instance folder, else the default.

The default ships in `app/data/kind-model.joblib`. If it was built with other
library versions (`parsers.kind_model.load` says None) it is rebuilt from the
shipped CSVs once and cached in the instance folder. `gateway classifier train`
writes the active model to `INSTANCE/kind-model.joblib`; every process picks it up
on its next classification (the file's modification time is checked). Models are
memoised per process, so a mail costs no disk read.
"""

from __future__ import annotations

import threading
from pathlib import Path

from flask import current_app

from parsers.classification import Voter
from parsers.classifier import rule_voter
from parsers.kind_data import shipped_examples
from parsers.kind_model import KindModel, build, load, model_voter, save

DATA = Path(__file__).parent / "data"
SHIPPED = DATA / "kind-model.joblib"
ACTIVE_NAME = "kind-model.joblib"
REBUILT_NAME = "kind-model-default.joblib"
RULES_VERSION = "rules-1"

_memo: dict[Path, tuple[int, KindModel]] = {}
_lock = threading.Lock()


def instance_dir() -> Path:
    return Path(current_app.config["INSTANCE"])


def active_path() -> Path:
    """Return where the trained, active model lives for this app."""
    return instance_dir() / ACTIVE_NAME


def _memoised(path: Path, loader) -> KindModel | None:
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return None
    with _lock:
        known = _memo.get(path)
        if known and known[0] == stamp:
            return known[1]
        model = loader(path)
        if model is not None:
            _memo[path] = (stamp, model)
        return model


def default_model(cache_dir: Path, shipped: Path = SHIPPED) -> KindModel:
    """Return the shipped model, or its rebuild when the shipped one cannot be loaded."""
    model = _memoised(shipped, load) or _memoised(cache_dir / REBUILT_NAME, load)
    if model is None:
        with _lock:
            model = build(shipped_examples(DATA))
            save(model, cache_dir / REBUILT_NAME)
        current_app.logger.warning("kind model rebuilt for this library set: %s", model.version)
        model = _memoised(cache_dir / REBUILT_NAME, load) or model
    return model


def current_model() -> KindModel:
    """Return the active trained model if there is a loadable one, else the default."""
    return _memoised(active_path(), load) or default_model(instance_dir())


def voters(model: KindModel | None = None) -> tuple[Voter, ...]:
    """Return the voters a live classification uses: the rules and the model."""
    return (rule_voter, model_voter(model or current_model()))


def version_of(model: KindModel) -> str:
    """Return the version recorded on a ticket: the rules' and the model's."""
    return f"{RULES_VERSION}+{model.version}"
