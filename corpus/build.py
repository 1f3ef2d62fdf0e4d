"""Build the labelled corpus (corpus/messages.jsonl) from our own core sentences, deterministically.

    python corpus/build.py            # writes corpus/messages.jsonl and prints the statistics

Split at the level of the *core sentence*, not the message: each core (one way of asking) is
assigned to train, dev or test first, and messages are composed only from cores of one split.
Frames (greetings, ID lines, disclaimers, quoted chains...) are shared, but no phrasing that
carries a label is ever seen in training and again in test, so the scores are not inflated by
near-duplicates. Dutch cores go to test only: they measure what the lexicon alone carries.

`train_only` cores (in the same phrase files) go to train and nowhere else: counter-examples
added after the split was fixed (insurance questions that look like privacy questions, more
ways of asking about the policy). They are composed last, with their own random stream, so the
dev and test messages stay exactly as they were.

Families (issue 11): whole messages written by us as the mailbox really looks, in
`families/<lang>/<family>.yaml` (formal letters, terse web-form mail, reminders, "where did you get
my data", marketing complaints, forwarded chains, an insurer's ordinary mail, hard negatives).
Each is one phrasing, split by a hash of its id (70/15/15), and keeps its family so that
`python -m assistant eval --by-family` can train without a family and test on it. Composed messages
are family `composed`.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import yaml

HERE = Path(__file__).parent
SEED = 20261128
WEIGHTS = {"es": 7, "fr": 4, "en": 4, "ca": 2, "pt": 1, "it": 1, "de": 1, "nl": 2}
COMBOS = [
    ("access", "erasure"),
    ("access", "rectification"),
    ("access", "portability"),
    ("erasure", "consent_withdrawal"),
    ("erasure", "objection_marketing"),
    ("consent_withdrawal", "objection_marketing"),
    ("erasure", "consent_withdrawal", "objection"),
    ("objection", "restriction"),
    ("rectification", "restriction"),
    ("complaint", "access"),
    ("complaint", "erasure"),
    ("automated_decision", "access"),
    ("objection", "objection_marketing"),
    ("portability", "erasure"),
    ("automated_decision", "objection"),
]
COMBOS_PER_LANG = {"es": 12, "fr": 6, "en": 6, "ca": 1, "pt": 1, "it": 1, "de": 1, "nl": 0}
NEGATED = {
    "es": [
        ("erasure", "No quiero que borren mis datos; solo pido lo siguiente."),
        ("objection", "No es mi intención oponerme al tratamiento de mis datos."),
        ("objection_marketing", "No me importa seguir recibiendo sus ofertas."),
        ("access", "No necesito una copia de mis datos."),
    ],
    "fr": [
        ("erasure", "Je ne souhaite pas que vous supprimiez mes données ; je demande seulement ceci."),
        ("objection", "Je ne souhaite pas m'opposer au traitement de mes données."),
    ],
    "en": [
        ("erasure", "I do not want my data deleted; I only ask for the following."),
        ("objection", "I am not objecting to the processing of my data."),
        ("access", "I don't need a copy of my data."),
    ],
}
FIRST = {
    "es": [
        "María",
        "José",
        "Lucía",
        "Javier",
        "Carmen",
        "Alejandro",
        "Elena",
        "Pablo",
        "Nuria",
        "Sergio",
        "Paula",
        "Andrés",
    ],
    "fr": ["Claire", "Julien", "Sophie", "Mathieu", "Camille", "Nicolas", "Élodie", "Thomas"],
    "en": ["Emily", "James", "Olivia", "Daniel", "Grace", "Thomas", "Hannah", "Oliver"],
    "ca": ["Jordi", "Montserrat", "Pau", "Laia"],
    "pt": ["João", "Inês", "Tiago", "Beatriz"],
    "it": ["Giulia", "Marco", "Francesca", "Luca"],
    "de": ["Anna", "Lukas", "Julia", "Felix"],
    "nl": ["Sanne", "Daan"],
}
LAST = {
    "es": [
        "García López",
        "Martínez Ruiz",
        "Fernández Gil",
        "Sánchez Moreno",
        "Romero Díaz",
        "Navarro Torres",
        "Jiménez Ortega",
        "Castro Vidal",
        "Iglesias Peña",
        "Ramos Herrero",
    ],
    "fr": ["Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Laurent", "Girard", "Fontaine"],
    "en": ["Smith", "Taylor", "Brown", "Wilson", "Clarke", "Hughes", "Walker", "Evans"],
    "ca": ["Puig Serra", "Vila Roca", "Soler Pons"],
    "pt": ["Silva", "Santos", "Ferreira"],
    "it": ["Rossi", "Bianchi", "Romano"],
    "de": ["Müller", "Schmidt", "Weber"],
    "nl": ["de Vries", "Jansen"],
}
ADDRESSES = {
    "es": [
        "Calle Mayor 5, 3º B, 28013 Madrid",
        "Avenida de la Constitución 22, 41004 Sevilla",
        "C/ Colón 14, 46004 Valencia",
        "Paseo de Gracia 80, 08008 Barcelona",
    ],
    "fr": ["14 rue de la Paix, 75002 Paris", "3 avenue Jean Jaurès, 69007 Lyon"],
    "en": ["12 Baker Street, London NW1 6XE", "4 Queen's Road, Bristol BS8 1QU"],
    "ca": ["Carrer de Balmes 101, 08008 Barcelona"],
    "pt": ["Rua Augusta 45, 1100-048 Lisboa"],
    "it": ["Via Roma 10, 20121 Milano"],
    "de": ["Hauptstraße 5, 10115 Berlin"],
    "nl": ["Damstraat 3, 1012 JL Amsterdam"],
}
TYPO_RATE = 0.12
DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def load_phrases() -> dict[str, dict]:
    return {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((HERE / "phrases").glob("*.yaml"))}


def assign_splits(
    phrases: dict[str, dict], rng: random.Random
) -> dict[tuple[str, str], dict[str, list[tuple[str, str]]]]:
    """For each (lang, label): core ids and texts per split."""
    splits: dict[tuple[str, str], dict[str, list[tuple[str, str]]]] = {}
    for lang, data in phrases.items():
        for label, cores in data["cores"].items():
            items = [(f"{lang}.{label}.{i}", text) for i, text in enumerate(cores)]
            rng.shuffle(items)
            n = len(items)
            if lang == "nl":
                n_test, n_dev = n, 0
            elif n >= 7:
                n_test, n_dev = max(1, round(0.2 * n)), max(1, round(0.15 * n))
            elif n >= 3:
                n_test, n_dev = 1, 0
            else:
                n_test, n_dev = (1 if n == 2 else 0), 0
            splits[(lang, label)] = {
                "test": items[:n_test],
                "dev": items[n_test : n_test + n_dev],
                "train": items[n_test + n_dev :],
            }
    return splits


class Composer:
    def __init__(self, phrases: dict[str, dict], rng: random.Random) -> None:
        self.phrases = phrases
        self.rng = rng

    def person(self, lang: str) -> dict[str, str]:
        rng = self.rng
        first, last = rng.choice(FIRST[lang]), rng.choice(LAST[lang])
        number = rng.randrange(10_000_000, 99_999_999)
        letter = DNI_LETTERS[number % 23]
        if rng.random() < 0.1:  # an invalid check letter, as people do type
            letter = DNI_LETTERS[(number + 5) % 23]
        dni = (
            f"{number}{letter}"
            if rng.random() < 0.7
            else f"{str(number)[:2]}.{str(number)[2:5]}.{str(number)[5:]}-{letter}"
        )
        policy = rng.choice(
            [f"{rng.randrange(10**9, 10**10)}", f"HG-{rng.randrange(2015, 2026)}-{rng.randrange(100000, 999999)}"]
        )
        return {
            "name": f"{first} {last}",
            "first": first,
            "surname": last.split()[0],
            "dni": dni,
            "policy": policy,
            "claim": f"{rng.randrange(2019, 2026)}/SR-{rng.randrange(1000, 9999)}",
            "date": f"{rng.randrange(1, 28)}/{rng.randrange(1, 12):02d}/{rng.randrange(2023, 2026)}",
            "email": f"{fold_ascii(first).lower()}.{fold_ascii(last.split()[0]).lower()}{rng.randrange(1, 99)}"
            "@example.net",
            "phone": rng.choice(
                [
                    f"6{rng.randrange(10, 99)} {rng.randrange(100, 999)} {rng.randrange(100, 999)}",
                    f"+34 6{rng.randrange(10, 99)} {rng.randrange(100, 999)} {rng.randrange(100, 999)}",
                ]
            ),
            "address": rng.choice(ADDRESSES[lang]),
        }

    def typos(self, text: str) -> str:
        words = text.split(" ")
        for _ in range(self.rng.randint(1, 3)):
            i = self.rng.randrange(len(words))
            w = words[i]
            if len(w) >= 6 and w.isalpha():
                j = self.rng.randrange(1, len(w) - 2)
                words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :] if self.rng.random() < 0.5 else w[:j] + w[j + 1 :]
        return " ".join(words)

    def compose(self, lang: str, labels: list[str], cores: list[str], split: str, tags: list[str]) -> dict:
        rng, data = self.rng, self.phrases[lang]
        who = self.person(lang)
        core_text = " ".join(c.format(**who) for c in cores)
        style = rng.random()
        if rng.random() < TYPO_RATE:
            core_text = self.typos(core_text)
            tags.append("typos")
        if lang in NEGATED and rng.random() < 0.1:
            options = [s for lab, s in NEGATED[lang] if lab not in labels and "other" not in labels]
            if options:
                core_text = rng.choice(options) + " " + core_text
                tags.append("negation")
        subject = rng.choice(data["subjects"][labels[0]] + [""])
        if style < 0.45:  # a formal letter
            parts = [rng.choice(data["greetings"]["formal"]), "", rng.choice(data["identity"]).format(**who), core_text]
            if rng.random() < 0.5:
                parts.append(rng.choice(data["attachments"]))
            if rng.random() < 0.35 and "complaint" not in labels:
                parts.append(rng.choice(data["hedges"]))
                tags.append("hedge")
            parts += ["", rng.choice(data["closings"]["formal"]), who["name"]]
            tags.append("formal")
        elif style < 0.93:  # an informal mail
            greeting = rng.choice(data["greetings"]["informal"])
            closing = rng.choice(data["closings"]["informal"])
            parts = (
                ([greeting, ""] if greeting else []) + [core_text, ""] + ([closing] if closing else []) + [who["first"]]
            )
            tags.append("informal")
        else:  # subject only, or nearly
            subject = core_text if len(core_text.split()) <= 16 else subject
            parts = [rng.choice(data["attachments"])] if rng.random() < 0.5 else []
            if subject != core_text:
                parts = [core_text]
            tags.append("subject_only" if subject == core_text else "short")
        body = "\n".join(parts)
        if rng.random() < 0.2:
            body += f"\n--\n{who['name']}\nTel. {who['phone']}"
            tags.append("signature")
        if rng.random() < 0.15:
            body += "\n\n" + data["disclaimer"]
            tags.append("disclaimer")
        if "informal" in tags and rng.random() < 0.3:
            body, subject = fold_ascii(body).lower(), fold_ascii(subject).lower()
            tags.append("no_accents")
        return {
            "lang": lang,
            "subject": subject,
            "body": body,
            "labels": sorted(set(labels)),
            "split": split,
            "tags": tags,
        }

    def quote(self, text: str, lang: str, who: dict[str, str]) -> str:
        attribution = self.phrases[lang]["reply_attribution"].format(**who)
        return attribution + "\n" + "\n".join("> " + line for line in text.format(**who).splitlines())


def fold_ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def build() -> list[dict]:
    rng = random.Random(SEED)
    phrases = load_phrases()
    splits = assign_splits(phrases, rng)
    composer = Composer(phrases, rng)
    messages: list[dict] = []
    for (lang, label), by_split in sorted(splits.items()):
        for split, items in by_split.items():
            for core_id, text in items:
                for _ in range(WEIGHTS[lang]):
                    msg = composer.compose(lang, [label], [text], split, [])
                    msg["cores"] = [core_id]
                    messages.append(msg)
    # Several rights in one mail, each composed from cores of one split only.
    for lang, per_split in COMBOS_PER_LANG.items():
        for split, factor in (("train", 1.0), ("dev", 0.4), ("test", 0.6)):
            for combo in COMBOS:
                pools = [splits.get((lang, label), {}).get(split, []) for label in combo]
                if not all(pools):
                    continue
                for _ in range(max(1, round(per_split * factor / 2))):
                    chosen = [rng.choice(pool) for pool in pools]
                    msg = composer.compose(lang, list(combo), [t for _, t in chosen], split, ["multi"])
                    msg["cores"] = [c for c, _ in chosen]
                    messages.append(msg)
    # Hard cases built from two cores: a reply quoting an earlier mail, and a bare forward.
    for (lang, label), by_split in sorted(splits.items()):
        if label in ("other", "information"):
            continue
        for split, items in by_split.items():
            others = splits[(lang, "other")][split] or splits[(lang, "other")]["train"]
            for core_id, text in items[: 2 if lang in ("es", "fr", "en") else 1]:
                who = composer.person(lang)
                # An unrelated reply ("thanks, received") above a quoted rights request: label other.
                reply_id, reply = rng.choice(others)
                messages.append(
                    {
                        "lang": lang,
                        "subject": "Re: " + rng.choice(phrases[lang]["subjects"][label]),
                        "body": reply.format(**who) + "\n\n" + composer.quote(text, lang, who),
                        "labels": ["other"],
                        "split": split,
                        "tags": ["quoted_request"],
                        "cores": [reply_id, core_id],
                    }
                )
                # A forward of the customer's request with a one-line note: the request's label.
                note = rng.choice(phrases[lang]["forward_note"])
                header = (
                    f"---------- Forwarded message ---------\nDe: {who['name']} <{who['email']}>\nDate: {who['date']}\n"
                )
                header += (
                    f"Subject: {rng.choice(phrases[lang]['subjects'][label])}\nTo: derechosrgpdgrupocaser@caser.es\n\n"
                )
                messages.append(
                    {
                        "lang": lang,
                        "subject": "Fwd: " + rng.choice(phrases[lang]["subjects"][label]),
                        "body": note + "\n\n" + header + text.format(**who),
                        "labels": [label],
                        "split": split,
                        "tags": ["forward"],
                        "cores": [core_id],
                    }
                )
    rng.shuffle(messages)
    messages += train_only_messages(phrases)
    for msg in messages:
        msg["family"] = "composed"
    messages += family_messages()
    for i, msg in enumerate(messages):
        msg["id"] = f"m{i:05d}"
    return messages


def train_only_messages(phrases: dict[str, dict]) -> list[dict]:
    """Messages from the `train_only` cores: train split, own random stream (see the module doc)."""
    rng = random.Random(SEED + 1)
    extended = {}
    for lang, data in phrases.items():
        extra = data.get("train_only", {}).get("subjects", {})
        subjects = {label: data["subjects"][label] + extra.get(label, []) for label in data["subjects"]}
        extended[lang] = {**data, "subjects": subjects}
    composer = Composer(extended, rng)
    messages = []
    for lang, data in sorted(phrases.items()):
        for label, cores in sorted(data.get("train_only", {}).get("cores", {}).items()):
            for i, text in enumerate(cores):
                for _ in range(WEIGHTS[lang]):
                    msg = composer.compose(lang, [label], [text], "train", ["train_only"])
                    msg["cores"] = [f"{lang}.{label}.t{i}"]
                    messages.append(msg)
    rng.shuffle(messages)
    return messages


# The one taxonomy (knowledge/data/labels.yaml): a family message may carry only its labels.
LABELS = {
    entry["id"]
    for entry in yaml.safe_load((HERE.parent / "knowledge" / "data" / "labels.yaml").read_text(encoding="utf-8"))[
        "labels"
    ]
}
FAMILY_SPLIT = (("train", 70), ("dev", 85), ("test", 100))  # cumulative percentages


def family_split(core_id: str) -> str:
    bucket = int(hashlib.sha256(core_id.encode()).hexdigest(), 16) % 100
    return next(split for split, upper in FAMILY_SPLIT if bucket < upper)


def family_messages() -> list[dict]:
    """The written messages of families/<lang>/<family>.yaml, placeholders filled (own random stream)."""
    rng = random.Random(SEED + 2)
    composer = Composer({}, rng)
    messages = []
    for path in sorted((HERE / "families").glob("*/*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        lang, family = data.get("lang", path.parent.name), data.get("family", path.stem)
        if lang not in FIRST:
            raise ValueError(f"{path}: unknown language {lang!r}")
        for i, item in enumerate(data.get("messages") or []):
            unknown = set(item.get("labels") or ["?"]) - LABELS
            if unknown or not item.get("body"):
                raise ValueError(f"{path}: message {i}: unknown labels {sorted(unknown)} or no body")
            who = composer.person(lang)
            core_id = f"{lang}.{family}.{i}"
            messages.append(
                {
                    "lang": lang,
                    "subject": _fill(item.get("subject") or "", who),
                    "body": _fill(item["body"], who),
                    "labels": sorted(set(item["labels"])),
                    "split": family_split(core_id),
                    "tags": [f"family:{family}"],
                    "cores": [core_id],
                    "family": family,
                }
            )
    return messages


def _fill(text: str, who: dict[str, str]) -> str:
    """Placeholders filled; any other brace is left as written (a letter may quote '{...}')."""
    for key, value in who.items():
        text = text.replace("{" + key + "}", value)
    return text


def statistics(messages: list[dict]) -> str:
    langs = Counter(m["lang"] for m in messages)
    labels = Counter(label for m in messages for label in m["labels"])
    splits = Counter(m["split"] for m in messages)
    total = len(messages)
    lines = [
        f"{total} messages; splits {dict(splits)}",
        "languages: " + ", ".join(f"{k} {v} ({v / total:.0%})" for k, v in langs.most_common()),
        "labels: " + ", ".join(f"{k} {v}" for k, v in labels.most_common()),
        f"multi-label: {sum(len(m['labels']) > 1 for m in messages)}",
        "families: " + ", ".join(f"{k} {v}" for k, v in Counter(m["family"] for m in messages).most_common()),
    ]
    return "\n".join(lines)


ROW_KEYS = ("id", "split", "lang", "labels", "subject", "body", "tags", "cores", "family")


def main() -> int:
    messages = build()
    out = HERE / "messages.jsonl"
    with out.open("w", encoding="utf-8") as fh:
        for msg in messages:
            fh.write(
                json.dumps(
                    {k: msg[k] for k in ROW_KEYS},
                    ensure_ascii=False,
                )
                + "\n"
            )
    print(statistics(messages))
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
