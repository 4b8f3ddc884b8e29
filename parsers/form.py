"""The web report form as a Submission, so it enters the same pipeline as mail.

The form is stored raw as a JSON document (see `form_payload`); parsing it back
gives the normalised Submission the pipeline reads.
"""

from __future__ import annotations

import base64
import binascii
import json

from parsers.submission import Address, Attachment, Submission

AFFECTED = ("just_me", "my_team", "whole_site", "everyone")
CAN_WORK = ("yes", "degraded", "no")


class FormPayloadError(ValueError):
    """Stored bytes that are not a form payload this module wrote (damaged or forged)."""


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
    """Turn a stored form payload back into a Submission; FormPayloadError if it is not one."""
    try:
        return _parse_form(raw)
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        # UnicodeDecodeError and JSONDecodeError are ValueErrors too.
        raise FormPayloadError(f"not a form payload: {type(exc).__name__}") from exc


def _parse_form(raw: bytes) -> Submission:
    doc = json.loads(raw.decode("utf-8"))
    fields: dict[str, str] = doc["fields"]
    if not all(isinstance(v, str) for v in fields.values()):
        raise TypeError("form fields must be text")
    description = fields.get("description", "").strip()
    attachments: tuple[Attachment, ...] = ()
    if doc.get("attachment"):
        att = doc["attachment"]
        attachments = (Attachment(filename=att["filename"], content_type=att["content_type"],
                                  content=base64.b64decode(att["content_b64"], validate=True)),)
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
