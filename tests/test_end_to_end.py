"""One report's whole life over real sockets: mail in, ticket, reply out, answer threads back."""

import smtplib
from email.message import EmailMessage

from sqlalchemy import select

from app.accounts import create_agent
from app.extensions import db
from app.jobs import runner
from app.models import Ticket
from intake.smtp_listener import start_smtp
from tests.mailmaker import make_mail
from tests.netutil import free_port
from tests.smtp_sink import SmtpSink


def deliver(port: int, raw: bytes, rcpt: str) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.sendmail("ravi.menon@example.com", [rcpt], raw)


def reporter_reply_to(received: EmailMessage, text: str) -> bytes:
    """Answer a mail the way a mail client does: Re: subject, In-Reply-To, References."""
    reply = EmailMessage()
    reply["From"] = "Ravi Menon <ravi.menon@example.com>"
    reply["To"] = received["Reply-To"]
    reply["Subject"] = "Re: " + received["Subject"]
    reply["Message-ID"] = "<reply.ravi.1@mail.example.com>"
    reply["In-Reply-To"] = received["Message-ID"]
    reply["References"] = f"{received.get('References', '')} {received['Message-ID']}".strip()
    reply.set_content(text + "\n\n> " + received.get_body(("plain",)).get_content()[:60])
    return reply.as_bytes()


def test_mail_to_ticket_to_reply_and_back(app_factory):
    port = free_port()
    with SmtpSink() as sink:
        app = app_factory(sync_jobs=False, SMTP_PORT=port, OUTBOUND_SMTP=sink.address,
                          WTF_CSRF_ENABLED=False)
        controller = start_smtp(app)
        with app.app_context():
            runner().start()
            try:
                create_agent("alex@example.org", "correct horse battery", "agent", "Alex")
                deliver(port, make_mail("Printer on floor 3 offline",
                                        "The printer on floor 3 shows offline for everyone."),
                        "support@example.org")
                runner().drain()
                ticket = db.session.scalar(select(Ticket))
                assert ticket is not None and len(sink.handler.messages) == 1  # acknowledgement

                web = app.test_client()
                web.post("/login", data={"email": "alex@example.org",
                                         "password": "correct horse battery"})
                answer = web.post(f"/tickets/{ticket.ref}/reply",
                                  data={"visibility": "public", "body": "Is the display lit?"})
                assert answer.status_code == 302
                runner().drain()
                _, agent_mail = sink.parsed()[-1]
                assert agent_mail["In-Reply-To"] and "Is the display lit?" in str(agent_mail)
                assert ticket.ref in agent_mail["Subject"]

                deliver(port, reporter_reply_to(agent_mail, "No, it is dark."),
                        agent_mail["Reply-To"])
                runner().drain()
                db.session.expire_all()
                ticket = db.session.get(Ticket, ticket.id)
                assert db.session.scalar(select(db.func.count(Ticket.id))) == 1
                assert [m.kind for m in ticket.messages] == ["inbound", "public_reply", "inbound"]
                assert ticket.messages[-1].body_text.startswith("No, it is dark.")
            finally:
                runner().stop()
        controller.stop()
