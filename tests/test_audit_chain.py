"""The hash-chained audit trail: every edit, removal or reordering of a row is found and named.

Rows are tampered with raw SQL, as someone with database access would, on the
test database (SQLite, or PostgreSQL on the second pass).
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text

from app import audit, audit_verify
from app.extensions import db
from app.models import Event
from app.models.events import AppendOnlyError
from tests.web_helpers import laptop_request, outage


@pytest.fixture
def history(app):
    """Two tickets through the real pipeline, plus a configuration change."""
    first, second = outage(), laptop_request()
    audit.record("setting_saved", actor="admin@example.org", field="sla_targets", new="2")
    db.session.commit()
    assert audit_verify.verify().ok
    return first, second


def chain_of(ticket) -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.chain == f"ticket:{ticket.id}")
                                   .order_by(Event.seq)))


def problems() -> list[str]:
    db.session.expire_all()
    return audit_verify.verify().problems


def sql(statement: str, **params) -> None:
    db.session.execute(text(statement), params)
    db.session.commit()


def test_events_are_chained_per_subject(history):
    first, _ = history
    events = chain_of(first)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))
    chains = set(db.session.scalars(select(Event.chain)))
    assert "config" in chains and any(c.startswith("intake:") for c in chains)
    assert {"received", "parsed", "ticket_opened", "classified", "prioritised"} <= set(
        db.session.scalars(select(Event.action)))


def test_the_orm_refuses_to_change_an_event(history):
    event = chain_of(history[0])[0]
    event.new = "changed"
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()


def test_an_edited_row_is_named(history):
    target = chain_of(history[0])[1]
    sql("UPDATE event SET actor = 'mallory' WHERE id = :id", id=target.id)
    found = problems()
    assert len(found) == 1 and f"event #{target.id}" in found[0] and "altered" in found[0]


def test_an_edited_timestamp_is_found(history):
    target = chain_of(history[1])[0]
    sql("UPDATE event SET created_at = :t WHERE id = :id", id=target.id,
        t="2020-01-01 00:00:00+00:00")
    assert any(f"event #{target.id}" in p and "altered" in p for p in problems())


def test_a_removed_middle_row_is_named(history):
    events = chain_of(history[0])
    sql("DELETE FROM event WHERE id = :id", id=events[1].id)
    assert any(f"ticket:{history[0].id}: seq 2 removed" in p for p in problems())


def test_a_removed_newest_row_is_found_by_the_head(history):
    events = chain_of(history[0])
    sql("DELETE FROM event WHERE id = :id", id=events[-1].id)
    n = len(events)
    assert f"ticket:{history[0].id}: newest events seq {n}-{n} removed" in problems()


def test_a_removed_chain_is_found_by_its_head(history):
    sql("DELETE FROM event WHERE chain = 'config'")
    assert problems() == ["config: all 1 events removed (the head remains)"]


def test_a_chain_removed_with_its_head_is_found_by_the_checkpoint(history):
    audit_verify.checkpoint()
    db.session.commit()
    chain = f"ticket:{history[1].id}"
    sql("DELETE FROM event WHERE chain = :c", c=chain)
    sql("DELETE FROM audit_chain_head WHERE chain = :c", c=chain)
    found = problems()
    assert any(p.startswith(f"{chain}: seq ") and "checkpointed but is gone" in p for p in found)


def test_swapped_rows_are_reported_as_reordered(history):
    (a, a_seq), (b, b_seq) = [(e.id, e.seq) for e in chain_of(history[0])[1:3]]
    sql("UPDATE event SET seq = -1 WHERE id = :id", id=a)
    sql("UPDATE event SET seq = :s WHERE id = :id", s=a_seq, id=b)
    sql("UPDATE event SET seq = :s WHERE id = :id", s=b_seq, id=a)
    found = problems()
    assert any(f"event #{b}" in p and "reordered" in p for p in found)
    assert not any("altered" in p for p in found)


def test_a_row_written_around_the_log_is_named(history):
    sql("INSERT INTO event (created_at, actor, action, detail) "
        "VALUES ('2026-01-01 00:00:00+00:00', 'x', 'forged', '{}')")
    assert any("(forged) is in no chain" in p for p in problems())


def test_verify_command_exits_1_and_names_the_row(history, app):
    from click.testing import CliRunner

    from app.audit_cli import audit_group

    target = chain_of(history[0])[0]
    sql("UPDATE event SET new = 'INC-999999' WHERE id = :id", id=target.id)
    result = CliRunner().invoke(audit_group, ["verify"], obj=app)
    assert result.exit_code == 1
    assert f"event #{target.id}" in result.output and "altered" in result.output


def test_concurrent_writers_keep_every_chain_intact(history, app):
    """Threads append to one shared chain and to their own at once; every link holds."""
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        with app.app_context():
            try:
                for i in range(10):
                    audit.record("setting_saved", actor=f"w{n}", field="x", new=str(i))
                    audit.record("note", ticket=history[n % 2], actor=f"w{n}", new=str(i))
                    db.session.commit()
            except BaseException as exc:  # reported below, not swallowed
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = audit_verify.verify()
    assert report.ok, report.problems
    seqs = list(db.session.scalars(select(Event.seq).where(Event.chain == "config")
                                   .order_by(Event.seq)))
    assert seqs == list(range(1, 42))
