"""One pass over an IMAP folder: fetch unprocessed mail, store it raw, and only then mark it.

Owns what "processed" means in a mailbox: moved to `IMAP_DONE_FOLDER`, or (when
that is empty) flagged `\\Seen` plus the keyword `$Gateway`. We search for the
keyword, never for \\Seen, because people toggle \\Seen by hand. A message is
marked only after `store_raw` returned; if storage fails it stays untouched for
the next pass. Bodies are fetched with BODY.PEEK[] so reading never sets \\Seen.
It does not parse mail, decide anything about it, or loop: see `imap_poller`. Only
the poller holding the mailbox's lease (`mailbox_lease`) runs a pass.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

from flask import Flask
from imapclient import IMAPClient

from app.jobs import enqueue_intake
from app.store import StorageUnavailable, store_raw
from intake.imap_mailbox import Mailbox, connect
from intake.mailbox_lease import mailbox_lease

log = logging.getLogger(__name__)

KEYWORD = b"$Gateway"
# Set (alone, without \Seen) on mail above MAX_MESSAGE_BYTES so it is reported once and
# left for a person; remove it by hand after raising the limit to have it fetched.
TOO_LARGE = b"$GatewayTooLarge"
BATCH_MESSAGES = 25
BATCH_BYTES = 32 * 1024 * 1024
SIZE_CHUNK = 500


class ImapPollError(RuntimeError):
    """The folder cannot be polled safely as configured (read-only, no keywords, ...)."""


@dataclass
class PollResult:
    """What one pass did; `storage_error` is set when the database refused a message."""

    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    errors: int = 0
    too_large: int = 0
    found: int = 0  # messages waiting when the pass began
    marked: int = 0  # of those, flagged or moved as done in this pass
    uidvalidity: int | None = None
    storage_error: str | None = None
    leased_elsewhere: bool = False  # another poller held the mailbox's lease: pass skipped


def poll_once(app: Flask, mailbox: Mailbox) -> PollResult:
    """Connect, run one pass over the mailbox's folder, and log out."""
    with connect(mailbox) as client:
        return poll_client(app, mailbox, client)


def poll_client(app: Flask, mailbox: Mailbox, client: IMAPClient) -> PollResult:
    """Run one pass over the mailbox's folder on an already logged-in client.

    The folder is selected first (so the caller may IDLE on it), then the pass runs
    only if this poller takes the mailbox's lease; otherwise it returns at once.
    """
    done = str(app.config.get("IMAP_DONE_FOLDER") or "")
    info = client.select_folder(mailbox.folder)
    keywords = _check_folder(info, mailbox, done)
    result = PollResult(uidvalidity=int(info[b"UIDVALIDITY"]))
    with app.app_context(), mailbox_lease(mailbox.label) as held:
        if not held:
            result.leased_elsewhere = True
            return result
        _pass(app, mailbox, client, result, keywords)
    return result


def _pass(app: Flask, mailbox: Mailbox, client: IMAPClient, result: PollResult,
          keywords: bool) -> None:
    """Fetch, store and mark what waits in the selected folder, batch by batch."""
    done = str(app.config.get("IMAP_DONE_FOLDER") or "")
    if done and not client.folder_exists(done):
        client.create_folder(done)
    sizes = _sizes(client, client.search(_criteria(done)))
    result.found = len(sizes)
    limit = int(app.config["MAX_MESSAGE_BYTES"])
    _set_aside(client, mailbox, [uid for uid, size in sizes.items() if size > limit],
               result, keywords)
    wanted = [uid for uid, size in sizes.items() if size <= limit]
    for batch in _batches(wanted, sizes):
        stored_uids = _store_batch(client, mailbox, batch, result)
        _acknowledge(client, stored_uids, done)
        result.marked += len(stored_uids)
        if result.storage_error:
            break


def _check_folder(info: dict, mailbox: Mailbox, done: str) -> bool:
    """Refuse folders we could not mark; return whether keywords can be stored."""
    if b"UIDVALIDITY" not in info:
        raise ImapPollError(f"{mailbox.label}: server sent no UIDVALIDITY")
    if info.get(b"READ-ONLY"):
        raise ImapPollError(f"{mailbox.label}: folder is read-only, messages cannot be marked")
    if done and done == mailbox.folder:
        raise ImapPollError(f"{mailbox.label}: IMAP_DONE_FOLDER must differ from the folder")
    permanent = info.get(b"PERMANENTFLAGS", ())
    keywords = b"\\*" in permanent or KEYWORD in permanent
    if not done and not keywords:
        raise ImapPollError(f"{mailbox.label}: keywords not allowed; set IMAP_DONE_FOLDER")
    return keywords


