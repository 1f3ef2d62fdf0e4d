"""The ingester's exceptions; third-party IMAP and socket errors are mapped to these at the boundary."""


class IngestError(Exception):
    """Base class of the ingester's errors."""


class MailboxUnavailable(IngestError):
    """The IMAP server could not be reached or dropped the connection; the worker retries with backoff."""


class LoginRefused(MailboxUnavailable):
    """The server refused the credentials: a configuration problem, retried slowly and reported."""


class UnknownSource(IngestError):
    """`import PATH` was given something that is not a Maildir, an mbox file or .eml files."""
