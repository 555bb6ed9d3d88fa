"""A web-form checklist: the form's URL, the values to paste (one by one), and the steps."""

from __future__ import annotations

from typing import Any

from exposure.core.errors import ValidationError
from exposure.rights.channels import Outgoing, check_outgoing

_HEAD = {
    "en": ("Open", "Paste these values", "Then", "Keep the confirmation (screenshot or email), then run"),
    "de": (
        "Öffnen",
        "Diese Werte einfügen",
        "Danach",
        "Bestätigung aufbewahren (Bildschirmfoto oder E-Mail), dann",
    ),
    "fr": (
        "Ouvrir",
        "Coller ces valeurs",
        "Ensuite",
        "Gardez la confirmation (capture ou e-mail), puis lancez",
    ),
    "es": ("Abrir", "Pegue estos valores", "Después", "Guarde la confirmación (captura o correo) y ejecute"),
}

_LABELS = {
    "en": {"name": "Name", "email": "Email", "phone": "Phone", "address": "Postal address",
           "username": "Username", "profile_url": "Profile URL", "date_of_birth": "Date of birth",
           "identifier": "Identifier", "request": "Request", "subject": "Subject", "message": "Message"},
    "de": {"name": "Name", "email": "E-Mail", "phone": "Telefon", "address": "Postanschrift",
           "username": "Benutzername", "profile_url": "Profil-URL", "date_of_birth": "Geburtsdatum",
           "identifier": "Kennung", "request": "Anliegen", "subject": "Betreff", "message": "Nachricht"},
    "fr": {"name": "Nom", "email": "E-mail", "phone": "Téléphone", "address": "Adresse postale",
           "username": "Nom d'utilisateur", "profile_url": "URL du profil", "date_of_birth": "Date de naissance",
           "identifier": "Identifiant", "request": "Demande", "subject": "Objet", "message": "Message"},
    "es": {"name": "Nombre", "email": "Correo electrónico", "phone": "Teléfono", "address": "Dirección postal",
           "username": "Nombre de usuario", "profile_url": "URL del perfil", "date_of_birth": "Fecha de nacimiento",
           "identifier": "Identificador", "request": "Solicitud", "subject": "Asunto", "message": "Mensaje"},
}  # fmt: skip


def field_label(kind: str, language: str) -> str:
    """The label of a web-form value in the letter's language (``kind`` as in identifiers)."""
    labels = _LABELS.get(language, _LABELS["en"])
    return labels.get(kind) or _LABELS["en"].get(kind) or kind.replace("_", " ").capitalize()


def checklist(out: Outgoing) -> dict[str, Any]:
    """``{"url", "fields": [{"label", "value"}], "steps": [...]}``; the message is the last field."""
    check_outgoing(out)
    if not out.url:
        raise ValidationError(
            f"request {out.request_id}: no web form is known for {out.to_name or 'this organization'}"
        )
    fields = [{"label": label, "value": value} for label, value in out.fields]
    fields.append({"label": field_label("subject", out.language), "value": out.subject})
    fields.append({"label": field_label("message", out.language), "value": out.body.strip()})
    return {"url": out.url, "fields": fields, "steps": list(out.steps)}


def checklist_text(out: Outgoing) -> str:
    """The checklist as text to print or follow on screen."""
    data = checklist(out)
    open_, paste, then, keep = _HEAD.get(out.language, _HEAD["en"])
    lines = [f"{out.to_name or ''}".strip(), "", f"1. {open_}: {data['url']}", f"2. {paste}:"]
    for item in data["fields"]:
        value = str(item["value"])
        if "\n" in value:
            lines.append(f"   - {item['label']}:")
            lines += [f"       {line}" for line in value.splitlines()]
        else:
            lines.append(f"   - {item['label']}: {value}")
    number = 3
    if data["steps"]:
        lines.append(f"{number}. {then}:")
        lines += [f"   - {step}" for step in data["steps"]]
        number += 1
    lines.append(f"{number}. {keep} `exposure request mark {out.request_id} sent`")
    return "\n".join(lines).strip() + "\n"
