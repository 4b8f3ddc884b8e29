"""The web report form as a Submission, so it enters the same pipeline as mail.

The form is stored raw as a JSON document (see `form_payload`); parsing it back
gives the normalised Submission the pipeline reads.
"""

from __future__ import annotations

import base64
import json

from parsers.submission import Address, Attachment, Submission

AFFECTED = ("just_me", "my_team", "whole_site", "everyone")
CAN_WORK = ("yes", "degraded", "no")


def form_payload(fields: dict[str, str], attachment: tuple[str, str, bytes] | None,
                 submission_id: str) -> bytes:
    """Serialise form answers (and an optional attachment) as the raw stored item."""
    doc = {"submission_id": submission_id, "fields": fields}
    if attachment:
        name, content_type, content = attachment
        doc["attachment"] = {"filename": name, "content_type": content_type,
                             "content_b64": base64.b64encode(content).decode()}
    return json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()


def parse_form(raw: bytes) -> Submission:
    """Turn a stored form payload back into a Submission."""
    doc = json.loads(raw.decode("utf-8"))
    fields: dict[str, str] = doc["fields"]
    description = fields.get("description", "").strip()
    attachments: tuple[Attachment, ...] = ()
    if doc.get("attachment"):
        att = doc["attachment"]
        attachments = (Attachment(filename=att["filename"], content_type=att["content_type"],
                                  content=base64.b64decode(att["content_b64"])),)
    answers = {k: fields[k] for k in ("service", "affected", "can_work") if fields.get(k)}
    return Submission(
        source="form",
        subject=fields.get("summary", "").strip(),
        sender=Address(fields.get("name", "").strip(), fields.get("email", "").strip().lower()),
        text=description,
        new_text=description,
        message_id=None,
        attachments=attachments,
        form=answers,
    )
