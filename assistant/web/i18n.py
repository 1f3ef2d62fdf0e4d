"""The console in Spanish (default), French and English: a small dictionary, no build step.

The language comes from ?lang=, then the session, then Accept-Language.
"""

from __future__ import annotations

from flask import Flask, request, session

LANGUAGES = ("es", "fr", "en")
STRINGS: dict[str, dict[str, str]] = {
    "app": {"es": "Asistente DPD", "fr": "Assistant DPD", "en": "DPO Assistant"},
    "queue": {"es": "Bandeja", "fr": "File d'attente", "en": "Queue"},
    "register": {"es": "Registro", "fr": "Registre", "en": "Register"},
    "stats": {"es": "Estadísticas", "fr": "Statistiques", "en": "Statistics"},
    "logout": {"es": "Cerrar sesión", "fr": "Se déconnecter", "en": "Log out"},
    "login": {"es": "Iniciar sesión", "fr": "Se connecter", "en": "Log in"},
    "username": {"es": "Usuario", "fr": "Utilisateur", "en": "Username"},
    "password": {"es": "Contraseña", "fr": "Mot de passe", "en": "Password"},
    "bad_login": {
        "es": "Usuario o contraseña incorrectos.",
        "fr": "Identifiants incorrects.",
        "en": "Wrong username or password.",
    },
    "filter": {"es": "Filtrar", "fr": "Filtrer", "en": "Filter"},
    "label": {"es": "Derecho", "fr": "Droit", "en": "Right"},
    "language": {"es": "Idioma", "fr": "Langue", "en": "Language"},
    "status": {"es": "Estado", "fr": "Statut", "en": "Status"},
    "deadline": {"es": "Plazo", "fr": "Échéance", "en": "Deadline"},
    "deadline_before": {"es": "Plazo antes de", "fr": "Échéance avant", "en": "Deadline before"},
    "received": {"es": "Recibido", "fr": "Reçu", "en": "Received"},
    "requester": {"es": "Solicitante", "fr": "Demandeur", "en": "Requester"},
    "id_document": {"es": "Doc. identidad", "fr": "Pièce d'identité", "en": "ID document"},
    "any": {"es": "Todos", "fr": "Tous", "en": "Any"},
    "overdue": {"es": "Vencido", "fr": "En retard", "en": "Overdue"},
    "due_soon": {"es": "Vence pronto", "fr": "Échéance proche", "en": "Due soon"},
    "no_cases": {"es": "No hay casos.", "fr": "Aucun dossier.", "en": "No cases."},
    "case": {"es": "Caso", "fr": "Dossier", "en": "Case"},
    "message": {"es": "Mensaje", "fr": "Message", "en": "Message"},
    "evidence": {"es": "Evidencias", "fr": "Indices", "en": "Evidence"},
    "entities": {"es": "Datos del solicitante", "fr": "Données du demandeur", "en": "Requester details"},
    "valid": {"es": "válido", "fr": "valide", "en": "valid"},
    "invalid": {"es": "NO válido", "fr": "NON valide", "en": "NOT valid"},
    "reply": {"es": "Respuesta sugerida", "fr": "Réponse suggérée", "en": "Suggested reply"},
    "citations": {"es": "Fuentes citadas", "fr": "Sources citées", "en": "Cited sources"},
    "placeholders": {"es": "Por completar", "fr": "À compléter", "en": "To complete"},
    "save": {"es": "Guardar", "fr": "Enregistrer", "en": "Save"},
    "approve": {
        "es": "Aprobar (borrador en el buzón)",
        "fr": "Approuver (brouillon)",
        "en": "Approve (draft in mailbox)",
    },
    "extend": {"es": "Prorrogar plazo", "fr": "Prolonger l'échéance", "en": "Extend deadline"},
    "waiting_id": {"es": "Esperando identificación", "fr": "En attente d'identité", "en": "Waiting for ID"},
    "close": {"es": "Cerrar caso", "fr": "Clore le dossier", "en": "Close case"},
    "reopen": {"es": "Reabrir", "fr": "Rouvrir", "en": "Reopen"},
    "approved": {
        "es": "Aprobada: se escribirá como borrador en el buzón.",
        "fr": "Approuvée : brouillon à venir.",
        "en": "Approved: it will be written as a draft in the mailbox.",
    },
    "download_csv": {"es": "Descargar CSV", "fr": "Télécharger CSV", "en": "Download CSV"},
    "per_week": {
        "es": "Solicitudes por derecho y semana",
        "fr": "Demandes par droit et semaine",
        "en": "Requests per right per week",
    },
    "median_response": {
        "es": "Tiempo medio de respuesta (mediana, días)",
        "fr": "Délai de réponse médian (jours)",
        "en": "Median response time (days)",
    },
    "overdue_count": {"es": "Casos vencidos", "fr": "Dossiers en retard", "en": "Overdue cases"},
    "sort": {"es": "Ordenar", "fr": "Trier", "en": "Sort"},
    "by_deadline": {"es": "por plazo", "fr": "par échéance", "en": "by deadline"},
    "by_received": {"es": "por recepción", "fr": "par réception", "en": "by received date"},
    "attachments": {"es": "Adjuntos", "fr": "Pièces jointes", "en": "Attachments"},
    "notes": {"es": "Notas", "fr": "Notes", "en": "Notes"},
    "routing": {"es": "Sugerencia", "fr": "Suggestion", "en": "Suggestion"},
    "yes": {"es": "sí", "fr": "oui", "en": "yes"},
    "no": {"es": "no", "fr": "non", "en": "no"},
    "skip": {"es": "Saltar al contenido", "fr": "Aller au contenu", "en": "Skip to content"},
    "already_extended": {
        "es": "El plazo ya se prorrogó: el RGPD lo permite una vez.",
        "fr": "Le délai a déjà été prolongé : le RGPD ne le permet qu'une fois.",
        "en": "The deadline was already extended: the GDPR allows it once.",
    },
    "reason_required": {
        "es": "Indique el motivo de la prórroga: se comunica al solicitante.",
        "fr": "Indiquez le motif de la prolongation : il est communiqué au demandeur.",
        "en": "Give the reason for the extension: the requester is told it.",
    },
    "placeholders_left": {
        "es": "La respuesta aún tiene [[marcas]] por completar.",
        "fr": "La réponse contient encore des [[repères]] à compléter.",
        "en": "The reply still has [[placeholders]] to complete.",
    },
    "stale_deadline": {
        "es": "La respuesta promete una fecha distinta del plazo del caso. Corrija esta frase: «{sentence}»",
        "fr": "La réponse annonce une date différente de l'échéance du dossier. Corrigez cette phrase : « {sentence} »",
        "en": "The reply promises a date other than the case's deadline. Correct this sentence: “{sentence}”",
    },
    "new_deadline": {"es": "Nuevo plazo", "fr": "Nouvelle échéance", "en": "New deadline"},
    "extension_reason": {
        "es": "Motivo de la prórroga",
        "fr": "Motif de la prolongation",
        "en": "Reason for the extension",
    },
    "confirm_extend": {"es": "Confirmar la prórroga", "fr": "Confirmer la prolongation", "en": "Confirm the extension"},
    "extend_help": {
        "es": "Dos meses más (art. 12.3 RGPD), una sola vez. La respuesta incluirá el aviso con este motivo.",
        "fr": "Deux mois de plus (art. 12.3 RGPD), une seule fois. La réponse inclura l'avis avec ce motif.",
        "en": "Two more months (GDPR Art. 12(3)), once only. The reply will include the notice with this reason.",
    },
    "mailboxes": {"es": "Buzones", "fr": "Boîtes", "en": "Mailboxes"},
}


def current_language() -> str:
    lang = request.args.get("lang")
    if lang in LANGUAGES:
        session["lang"] = lang
        return lang
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    return request.accept_languages.best_match(LANGUAGES) or "es"


def translate(key: str) -> str:
    entry = STRINGS.get(key)
    if entry is None:
        return key
    return entry.get(current_language(), entry["es"])


def init_i18n(app: Flask) -> None:
    app.jinja_env.globals.update(t=translate, current_language=current_language, LANGUAGES=LANGUAGES)
