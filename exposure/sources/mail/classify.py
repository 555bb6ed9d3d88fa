"""What a message says about the organization that sent it, and who is a person.

Kinds, strongest first:

- ``account``: welcome, verify / confirm your address, password reset, security alert, sign-in
  codes: you have an account there.
- ``purchase``: order, receipt, invoice, shipping, booking, subscription renewal.
- ``sent``: you wrote to them (mail you sent to their domain).
- ``marketing``: a newsletter (``List-Unsubscribe``, ``List-Id``, ``Precedence: bulk``, Gmail's
  Promotions category): they have your address, perhaps from a list they bought.
- ``other``: other mail from them.
- ``spam``: mail filed as spam is not evidence of anything.

Free-mail providers and the user's own addresses are people, not organizations.
"""

from __future__ import annotations

import re

ACCOUNT = 1
PURCHASE = 2
MARKETING = 4
SENT = 8
SPAM = 16
OTHER = 32

KIND_NAMES: dict[int, str] = {
    ACCOUNT: "account",
    PURCHASE: "purchase",
    SENT: "sent",
    MARKETING: "marketing",
    OTHER: "other",
    SPAM: "spam",
}

#: Confidence that the organization holds the user's data, by the strongest kind seen.
CONFIDENCE: dict[int, float] = {
    ACCOUNT: 0.95,
    PURCHASE: 0.9,
    SENT: 0.8,
    OTHER: 0.7,
    MARKETING: 0.6,
    SPAM: 0.2,
}

ACCOUNT_WORDS = re.compile(
    rb"\b(?:welcome|verif|confirm (?:your|the) (?:e-?mail|address|account|registration)|activate|activation"
    rb"|password|passcode|security (?:alert|code|notice)|sign[- ]?in|log[- ]?in|new device"
    rb"|two[- ]factor|2fa|one[- ]time code|verification code|account (?:created|update|recovery)"
    rb"|your account|reset your|registration"
    # de, fr, es, it, nl
    rb"|willkommen|passwort|konto|anmeld|bienvenue|mot de passe|votre compte|connexion"
    rb"|bienvenid|contrase\xc3\xb1a|tu cuenta|benvenut|il tuo account|welkom|wachtwoord)"
)
PURCHASE_WORDS = re.compile(
    rb"\b(?:order|receipt|invoice|purchase|payment|paid|shipped|shipping|dispatched|delivery|delivered"
    rb"|your booking|booking confirm|reservation|itinerary|e-?ticket|subscription|renewal|refund|billing"
    rb"|statement|trial"
    rb"|bestellung|rechnung|zahlung|lieferung|versand|commande|facture|paiement|livraison"
    rb"|pedido|factura|pago|env\xc3\xado|ordine|fattura|bestelling|factuur)"
)
#: Either list, in one search (most subjects match neither: one pass instead of two).
KIND_WORDS = re.compile(
    b"(?P<account>" + ACCOUNT_WORDS.pattern + b")|(?P<purchase>" + PURCHASE_WORDS.pattern + b")"
)
_ACCOUNT_LOCAL = re.compile(r"account|security|verify|password|signin|login|auth|welcome")
_PURCHASE_LOCAL = re.compile(r"order|receipt|invoice|billing|shop|store|payment|booking|reservation")

_SENT_LABELS = frozenset({"sent", "gesendet", "envoyés", "enviados", "inviati", "verzonden", "sent mail"})
_SPAM_LABELS = frozenset({"spam", "junk"})
_PROMO_LABELS = frozenset({"category promotions", "promotions"})


def classify_local(local: str) -> int:
    """Kinds shown by the sender's local part (``orders@``, ``security@``), lower case."""
    kinds = 0
    if _ACCOUNT_LOCAL.search(local):
        kinds |= ACCOUNT
    if _PURCHASE_LOCAL.search(local):
        kinds |= PURCHASE
    return kinds


def classify_labels(labels: tuple[str, ...]) -> int:
    """Kinds shown by Gmail labels: Promotions is marketing, Spam and Trash are spam."""
    kinds = 0
    lowered = {label.lower() for label in labels}
    if lowered & _PROMO_LABELS:
        kinds |= MARKETING
    if lowered & _SPAM_LABELS:
        kinds |= SPAM
    return kinds


