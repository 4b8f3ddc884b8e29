"""Default values of the security settings (issue 7), merged into `app.config.DEFAULTS`.

Kept apart so the security knobs are read in one place; like every setting, each
can be overridden by an environment variable GATEWAY_<KEY>. Nothing here runs code.
"""

from __future__ import annotations

SECURITY_DEFAULTS: dict[str, object] = {
    # Log-in: failures within LOGIN_LOCK_MINUTES lock the account / the address.
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_MAX_FAILURES_PER_IP": 20,
    "LOGIN_LOCK_MINUTES": 15,
    # Public form (Flask-Limiter syntax); storage is memory, or Redis when REDIS_URL is set.
    "REPORT_LIMIT_PER_ADDRESS": "20 per hour",
    "REPORT_LIMIT_PER_EMAIL": "10 per hour",
    "FORM_MAX_ATTACHMENT_BYTES": 10 * 1024 * 1024,
    # Attachment types the form refuses (programs, scripts, active content, macro documents);
    # Windows and Linux programs are also recognised by their first bytes, whatever the name.
    "FORM_BLOCKED_TYPES": [
        "exe", "com", "bat", "cmd", "scr", "pif", "msi", "msp", "dll", "cpl", "jar", "js",
        "jse", "vbs", "vbe", "wsf", "wsh", "ps1", "psm1", "hta", "htm", "html", "xhtml", "svg",
        "lnk", "reg", "iso", "img", "vhd", "vhdx", "apk", "sh", "appimage", "docm", "xlsm",
        "pptm", "chm",
    ],
    # SMTP listener.
    "SMTP_MAX_RECIPIENTS": 20,
    "SMTP_MAX_CONNECTIONS_PER_PEER": 10,
    "SMTP_TLS_CERT": "",
    "SMTP_TLS_KEY": "",
    "SMTP_REQUIRE_TLS": False,
    # Fernet key for stored secrets (`enc:` mailbox passwords); empty: derived from SECRET_KEY.
    "SECRETS_KEY": "",
    # Retention: purge raw mail and attachments of tickets closed this many days ago; 0 = off.
    "RETENTION_DAYS": 0,
}
