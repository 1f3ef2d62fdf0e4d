"""Write the demo mailbox (demo/mailbox/*.eml): made-up people, several languages and rights.

    python demo/make_mailbox.py

Everything here is invented for the demo; no real person's data. `make run` imports the folder.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

OUT = Path(__file__).parent / "mailbox"
RIGHTS = "derechosrgpdgrupocaser@caser.es"
DPO = "dpogrupocaser@caser.es"
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

MESSAGES = [
    (
        "erasure_formal_es_with_dni",
        "Lucía Navarro Ruiz <lucia.navarro@example.net>",
        RIGHTS,
        "Solicitud de supresión de datos",
        "Estimados señores:\n\nYo, Lucía Navarro Ruiz, con DNI 45678912G, con domicilio en Calle Mayor 5, 28013 Madrid, "
        "ejercito mi derecho de supresión (art. 17 RGPD) y solicito que eliminen todos mis datos personales. "
        "Ya no soy cliente.\n\nAdjunto copia de mi DNI.\n\nAtentamente,\nLucía Navarro Ruiz",
        [("dni_lucia.jpg", "image/jpeg")],
        1,
    ),
    (
        "access_informal_es",
        "Javier Romero <javi.romero@example.net>",
        RIGHTS,
        "mis datos",
        "Hola, quisiera saber qué datos personales tienen sobre mí y de dónde han sacado mi teléfono. "
        "Mi póliza es la 4401234567.\n\nGracias\nJavier",
        [],
        2,
    ),
    (
        "access_erasure_fr",
        "Claire Dubois <claire.dubois@example.org>",
        RIGHTS,
        "Droit d'accès et effacement",
        "Madame, Monsieur,\n\nConformément à l'article 15 du RGPD, je vous demande une copie de mes données personnelles, "
        "puis leur effacement.\n\nVeuillez agréer mes salutations distinguées.\nClaire Dubois",
        [],
        3,
    ),
    (
        "marketing_en",
        "Oliver Hughes <oliver.hughes@example.co.uk>",
        RIGHTS,
        "Unsubscribe",
        "Hi,\n\nPlease stop sending me marketing emails and text messages. I no longer wish to receive any offers.\n\nOliver",
        [],
        4,
    ),
    (
        "multi_rights_es",
        "Carmen Ortega Díaz <carmen.ortega@example.net>",
        RIGHTS,
        "Retirada del consentimiento",
        "Muy señores míos:\n\nRetiro el consentimiento que di para fines comerciales, me opongo a la elaboración de perfiles "
        "y solicito la supresión de mis datos.\n\nDNI 12345678Z.\n\nUn saludo,\nCarmen Ortega Díaz",
        [],
        5,
    ),
    (
        "complaint_es",
        "Andrés Vidal <andres.vidal@example.net>",
        DPO,
        "Reclamación",
        "Hace dos meses pedí acceso a mis datos y nadie me ha respondido. Es inaceptable. "
        "He presentado una reclamación ante la AEPD.\n\nAndrés Vidal",
        [],
        6,
    ),
    (
        "information_question_es",
        "Paula Iglesias <paula.iglesias@example.net>",
        DPO,
        "Consulta",
        "Buenas, ¿cuánto tiempo conservan los currículums que reciben? Envié el mío hace un año.\n\nPaula",
        [],
        7,
    ),
    (
        "insurance_claim_other_es",
        "Sergio Castro <sergio.castro@example.net>",
        RIGHTS,
        "Siniestro 2026/SR-4821",
        "Les envío el parte del accidente de ayer con las fotos del coche. Número de siniestro 2026/SR-4821.\n\nSergio",
        [("fotos_coche.jpg", "image/jpeg")],
        8,
    ),
    (
        "rectification_ca",
        "Jordi Puig Serra <jordi.puig@example.cat>",
        RIGHTS,
        "Canvi d'adreça",
        "Bon dia,\n\nHe canviat d'adreça, la nova és Carrer de Balmes 101, 08008 Barcelona. Si us plau, actualitzeu les "
        "meves dades.\n\nGràcies,\nJordi",
        [],
        9,
    ),
    (
        "access_de_dsgvo",
        "Anna Weber <anna.weber@example.de>",
        DPO,
        "Auskunftsersuchen nach Art. 15 DSGVO",
        "Sehr geehrte Damen und Herren,\n\ngemäß Art. 15 DSGVO beantrage ich eine Kopie aller personenbezogenen Daten, "
        "die Sie über mich verarbeiten.\n\nMit freundlichen Grüßen,\nAnna Weber",
        [],
        10,
    ),
    (
        "automated_decision_en",
        "Emily Clarke <emily.clarke@example.com>",
        RIGHTS,
        "Automatic rejection",
        "Hello,\n\nMy online application was rejected automatically. I want a person to review the decision and explain "
        "the logic involved.\n\nEmily Clarke",
        [],
        11,
    ),
    (
        "portability_es",
        "Elena Fernández <elena.fernandez@example.net>",
        RIGHTS,
        "Portabilidad",
        "Voy a cambiar de compañía y quiero que transmitan mis datos de la póliza de salud a mi nueva aseguradora, "
        "en formato electrónico.\n\nElena Fernández\nDNI 87654321X",
        [],
        12,
    ),
    (
        "restriction_fr",
        "Thomas Girard <thomas.girard@example.fr>",
        RIGHTS,
        "Limitation du traitement",
        "Bonjour,\n\nPendant la vérification de l'exactitude de mes données, je vous demande d'en limiter le traitement."
        "\n\nThomas Girard",
        [],
        13,
    ),
    (
        "invalid_dni_es",
        "Pedro Ruiz Sanz <pedro.ruiz@example.net>",
        RIGHTS,
        "Derecho de acceso",
        "Me llamo Pedro Ruiz Sanz, con DNI 12345678A, y solicito copia de todos mis datos personales.\n\nPedro",
        [],
        14,
    ),
    (
        "latam_erasure_es",
        "María José López <mjlopez@example.com.mx>",
        RIGHTS,
        "por favor",
        "Buen día, por favor sáquenme de su base de datos y borren toda mi información, ya no me interesa.\n\n"
        "Enviado desde mi iPhone",
        [],
        15,
    ),
    (
        "out_of_office_en",
        "James Taylor <james.taylor@example.com>",
        DPO,
        "Automatic reply: Your request",
        "I am out of the office until 3 December. For urgent matters please contact my colleague.",
        [],
        16,
    ),
    (
        "phishing_other_es",
        "Servicio Bancario <aviso@example.xyz>",
        RIGHTS,
        "Aviso importante",
        "Su cuenta ha sido suspendida. Haga clic aquí para verificar sus datos bancarios en las próximas 24 horas.",
        [],
        17,
    ),
    (
        "negated_erasure_es",
        "Nuria Peña <nuria.pena@example.net>",
        RIGHTS,
        "Cambio de dirección",
        "No quiero que borren mis datos, solo que corrijan mi dirección: ahora vivo en Avenida de la Constitución 22, "
        "41004 Sevilla.\n\nNuria Peña",
        [],
        18,
    ),
]


def build(
    name: str,
    sender: str,
    to: str,
    subject: str,
    body: str,
    attachments: list[tuple[str, str]],
    n: int,
    html: bool = False,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(NOW - timedelta(hours=7 * n))
    msg["Message-ID"] = f"<demo-{n:03d}-{name}@example.net>"
    msg.set_content(body)
    for filename, content_type in attachments:
        maintype, subtype = content_type.split("/")
        msg.add_attachment(b"\xff\xd8\xff\xe0 demo image bytes", maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for old in OUT.glob("*.eml"):
        old.unlink()
    for name, sender, to, subject, body, attachments, order in MESSAGES:
        (OUT / f"{order:02d}_{name}.eml").write_bytes(build(name, sender, to, subject, body, attachments, order))
    # An HTML-only request, as webmail clients send them.
    html = EmailMessage()
    html["From"] = "Sophie Martin <sophie.martin@example.fr>"
    html["To"] = RIGHTS
    html["Subject"] = "Suppression de mes données"
    html["Date"] = format_datetime(NOW - timedelta(hours=140))
    html["Message-ID"] = "<demo-019-html@example.fr>"
    html.set_content(
        "<html><body><p>Bonjour,</p><p>Merci de <b>supprimer</b> toutes mes données personnelles."
        "</p><script>alert('x')</script><img src='https://tracker.example/p.gif'></body></html>",
        subtype="html",
    )
    (OUT / "19_html_only_fr.eml").write_bytes(html.as_bytes())
    # The same request sent to both mailboxes: one case that notes both.
    both = build(
        "both_mailboxes",
        "Laia Vila <laia.vila@example.cat>",
        f"{RIGHTS}, {DPO}",
        "Supresión",
        "Les pido que eliminen todos mis datos personales de sus sistemas.\n\nLaia Vila",
        [],
        20,
    )
    (OUT / "20_sent_to_both_mailboxes.eml").write_bytes(both)
    print(f"wrote {len(list(OUT.glob('*.eml')))} messages to {OUT}")


if __name__ == "__main__":
    main()