def classify(subject: bytes, local: str, *, bulk: bool, labels: tuple[str, ...] = ()) -> int:
    """The kinds (bit flags) one received message shows. ``subject`` is UTF-8 bytes."""
    low = subject.lower()
    kinds = classify_local(local) | classify_labels(labels)
    if ACCOUNT_WORDS.search(low):
        kinds |= ACCOUNT
    if PURCHASE_WORDS.search(low):
        kinds |= PURCHASE
    if bulk:
        kinds |= MARKETING
    if kinds & SPAM:
        return SPAM  # spam proves nothing, whatever it claims to be
    return kinds or OTHER


def is_sent_label(labels: tuple[str, ...]) -> bool:
    return any(label.lower() in _SENT_LABELS for label in labels)


def kind_names(kinds: int) -> list[str]:
    return [name for bit, name in KIND_NAMES.items() if kinds & bit]


def confidence(kinds: int) -> float:
    """Confidence from the kinds seen; mail that is only spam counts for little."""
    real = kinds & ~SPAM
    if not real:
        return CONFIDENCE[SPAM]
    return max(value for bit, value in CONFIDENCE.items() if real & bit)


#: Registrable domains of free-mail providers: their users are people, not organizations.
FREEMAIL: frozenset[str] = frozenset(
    """
    gmail.com googlemail.com outlook.com outlook.de outlook.fr outlook.es outlook.it outlook.jp
    hotmail.com hotmail.co.uk hotmail.fr hotmail.de hotmail.it hotmail.es hotmail.nl hotmail.be
    hotmail.ca hotmail.com.au hotmail.com.br hotmail.co.jp live.com live.co.uk live.fr live.de live.it
    live.nl live.ca live.com.au live.be msn.com windowslive.com passport.com
    yahoo.com yahoo.co.uk yahoo.fr yahoo.de yahoo.it yahoo.es yahoo.ca yahoo.com.au yahoo.co.jp
    yahoo.com.br yahoo.co.in yahoo.in yahoo.com.mx yahoo.com.ar yahoo.gr yahoo.ie yahoo.se yahoo.dk
    yahoo.no yahoo.pl ymail.com rocketmail.com
    icloud.com me.com mac.com aol.com aol.co.uk aol.de aol.fr aim.com
    gmx.de gmx.net gmx.com gmx.at gmx.ch gmx.fr gmx.co.uk gmx.us web.de t-online.de freenet.de
    arcor.de posteo.de posteo.net mailbox.org
    proton.me protonmail.com protonmail.ch pm.me tutanota.com tutanota.de tuta.io tuta.com
    mail.ru inbox.ru list.ru bk.ru yandex.ru yandex.com yandex.ua yandex.by yandex.kz ya.ru rambler.ru
    zoho.com zohomail.com fastmail.com fastmail.fm hey.com mail.com email.com usa.com inbox.com
    orange.fr wanadoo.fr free.fr laposte.net sfr.fr neuf.fr bbox.fr
    libero.it virgilio.it tiscali.it alice.it tin.it
    seznam.cz wp.pl o2.pl interia.pl onet.pl op.pl
    btinternet.com sky.com virginmedia.com talktalk.net ntlworld.com
    comcast.net verizon.net att.net sbcglobal.net bellsouth.net cox.net charter.net earthlink.net
    shaw.ca rogers.com sympatico.ca bigpond.com optusnet.com.au
    qq.com 163.com 126.com sina.com sohu.com naver.com daum.net hanmail.net
    rediffmail.com uol.com.br bol.com.br terra.com.br ig.com.br
    disroot.org riseup.net gmx.es
    """.split()
)

#: Providers with one registrable domain per country (yahoo.*, hotmail.* ...): the first label.
FREEMAIL_LABELS: frozenset[str] = frozenset({"hotmail", "yahoo", "gmx", "outlook", "yandex", "live"})


def is_freemail(domain: str) -> bool:
    if domain in FREEMAIL:
        return True
    return domain.split(".", 1)[0] in FREEMAIL_LABELS
