"""Checks on the public report form that keep abuse out before anything is stored.

A honeypot field people never see (robots fill every field) and limits on the
attachment: no programs, scripts or active content (by name and by first bytes),
and a size far below the request limit.
Each failure is a readable field error; the view stores nothing when one fails.
"""

from __future__ import annotations

from flask import current_app
from wtforms.validators import ValidationError

HONEYPOT_LABEL = "Leave this field empty"


def empty_honeypot(form, field) -> None:
    """Refuse a post whose hidden trap field was filled in (a robot, not a person)."""
    if (field.data or "").strip():
        raise ValidationError("This report looks automated and was not accepted. If you are "
                              "a person, leave the last field empty and send it again.")


EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")


def allowed_attachment(form, field) -> None:
    """Refuse a program, a script or active content, and anything over the size limit."""
    upload = field.data
    if not upload or not getattr(upload, "filename", ""):
        return
    config = current_app.config
    blocked = {t.lower().lstrip(".") for t in config["FORM_BLOCKED_TYPES"]}
    ext = upload.filename.rsplit(".", 1)[-1].lower() if "." in upload.filename else ""
    head = upload.stream.read(4)
    upload.stream.seek(0, 2)
    size = upload.stream.tell()
    upload.stream.seek(0)
    if ext in blocked or head.startswith(EXECUTABLE_MAGIC):
        raise ValidationError("Programs, scripts and web pages cannot be attached (this one "
                              "looks like one). Nothing was saved: zip it or describe it.")
    limit = int(config["FORM_MAX_ATTACHMENT_BYTES"])
    if size > limit:
        raise ValidationError(f"The attachment is {size // 1024} KB; the limit is "
                              f"{limit // 1024} KB. Nothing was saved.")
