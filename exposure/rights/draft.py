"""Request letters rendered from text templates.

Templates are ``templates/<language>/<kind>.txt`` (and ``<kind>_plain.txt``, used when no law
applies: it cites no law and says so). The first line is ``Subject: ...``, then a blank line,
then the body. Placeholders are ``{name}``; a draft with a placeholder left unfilled is never
produced (ValidationError), and :func:`unfilled_placeholders` lets callers check an edited
draft again before export or sending.

Values are checked before they go in: a control character (CR, LF, tab, NUL ...) in any
one-line value is refused, so nothing can reach a mail header; only the body-only blocks in
:data:`MULTILINE` may hold line breaks. A value that looks like a placeholder is refused too.

Data minimization: the letter names exactly the ``identifiers`` passed in, nothing else from
the profile (the signature is one of those identifiers).

``extra`` keys used by the templates:
- ``right``: for follow_up and complaint, the right of the original request (default erasure);
- ``original_date`` (ISO date, written out in the letter's language; other text is kept as
  is), ``original_subject``, ``request_id``: follow_up and complaint;
- ``history``: complaint (a multi-line block);
- ``corrections``: correction (what is wrong and what it should be; may be multi-line);
- ``regulator_name``: optional override for follow_up / complaint.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from exposure.core.errors import ValidationError
from exposure.core.models import Profile
from exposure.core.validate import has_control_chars
from exposure.rights import deadlines
from exposure.rights.laws import RIGHTS, Deadline, Regime, Regulator, deadline_for, regulator_for

LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "es")
KINDS: tuple[str, ...] = (
    "erasure",
    "access",
    "opt_out",
    "objection",
    "correction",
    "limit_sensitive",
    "follow_up",
    "complaint",
)
#: Kinds that have a plain variant (no law). A complaint needs a law and a regulator.
PLAIN_KINDS: tuple[str, ...] = tuple(k for k in KINDS if k != "complaint")
#: Values that only ever go into the body and may span lines.
MULTILINE: frozenset[str] = frozenset({"history", "corrections"})

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
#: ``extra`` values given as ISO dates ("2026-01-30", or a full ISO date-time) are written out
#: in the letter's language.
DATE_KEYS: frozenset[str] = frozenset({"original_date"})
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ][0-9:.+\-Z]*)?")
_MAX_VALUE = 500
_MAX_BLOCK = 20_000


@dataclass(frozen=True)
class Draft:
    kind: str
    right: str
    law: str | None  #: regime id, or None for a plain request
    citation: str | None  #: the citation in the letter's language, e.g. "Art. 17 DSGVO"
    language: str
    to: str | None  #: privacy email (or the regulator's, for a complaint) when known
    subject: str
    body: str
    identifiers: tuple[str, ...]  #: exactly what the draft discloses
    deadline: Deadline | None = None  #: the response deadline (None for follow_up / complaint)
    regulator: str | None = None  #: the regulator named in a follow-up or complaint


def unfilled_placeholders(text: str) -> list[str]:
    """Placeholders still in ``text``, in order of first appearance, e.g. ``["{org_name}"]``."""
    seen: list[str] = []
    for match in _PLACEHOLDER.finditer(text):
        token = match.group(0)
        if token not in seen:
            seen.append(token)
    return seen


# --------------------------------------------------------------------------- templates


def template_name(kind: str, plain: bool) -> str:
    return f"{kind}_plain.txt" if plain else f"{kind}.txt"


@cache
def load_template(language: str, kind: str, plain: bool = False) -> tuple[str, str]:
    """(subject, body) of a template; raises ValidationError if it is missing or malformed."""
    if language not in LANGUAGES:
        raise ValidationError(f"unknown language {language!r}", hint="one of " + ", ".join(LANGUAGES))
    name = template_name(kind, plain)
    ref = resources.files("exposure.rights").joinpath("templates", language, name)
    try:
        text = ref.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationError(
            f"no {language} template for {kind}" + (" without a law" if plain else "")
        ) from None
    first, _, rest = text.partition("\n")
    if not first.startswith("Subject: "):
        raise ValidationError(f"template {language}/{name}: the first line must be 'Subject: ...'")
    return first[len("Subject: ") :].strip(), rest.lstrip("\n").rstrip() + "\n"


def template_placeholders(language: str, kind: str, plain: bool = False) -> set[str]:
    subject, body = load_template(language, kind, plain)
    return {m.group(1) for m in _PLACEHOLDER.finditer(subject + "\n" + body)}


# --------------------------------------------------------------------------- words per language

_MONTHS = {
    "en": "January February March April May June July August September October November December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
}


def format_date(day: date, language: str) -> str:
    """A date written out for a letter: "28 November 2026", "28. November 2026", ..."""
    month = _MONTHS.get(language, _MONTHS["en"]).split()[day.month - 1]
    if language == "de":
        return f"{day.day}. {month} {day.year}"
    if language == "es":
        return f"{day.day} de {month} de {day.year}"
    return f"{day.day} {month} {day.year}"


_VERIFY = {
    "en": (
        "If you have reasonable doubts about my identity, ask only for the information needed to resolve "
        "them; the details above should be enough to find my records.",
        "The law does not allow you to make this request depend on verifying my identity.",
        "The details above should be enough to find my records; please do not ask for more than you "
        "need to confirm that this request comes from me.",
    ),
    "de": (
        "Sollten Sie begründete Zweifel an meiner Identität haben, fordern Sie bitte nur die Informationen "
        "an, die zu deren Ausräumung nötig sind; die obigen Angaben sollten genügen, um meine Daten zu finden.",
        "Das Gesetz erlaubt nicht, diesen Antrag von einer Identitätsprüfung abhängig zu machen.",
        "Die obigen Angaben sollten genügen, um meine Daten zu finden; bitte verlangen Sie nicht mehr, als "
        "Sie brauchen, um zu bestätigen, dass dieser Antrag von mir stammt.",
    ),
    "fr": (
        "Si vous avez des doutes raisonnables sur mon identité, ne demandez que les informations nécessaires "
        "pour les lever ; les éléments ci-dessus devraient suffire à retrouver mes données.",
        "La loi ne vous permet pas de subordonner cette demande à une vérification de mon identité.",
        "Les éléments ci-dessus devraient suffire à retrouver mes données ; merci de ne pas demander plus que "
        "ce qui est nécessaire pour confirmer que cette demande vient de moi.",
    ),
    "es": (
        "Si tienen dudas razonables sobre mi identidad, soliciten solo la información necesaria para "
        "resolverlas; los datos anteriores deberían bastar para encontrar mis registros.",
        "La ley no les permite condicionar esta solicitud a la verificación de mi identidad.",
        "Los datos anteriores deberían bastar para encontrar mis registros; les ruego que no pidan más de lo "
        "necesario para confirmar que esta solicitud procede de mí.",
    ),
}

_LABELS = {
    "en": {"name": "Name", "email": "Email address", "phone": "Phone number", "address": "Postal address",
           "username": "Username", "dob": "Date of birth"},
    "de": {"name": "Name", "email": "E-Mail-Adresse", "phone": "Telefonnummer", "address": "Postanschrift",
           "username": "Benutzername", "dob": "Geburtsdatum"},
    "fr": {"name": "Nom", "email": "Adresse e-mail", "phone": "Numéro de téléphone", "address": "Adresse postale",
           "username": "Nom d’utilisateur", "dob": "Date de naissance"},
    "es": {"name": "Nombre", "email": "Correo electrónico", "phone": "Teléfono", "address": "Dirección postal",
           "username": "Nombre de usuario", "dob": "Fecha de nacimiento"},
}  # fmt: skip

_RIGHT_PHRASES = {
    "en": {
        "erasure": "to erase my personal data", "access": "for access to my personal data",
        "opt_out": "to stop selling and sharing my personal data", "objection": "to stop processing my personal data",
        "correction": "to correct my personal data", "limit_sensitive": "to limit the use of my sensitive personal data",
    },
    "de": {
        "erasure": "meine personenbezogenen Daten zu löschen", "access": "mir Auskunft über meine personenbezogenen Daten zu erteilen",
        "opt_out": "den Verkauf und die Weitergabe meiner personenbezogenen Daten einzustellen",
        "objection": "die Verarbeitung meiner personenbezogenen Daten einzustellen",
        "correction": "meine personenbezogenen Daten zu berichtigen",
        "limit_sensitive": "die Nutzung meiner sensiblen personenbezogenen Daten einzuschränken",
    },
    "fr": {
        "erasure": "d’effacer mes données personnelles", "access": "de me donner accès à mes données personnelles",
        "opt_out": "de cesser de vendre et de partager mes données personnelles",
        "objection": "de cesser de traiter mes données personnelles",
        "correction": "de rectifier mes données personnelles",
        "limit_sensitive": "de limiter l’utilisation de mes données personnelles sensibles",
    },
    "es": {
        "erasure": "que suprimiera mis datos personales", "access": "acceso a mis datos personales",
        "opt_out": "que dejara de vender y compartir mis datos personales",
        "objection": "que dejara de tratar mis datos personales",
        "correction": "que rectificara mis datos personales",
        "limit_sensitive": "que limitara el uso de mis datos personales sensibles",
    },
}  # fmt: skip

_COMPLAINT_BASIS = {
    "en": ("I make this complaint under {c}.", "I am protected by the {law}."),
    "de": (
        "Ich reiche diese Beschwerde nach {c} ein.",
        "Ich bin durch das folgende Gesetz geschützt: {law}.",
    ),
    "fr": (
        "Fondement de cette réclamation : {c}.",
        "Je suis protégé(e) par la loi suivante : {law}.",
    ),
    "es": ("Fundamento de esta reclamación: {c}.", "Me ampara la siguiente ley: {law}."),
}

_DEFAULT_REGULATOR = {
    "en": "the competent regulator",
    "de": "die zuständige Aufsichtsbehörde",
    "fr": "l’autorité de contrôle compétente",
    "es": "la autoridad de control competente",
}


# --------------------------------------------------------------------------- checks


def _check_line(value: str, field: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{field}: expected text")
    if has_control_chars(value):
        raise ValidationError(
            f"{field}: control characters (such as line breaks) are not allowed",
            hint="remove them; a line break could inject an email header",
        )
    value = value.strip()
    if len(value) > _MAX_VALUE:
        raise ValidationError(f"{field}: longer than {_MAX_VALUE} characters")
    if _PLACEHOLDER.search(value):
        raise ValidationError(f"{field}: text in curly braces like {{name}} is not allowed")
    return value


def _check_block(value: str, field: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{field}: expected text")
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if any(has_control_chars(ch) for ch in value if ch not in "\n\t"):
        raise ValidationError(f"{field}: control characters are not allowed (line breaks and tabs are)")
    value = value.strip("\n").rstrip()
    if len(value) > _MAX_BLOCK:
        raise ValidationError(f"{field}: longer than {_MAX_BLOCK} characters")
    if _PLACEHOLDER.search(value):
        raise ValidationError(f"{field}: text in curly braces like {{name}} is not allowed")
    return value


def _label(identifier: str, profile: Profile, language: str) -> str | None:
    labels = _LABELS[language]
    if identifier in profile.names:
        return labels["name"]
    if identifier in profile.emails or ("@" in identifier and " " not in identifier):
        return labels["email"]
    if identifier in profile.phones:
        return labels["phone"]
    if identifier in profile.addresses:
        return labels["address"]
    if identifier in profile.usernames:
        return labels["username"]
    if profile.date_of_birth and identifier == profile.date_of_birth:
        return labels["dob"]
    return None


def _signature(identifiers: Sequence[str], profile: Profile) -> str:
    for name in profile.names:
        if name.strip() in identifiers:
            return name.strip()
    for ident in identifiers:
        if "@" in ident:
            return ident
    return identifiers[0]


def _render(template: str, values: Mapping[str, str], where: str) -> str:
    missing: list[str] = []

    def fill(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        if value is None:
            if match.group(0) not in missing:
                missing.append(match.group(0))
            return match.group(0)
        return value

    text = _PLACEHOLDER.sub(fill, template)
    if missing:
        keys = ", ".join(m.strip("{}") for m in missing)
        raise ValidationError(
            f"{where}: unfilled placeholder(s) {', '.join(missing)}", hint=f"pass {keys} (in extra)"
        )
    return text


# --------------------------------------------------------------------------- drafting


def draft(
    kind: str,
    *,
    profile: Profile,
    org: Mapping[str, Any],
    regime: Regime | None,
    language: str,
    identifiers: Sequence[str],
    extra: Mapping[str, str] | None = None,
    today: date | None = None,
) -> Draft:
    """Render a request (or a follow-up / complaint) letter; see the module docstring."""
    if kind not in KINDS:
        raise ValidationError(f"unknown request kind {kind!r}", hint="one of " + ", ".join(KINDS))
    if language not in LANGUAGES:
        raise ValidationError(f"unknown language {language!r}", hint="one of " + ", ".join(LANGUAGES))
    extra = dict(extra or {})
    right = kind if kind in RIGHTS else str(extra.get("right") or "erasure")
    if right not in RIGHTS:
        raise ValidationError(f"unknown right {right!r}", hint="one of " + ", ".join(RIGHTS))
    if regime is not None and right not in regime.rights:
        raise ValidationError(
            f"{regime.short} gives no {right} right", hint="it gives: " + ", ".join(regime.rights)
        )
    if kind == "complaint" and regime is None:
        raise ValidationError("a complaint needs a law and its regulator; no law applies to this request")

    org_name = _check_line(str(org.get("name") or ""), "organization name")
    if not org_name:
        raise ValidationError("organization name: must not be empty")
    idents: list[str] = []
    for i, raw in enumerate(identifiers, 1):
        value = _check_line(raw, f"identifier {i}")
        if value and value not in idents:
            idents.append(value)
    if not idents:
        raise ValidationError("a request must name at least one identifier (an email address, a name ...)")

    values: dict[str, str] = {}
    for key, raw in extra.items():
        if not _PLACEHOLDER.fullmatch("{" + str(key) + "}"):
            raise ValidationError(f"extra: {key!r} is not a valid placeholder name")
        value = _check_block(raw, key) if key in MULTILINE else _check_line(raw, key)
        if value:  # an empty value counts as missing: "On  I sent you" is never written
            values[key] = value
    for key in DATE_KEYS:
        if key in values and _ISO_DATE.fullmatch(values[key]):
            try:
                values[key] = format_date(date.fromisoformat(values[key][:10]), language)
            except ValueError:
                raise ValidationError(f"{key}: {values[key]!r} is not a valid date") from None

    labels = [_label(v, profile, language) for v in idents]
    colon = " : " if language == "fr" else ": "
    block = "\n".join(
        f"- {lab}{colon}{v}" if lab else f"- {v}" for lab, v in zip(labels, idents, strict=True)
    )
    domains = [d for d in (org.get("domains") or []) if isinstance(d, str)]
    org_ref = org_name
    if domains:
        domain = _check_line(domains[0], "organization domain")
        if domain and domain.lower() not in org_name.lower():
            org_ref = f"{org_name} ({domain})"

    rule = regime.rights[right] if regime else None
    deadline = deadline_for(regime, right)
    regulator: Regulator | None = None
    if regime is not None:
        regulator = regulator_for(regime, profile.country, profile.region, org_country=org.get("country"))
    regulator_name = values.get("regulator_name") or (
        regulator.name if regulator else _DEFAULT_REGULATOR[language]
    )
    verify_text = _VERIFY[language][2 if rule is None else (0 if rule.verification else 1)]
    basis_c, basis_law = _COMPLAINT_BASIS[language]

    values.update(
        org_name=org_name,
        org_ref=org_ref,
        user_name=_signature(idents, profile),
        today=format_date(today or date.today(), language),
        identifiers_block=block,
        verification_text=verify_text,
        deadline_text=deadlines.describe(deadline, language),
        right_phrase=_RIGHT_PHRASES[language][right],
        regulator_name=regulator_name,
    )
    citation: str | None = None
    if regime is not None and rule is not None:
        citation = regime.localize(rule.citation, language)
        values.update(
            citation=citation,
            law_name=regime.name_in(language),
            law_short=regime.short_in(language),
            deadline_citation=regime.localize(rule.deadline.citation, language) or citation,
            complaint_basis=(
                basis_c.format(c=regime.localize(regime.complaint_citation, language))
                if regime.complaint_citation
                else basis_law.format(law=regime.name_in(language))
            ),
        )

    subject_t, body_t = load_template(language, kind, plain=regime is None)
    where = f"{language}/{template_name(kind, regime is None)}"
    subject = _render(subject_t, values, where)
    body = _render(body_t, values, where)
    left = unfilled_placeholders(subject + "\n" + body)
    if left or "\n" in subject or "\r" in subject:  # defence in depth: values were checked above
        raise ValidationError(f"{where}: the draft is incomplete ({', '.join(left) or 'bad subject'})")
    to: str | None
    if kind == "complaint":
        to = regulator.email if regulator else None
    else:
        to = _check_line(str(org.get("privacy_email") or ""), "privacy email") or None
    return Draft(
        kind=kind,
        right=right,
        law=regime.id if regime else None,
        citation=citation,
        language=language,
        to=to,
        subject=subject,
        body=body,
        identifiers=tuple(idents),
        deadline=deadline if kind in RIGHTS else None,
        regulator=regulator_name if kind in ("follow_up", "complaint") and regime else None,
    )
