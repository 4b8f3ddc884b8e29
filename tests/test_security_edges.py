"""Security at the edges: log-in lock-out, cookies, the secret key, the public form's
abuse limits, SMTP limits and STARTTLS, secrets kept out of logs, retention."""

from __future__ import annotations

import datetime as dt
import io
import logging
import smtplib
import ssl

import pytest
from sqlalchemy import func, select

from app import retention
from app.config import DEV_SECRET_KEY, check_production_safety, load_settings
from app.extensions import db
from app.models import Event, IntakeItem
from app.secrets_box import reveal, seal
from intake.imap_mailbox import Mailbox
from intake.smtp_listener import start_smtp
from tests.mailmaker import make_mail
from tests.netutil import free_port
from tests.web_helpers import PASSWORD, login, outage


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_production_refuses_the_default_secret_key(tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        check_production_safety(load_settings({"ENV": "production", "INSTANCE": str(tmp_path)}))
    check_production_safety(load_settings({"ENV": "production", "SECRET_KEY": "x" * 40,
                                           "INSTANCE": str(tmp_path)}))
    assert load_settings({"INSTANCE": str(tmp_path)})["SECRET_KEY"] == DEV_SECRET_KEY


def test_session_cookie_is_httponly_samesite_and_secure_over_https(app_factory):
    https = app_factory(PUBLIC_URL="https://help.example.org")
    assert https.config["SESSION_COOKIE_SECURE"] is True
    plain = app_factory()  # last: on PostgreSQL each app starts from emptied tables
    with plain.app_context():
        from app.accounts import create_agent

        create_agent("a@example.org", PASSWORD, role="agent")
        cookie = login(plain.test_client(), "a@example.org").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_login_locks_the_account_after_failures_and_logs_it(client, agent):
    for _ in range(5):
        assert login(client, agent.email, "wrong password").status_code == 200
    locked = login(client, agent.email)  # even the right password is refused now
    assert locked.status_code == 429 and "locked" in locked.get_data(as_text=True)
    actions = db.session.scalars(select(Event.action)).all()
    assert actions.count("login_failed") == 5 and "account_locked" in actions
    assert "login_locked" in actions


def test_login_locks_an_address_trying_many_accounts(app_factory):
    app = app_factory(LOGIN_MAX_FAILURES_PER_IP=3)
    with app.app_context():
        client = app.test_client()
        for n in range(3):
            login(client, f"guess{n}@example.org", "nope")
        assert login(client, "other@example.org", "nope").status_code == 429


def form(**extra) -> dict:
    data = {"name": "Ravi", "email": "ravi@example.com", "summary": "VPN down",
            "description": "The VPN is down for everyone.", "affected": "just_me",
            "can_work": "yes", "service": "", "nonce": "a" * 32}
    data.update(extra)
    return data


def test_report_form_rate_limits_per_email_and_per_address(app_factory):
    app = app_factory(REPORT_LIMIT_PER_EMAIL="2 per hour", REPORT_LIMIT_PER_ADDRESS="3 per hour")
    with app.app_context():
        client = app.test_client()
        for n in range(2):
            assert client.post("/report", data=form(nonce=f"{n:032x}")).status_code == 302
        refused = client.post("/report", data=form(nonce="c" * 32))
        assert refused.status_code == 429 and "nothing was saved" in refused.get_data(
            as_text=True)
        assert client.post("/report", data=form(email="x@example.com",
                                                nonce="d" * 32)).status_code == 302
        assert client.post("/report", data=form(email="y@example.com",
                                                nonce="e" * 32)).status_code == 429
        assert count(IntakeItem) == 3


@pytest.mark.parametrize(("extra", "message"), [
    ({"website": "http://spam.example"}, "looks automated"),
    ({"attachment": (io.BytesIO(b"MZ\x90\x00rest"), "invoice.pdf")}, "cannot be attached"),
    ({"attachment": (io.BytesIO(b"<script>"), "page.html")}, "cannot be attached"),
    ({"attachment": (io.BytesIO(b"x" * 2048), "big.txt")}, "the limit is 1 KB"),
])
def test_rejected_reports_explain_and_store_nothing(app_factory, extra, message):
    app = app_factory(FORM_MAX_ATTACHMENT_BYTES=1024)
    with app.app_context():
        response = app.test_client().post("/report", data=form(**extra),
                                          content_type="multipart/form-data")
        assert response.status_code == 200 and message in response.get_data(as_text=True)
        assert count(IntakeItem) == 0


@pytest.fixture
def smtp_app(app_factory, tmp_path):
    cert, key = _self_signed(tmp_path)
    port = free_port()
    app = app_factory(SMTP_PORT=port, SMTP_MAX_RECIPIENTS=2, SMTP_MAX_CONNECTIONS_PER_PEER=2,
                      SMTP_TLS_CERT=str(cert), SMTP_TLS_KEY=str(key))
    controller = start_smtp(app)
    with app.app_context():
        yield app, port
    controller.stop()


def _self_signed(folder):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_smtp_starttls_recipient_and_connection_limits(smtp_app):
    app, port = smtp_app
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.ehlo()
        assert smtp.has_extn("starttls")
        assert smtp.starttls(context=context)[0] == 220
        smtp.ehlo()
        smtp.mail("ravi@example.com")
        assert smtp.rcpt("support@example.org")[0] == 250
        assert smtp.rcpt("help@example.org")[0] == 250
        assert smtp.rcpt("support+x@example.org")[0] == 452
        assert smtp.rcpt("someone@elsewhere.example")[0] == 550  # never a relay
        assert smtp.data(make_mail("VPN", "down"))[0] == 250
    held = [smtplib.SMTP("127.0.0.1", port, timeout=10) for _ in range(2)]
    try:
        with pytest.raises(smtplib.SMTPConnectError) as refused:
            smtplib.SMTP("127.0.0.1", port, timeout=10)
        assert refused.value.smtp_code == 421
    finally:
        for smtp in held:
            smtp.quit()


def test_mailbox_passwords_can_be_encrypted_and_never_reach_logs(app_factory, caplog):
    app = app_factory(SECRET_KEY="k" * 40)
    secret = "S3cret-Pass!"
    sealed = seal(secret, app.config)
    assert secret not in sealed and reveal(sealed, app.config) == secret
    port = free_port()  # nothing listens: the poll fails and is logged and recorded
    url = f"imap://support:{sealed}@127.0.0.1:{port}/INBOX"
    box = Mailbox.parse(url, lambda v: reveal(v, app.config))
    assert box.password == secret and secret not in repr(box) and sealed not in box.label
    from intake.imap_poller import poll_all_once

    app.config["IMAP_MAILBOXES"] = [url]
    with app.app_context(), caplog.at_level(logging.DEBUG):
        poll_all_once(app)
        client = app.test_client()
        from app.accounts import create_agent

        create_agent("a@example.org", PASSWORD, role="admin")
        login(client, "a@example.org")
        pages = [client.get(p).get_data(as_text=True) for p in ("/healthz", "/intake")]
        stored = " ".join(str(v) for row in db.session.execute(
            select(Event.detail, Event.new, Event.old)).all() for v in row)
    for text in (caplog.text, *pages, stored):
        assert secret not in text and sealed not in text


def test_retention_purges_raw_mail_of_long_closed_tickets_and_logs_hashes(app, agent):
    ticket = outage()
    ticket.status = "closed"
    db.session.commit()
    assert retention.purge(30).intake_items == 0  # closed just now: kept
    item = db.session.scalar(select(IntakeItem).where(IntakeItem.ticket_id == ticket.id))
    sha = item.raw_sha256
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=31)
    from app.models import base

    original = base.utcnow
    retention.utcnow = lambda: future
    try:
        report = retention.purge(30)
    finally:
        retention.utcnow = original
    assert report.intake_items == 1 and report.tickets == [ticket.ref]
    db.session.expire_all()
    item = db.session.get(IntakeItem, item.id)
    assert item.raw == b"" and item.purged_at is not None and item.raw_sha256 == sha
    purged = db.session.scalar(select(Event).where(Event.action == "raw_purged"))
    assert purged.detail["sha256"] == sha and purged.ticket_id == ticket.id