def _criteria(done: str) -> list:
    # \Deleted mail is on its way out (or half-moved by an earlier COPY fallback).
    criteria = ["NOT", "DELETED", "NOT", "KEYWORD", TOO_LARGE]
    return criteria if done else [*criteria, "NOT", "KEYWORD", KEYWORD]


def _sizes(client: IMAPClient, uids: list[int]) -> dict[int, int]:
    """Ask RFC822.SIZE first, so no oversized body is ever downloaded."""
    sizes: dict[int, int] = {}
    uids = sorted(uids)
    for start in range(0, len(uids), SIZE_CHUNK):
        data = client.fetch(uids[start:start + SIZE_CHUNK], ["RFC822.SIZE"])
        sizes.update((uid, int(item[b"RFC822.SIZE"])) for uid, item in data.items()
                     if b"RFC822.SIZE" in item)
    return sizes


def _set_aside(client: IMAPClient, mailbox: Mailbox, uids: list[int], result: PollResult,
               keywords: bool) -> None:
    """Report oversized mail once and leave it in the folder for a person."""
    for uid in uids:
        log.warning("%s: UID %d is larger than MAX_MESSAGE_BYTES; left in the folder",
                    mailbox.label, uid)
    result.too_large += len(uids)
    result.errors += len(uids)
    if uids and keywords:
        client.add_flags(uids, [TOO_LARGE], silent=True)


def _batches(uids: list[int], sizes: dict[int, int]) -> Iterator[list[int]]:
    """Group UIDs so one FETCH holds at most BATCH_MESSAGES and about BATCH_BYTES."""
    batch: list[int] = []
    total = 0
    for uid in uids:
        if batch and (len(batch) >= BATCH_MESSAGES or total + sizes[uid] > BATCH_BYTES):
            yield batch
            batch, total = [], 0
        batch.append(uid)
        total += sizes[uid]
    if batch:
        yield batch


def _store_batch(client: IMAPClient, mailbox: Mailbox, batch: list[int],
                 result: PollResult) -> list[int]:
    """Store each message of a batch; return the UIDs that are now safely stored."""
    data = client.fetch(batch, ["BODY.PEEK[]"])
    stored_uids = []
    for uid in batch:
        raw = data.get(uid, {}).get(b"BODY[]")
        if raw is None:  # expunged by another client since the SEARCH
            continue
        result.fetched += 1
        try:
            _store_one(mailbox, result, uid, raw)
        except StorageUnavailable as exc:
            log.warning("%s: storage unavailable, UID %d left for the next poll: %s",
                        mailbox.label, uid, exc)
            result.errors += 1
            result.storage_error = str(exc)
            break
        except Exception:  # broad on purpose: one bad message must not block the others
            log.exception("%s: UID %d could not be stored; left unmarked", mailbox.label, uid)
            result.errors += 1
            continue
        stored_uids.append(uid)
    return stored_uids


def _store_one(mailbox: Mailbox, result: PollResult, uid: int, raw: bytes) -> None:
    stored = store_raw("imap", raw, source_ref=mailbox.source_ref(result.uidvalidity or 0, uid))
    if not stored.created:
        result.duplicates += 1
        return
    result.stored += 1
    try:
        enqueue_intake(stored.item_id)
    except Exception:  # broad on purpose: the raw item is stored; it can be reprocessed
        log.exception("%s: stored item %d but could not queue it", mailbox.label,
                      stored.item_id)
        result.errors += 1


def _acknowledge(client: IMAPClient, uids: list[int], done: str) -> None:
    """Mark stored messages processed: move them, or flag \\Seen + $Gateway."""
    if not uids:
        return
    if not done:
        client.add_flags(uids, [b"\\Seen", KEYWORD], silent=True)
    elif client.has_capability("MOVE"):
        client.move(uids, done)
    else:
        client.copy(uids, done)
        client.add_flags(uids, [b"\\Deleted"], silent=True)
        if client.has_capability("UIDPLUS"):
            client.uid_expunge(uids)
        else:  # plain EXPUNGE also removes mail others marked \Deleted (RFC 3501 6.4.3)
            client.expunge()
