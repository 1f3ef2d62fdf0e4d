"""Who may be a user, and which passwords they may choose (NIST SP 800-63B §5.1.1.2 in spirit).

A minimum length, no password from the lists of common and breached passwords, words and names
that zxcvbn ships (checked offline: no password leaves the machine), and none containing the
user name. No composition rules and no forced rotation: 800-63B advises against both.
"""

from __future__ import annotations

import re

from zxcvbn import zxcvbn

MIN_PASSWORD = 12
MAX_PASSWORD = 256  # hashing cost is bounded; a longer "password" is a probe
MIN_SCORE = 3  # zxcvbn's 0-4 scale: 3 is "safely unguessable" (offline slow-hash attack)
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,63}")
CONTEXT_WORDS = ("caser", "dpo", "gdpr", "rgpd", "assistant")  # words an attacker would try first here


class PolicyError(ValueError):
    """A user name or password the policy refuses; the message says why, for the person choosing it."""


def check_username(username: str) -> str:
    """The user name, or PolicyError: 2-64 letters, digits, dot, dash or underscore, starting with a letter or digit.

    >>> check_username("ana.gil")
    'ana.gil'
    """
    if not USERNAME.fullmatch(username or ""):
        raise PolicyError("user name: 2 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    return username


def check_password(password: str, username: str) -> None:
    """PolicyError unless ``password`` is long, not common, and free of the user name."""
    if len(password) < MIN_PASSWORD:
        raise PolicyError(f"password: at least {MIN_PASSWORD} characters (a few words make a good one)")
    if len(password) > MAX_PASSWORD:
        raise PolicyError(f"password: at most {MAX_PASSWORD} characters")
    if username and username.lower() in password.lower():
        raise PolicyError("password: must not contain the user name")
    verdict = zxcvbn(password, user_inputs=[username, *CONTEXT_WORDS])
    if verdict["score"] < MIN_SCORE:
        why = verdict["feedback"].get("warning") or "it is too easy to guess"
        raise PolicyError(f"password: {why.rstrip('.')}; choose a longer or less common one")
