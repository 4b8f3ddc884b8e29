"""Stage 1: storing the raw report durably and idempotently."""

from sqlalchemy import select, text

from app.extensions import db
from app.models import Event, IntakeItem
from app.store import StorageUnavailable, store_raw
from tests.mailmaker import make_mail
from tests.shared_paths import case


def test_raw_bytes_are_kept_exactly(app):
    raw = case("02-charset-ks_c_5601-1987.eml")
    stored = store_raw("smtp", raw, envelope_from="a@example.com",
                       envelope_to=["support@example.org"])
    item = db.session.get(IntakeItem, stored.item_id)
    assert stored.created
    assert item.raw == raw
    assert item.raw_size == len(raw)
    assert item.state == "received"
    assert item.envelope_to == ["support@example.org"]
    assert db.session.scalar(select(Event.action).where(Event.intake_id == item.id)) == "received"


def test_same_bytes_twice_are_one_item(app):
    raw = make_mail("Printer offline", "The printer on floor 3 is offline.")
    first = store_raw("smtp", raw)
    second = store_raw("imap", raw)
    assert second.item_id == first.item_id and not second.created
    assert db.session.scalar(select(db.func.count(IntakeItem.id))) == 1


def test_message_id_is_recorded_without_brackets(app):
    raw = make_mail("VPN", "VPN is down", message_id="<abc.123@mail.example.com>")
    item = db.session.get(IntakeItem, store_raw("smtp", raw).item_id)
    assert item.message_id == "abc.123@mail.example.com"


def test_unwritable_database_raises_storage_unavailable(app):
    db.session.execute(text("ALTER TABLE intake_item RENAME TO intake_item_away"))
    db.session.commit()
    try:
        try:
            store_raw("smtp", make_mail("Lost?", "must not be acknowledged"))
        except StorageUnavailable as exc:
            assert "intake_item" in str(exc)
        else:
            raise AssertionError("store_raw succeeded without its table")
    finally:
        db.session.rollback()
        db.session.execute(text("ALTER TABLE intake_item_away RENAME TO intake_item"))
        db.session.commit()
    assert store_raw("smtp", make_mail("Back", "storage works again")).created
