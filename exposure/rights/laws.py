"""Privacy laws as data: who is covered, which rights, what to cite, deadlines, regulators.

Every number and citation lives in the tables below, so a correction is one edit. The facts come
from ``shared/reference/laws.md`` (which cites its sources, repeated in each regime's
``sources``). Where that file is silent or marks a fact unconfirmed, the entry says so in a
``note`` ("[U]" = unconfirmed: a default the user can override).

Regulators: laws.md names the regulator of each regime (ICO, CPPA, the state attorneys general,
OPC, CAI, ANPD; "DPA (Art. 77)" for the GDPR). Which authority that is in each EU/EEA state and
German Land, and every authority's website, are general public knowledge, written here in the
project's own words; each entry says which (``Regulator.source``). The table deliberately holds
no email or postal addresses: those come at run time from the catalog the user imported (see
``exposure.services.regulators.regulator_contact``), so they stay as fresh as that catalog.

Nothing here is legal advice; the drafts say which law they rely on so the user can check.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from exposure.core.errors import ValidationError

RIGHTS: tuple[str, ...] = ("erasure", "access", "opt_out", "objection", "correction", "limit_sensitive")

RIGHT_LABELS: dict[str, str] = {
    "erasure": "Erasure (deletion)",
    "access": "Access (a copy of your data)",
    "opt_out": "Opt out of sale / sharing / targeted ads",
    "objection": "Objection to processing",
    "correction": "Correction",
    "limit_sensitive": "Limit use of sensitive data",
}


@dataclass(frozen=True)
class Deadline:
    """How long an organization has to answer.

    ``months`` is used when the law says "one month" (``days`` is then 0): the due date is the
    same day number in the following month (see :func:`exposure.rights.deadlines.add_months`).
    ``extension_months`` likewise for "two further months". ``holidays`` names a public-holiday
    calendar skipped when counting business days ("US": federal holidays), or None.
    """

    days: int
    business: bool
    extension_days: int
    extension_business: bool
    note: str
    months: int = 0
    extension_months: int = 0
    citation: str = ""  #: where the deadline comes from, e.g. "Art. 12(3) GDPR"
    holidays: str | None = None

    @property
    def extendable(self) -> bool:
        return bool(self.extension_days or self.extension_months)


@dataclass(frozen=True)
class RightRule:
    """One right under one law."""

    right: str
    citation: str  #: e.g. "Art. 17 GDPR", "Cal. Civ. Code § 1798.105"
    deadline: Deadline
    verification: bool = True  #: may the organization ask the requester to verify identity?
    note: str = ""  #: limits of the right, or what laws.md does not confirm
    confirm: Deadline | None = None  #: deadline to acknowledge receipt, when the law sets one


@dataclass(frozen=True)
class Regulator:
    name: str
    country: str | None  #: ISO code, or region code like "US-CA" / "DE-BY"
    url: str | None
    complaint_url: str | None
    email: str | None
    postal: str | None  #: postal address, lines separated by "\n"
    note: str = ""
    language: str | None = None  #: language complaints are handled in, when known
    #: Where this entry comes from: "laws.md" or "public knowledge"; an entry enriched from the
    #: catalog adds where its contacts came from.
    source: str = ""


@dataclass(frozen=True, eq=False)  # one object per law: compared and hashed by identity
class Regime:
    id: str
    name: str
    short: str
    scope: tuple[str, ...]  #: residents covered: country codes and/or region codes ("US-CA")
    rights: dict[str, RightRule]
    verification: str
    agent_rules: str
    regulators: tuple[Regulator, ...]
    strength: int  #: higher = stronger; the default is the strongest applicable regime
    sources: tuple[str, ...]
    #: Organizations established here are covered whatever the user's residence
    #: (e.g. GDPR Art. 3(1)). Empty for laws that protect residents only.
    org_scope: tuple[str, ...] = ()
    in_force: date | None = None
    notes: tuple[str, ...] = ()
    complaint_citation: str = ""  #: the provision giving a right to complain, when there is one
    names: dict[str, str] = field(default_factory=dict)  #: the law's name per language
    local_short: dict[str, str] = field(default_factory=dict)  #: abbreviation per language
    #: per language, (English, local) replacements that turn a citation into the local usage,
    #: e.g. {"de": (("GDPR", "DSGVO"),)}: "Art. 17 GDPR" -> "Art. 17 DSGVO".
    local_terms: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    def name_in(self, language: str) -> str:
        return self.names.get(language, self.name)

    def short_in(self, language: str) -> str:
        return self.local_short.get(language, self.short)

    def cite(self, right: str, language: str = "en") -> str:
        """The citation for ``right`` in ``language`` (e.g. "Art. 17 DSGVO" in German)."""
        return self.localize(self.rights[right].citation, language)

    def localize(self, citation: str, language: str) -> str:
        for english, local in self.local_terms.get(language, ()):
            # Only at the start of a word, so "s. " does not match inside "arts. ".
            citation = re.sub(r"(?<![A-Za-z])" + re.escape(english), local, citation)
        return citation


# --------------------------------------------------------------------------- GDPR regulators

EU_COUNTRIES: tuple[str, ...] = (
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
)  # fmt: skip
#: EEA states outside the EU where the GDPR applies through the EEA Agreement.
EEA_EXTRA: tuple[str, ...] = ("IS", "LI", "NO")

#: Provenance of a regulator entry (``Regulator.source``). Only names, codes, websites and a few
#: complaint pages are kept here; email and postal contacts come at run time from the imported
#: catalog (see ``exposure.services.regulators.regulator_contact``).
LAWS_MD = "laws.md"  #: the regulator is named in shared/reference/laws.md; website from public knowledge
PUBLIC = "public knowledge"  #: name and website from general public knowledge (not in laws.md)
#: Where the regulator entries come from, for a regime's ``sources``.
_REGULATOR_SOURCES = "Regulators: named in laws.md or from public knowledge; websites from public knowledge"


def _reg(
    name: str,
    country: str,
    url: str | None,
    *,
    complaint_url: str | None = None,
    note: str = "",
    language: str | None = None,
    source: str = PUBLIC,
) -> Regulator:
    """A regulator known by name and website only; contacts are looked up in the catalog."""
    return Regulator(name, country, url, complaint_url, None, None, note, language, source)


#: One supervisory authority per EU/EEA state (Art. 51 GDPR), plus the German Länder. laws.md
#: only says "DPA (Art. 77)"; which authority that is in each state is public knowledge.
GDPR_REGULATORS: tuple[Regulator, ...] = (
    _reg("Datenschutzbehörde (DSB), Austria", "AT", "https://www.dsb.gv.at/", language="de"),
    _reg("Data Protection Authority of Belgium (APD / GBA)", "BE", "https://www.dataprotectionauthority.be/",
         note="Handles complaints in Dutch, French or German."),
    _reg("Commission for Personal Data Protection (CPDP), Bulgaria", "BG", "https://www.cpdp.bg/", language="bg"),
    _reg("Personal Data Protection Agency (AZOP), Croatia", "HR", "https://azop.hr/", language="hr"),
    _reg("Commissioner for Personal Data Protection, Cyprus", "CY", "https://www.dataprotection.gov.cy/",
         language="el"),
    _reg("Office for Personal Data Protection (ÚOOÚ), Czech Republic", "CZ", "https://www.uoou.cz/", language="cs"),
    _reg("Datatilsynet, Denmark", "DK", "https://www.datatilsynet.dk/", language="da"),
    _reg("Data Protection Inspectorate (AKI), Estonia", "EE", "https://www.aki.ee/", language="et"),
    _reg("Data Protection Ombudsman (Tietosuojavaltuutettu), Finland", "FI", "https://tietosuoja.fi/",
         language="fi"),
    _reg("Commission nationale de l'informatique et des libertés (CNIL)", "FR", "https://www.cnil.fr/",
         complaint_url="https://www.cnil.fr/fr/plaintes",
         note="Complaints are filed online on the CNIL's complaint pages, or by post.", language="fr"),
    # Germany: companies are supervised by the data-protection authority of the Land where they
    # are based, and anyone may complain to the authority of the Land they live in (Art. 77(1)).
    # The federal BfDI covers telecom and postal companies and is the fallback when the Land is
    # unknown; it passes complaints on to the competent Land authority.
    _reg("Bundesbeauftragte für den Datenschutz und die Informationsfreiheit (BfDI)", "DE",
         "https://www.bfdi.bund.de/",
         note="Federal authority: telecom and postal companies; fallback when your Land is unknown "
         "(other complaints are passed on to the Land authority).", language="de"),
    _reg("Landesbeauftragter für den Datenschutz und die Informationsfreiheit Baden-Württemberg (LfDI BW)",
         "DE-BW", "https://www.baden-wuerttemberg.datenschutz.de/", language="de"),
    _reg("Bayerisches Landesamt für Datenschutzaufsicht (BayLDA)", "DE-BY", "https://www.lda.bayern.de/",
         note="Private sector in Bavaria; Bavarian public bodies are supervised by the Bayerischer "
         "Landesbeauftragter für den Datenschutz.", language="de"),
    _reg("Berliner Beauftragte für Datenschutz und Informationsfreiheit", "DE-BE",
         "https://www.datenschutz-berlin.de/", language="de"),
    _reg("Landesbeauftragte für den Datenschutz und für das Recht auf Akteneinsicht Brandenburg (LDA)", "DE-BB",
         "https://www.lda.brandenburg.de/", language="de"),
    _reg("Landesbeauftragte für Datenschutz und Informationsfreiheit der Freien Hansestadt Bremen", "DE-HB",
         "https://www.datenschutz.bremen.de/", language="de"),
    _reg("Hamburgischer Beauftragter für Datenschutz und Informationsfreiheit (HmbBfDI)", "DE-HH",
         "https://datenschutz-hamburg.de/", language="de"),
    _reg("Hessischer Beauftragter für Datenschutz und Informationsfreiheit (HBDI)", "DE-HE",
         "https://datenschutz.hessen.de/", language="de"),
    _reg("Landesbeauftragter für Datenschutz und Informationsfreiheit Mecklenburg-Vorpommern", "DE-MV",
         "https://www.datenschutz-mv.de/", language="de"),
    _reg("Landesbeauftragter für den Datenschutz Niedersachsen (LfD)", "DE-NI", "https://lfd.niedersachsen.de/",
         language="de"),
    _reg("Landesbeauftragte für Datenschutz und Informationsfreiheit Nordrhein-Westfalen (LDI NRW)", "DE-NW",
         "https://www.ldi.nrw.de/", language="de"),
    _reg("Landesbeauftragter für den Datenschutz und die Informationsfreiheit Rheinland-Pfalz", "DE-RP",
         "https://www.datenschutz.rlp.de/", language="de"),
    _reg("Unabhängiges Datenschutzzentrum Saarland", "DE-SL", "https://www.datenschutz.saarland.de/",
         language="de"),
    _reg("Sächsische Datenschutz- und Transparenzbeauftragte", "DE-SN", "https://www.datenschutz.sachsen.de/",
         language="de"),
    _reg("Landesbeauftragter für den Datenschutz Sachsen-Anhalt", "DE-ST", "https://datenschutz.sachsen-anhalt.de/",
         language="de"),
    _reg("Unabhängiges Landeszentrum für Datenschutz Schleswig-Holstein (ULD)", "DE-SH",
         "https://www.datenschutzzentrum.de/", language="de"),
    _reg("Thüringer Landesbeauftragter für den Datenschutz und die Informationsfreiheit (TLfDI)", "DE-TH",
         "https://www.tlfdi.de/", language="de"),
    _reg("Hellenic Data Protection Authority (HDPA)", "GR", "https://www.dpa.gr/", language="el"),
    _reg("Nemzeti Adatvédelmi és Információszabadság Hatóság (NAIH), Hungary", "HU", "https://naih.hu/",
         language="hu"),
    _reg("Data Protection Commission (DPC), Ireland", "IE", "https://www.dataprotection.ie/",
         note="Lead authority for the many large technology companies with their EU base in Ireland.",
         language="en"),
    _reg("Garante per la protezione dei dati personali, Italy", "IT", "https://www.garanteprivacy.it/",
         language="it"),
    _reg("Data State Inspectorate (DVI), Latvia", "LV", "https://www.dvi.gov.lv/", language="lv"),
    _reg("State Data Protection Inspectorate (VDAI), Lithuania", "LT", "https://vdai.lrv.lt/", language="lt"),
    _reg("Commission nationale pour la protection des données (CNPD), Luxembourg", "LU",
         "https://cnpd.public.lu/"),
    _reg("Information and Data Protection Commissioner (IDPC), Malta", "MT", "https://idpc.org.mt/",
         language="en"),
    _reg("Autoriteit Persoonsgegevens (AP), Netherlands", "NL", "https://autoriteitpersoonsgegevens.nl/",
         language="nl"),
    _reg("Urząd Ochrony Danych Osobowych (UODO), Poland", "PL", "https://uodo.gov.pl/", language="pl"),
    _reg("Comissão Nacional de Proteção de Dados (CNPD), Portugal", "PT", "https://www.cnpd.pt/", language="pt"),
    _reg("National Supervisory Authority for Personal Data Processing (ANSPDCP), Romania", "RO",
         "https://www.dataprotection.ro/", language="ro"),
    _reg("Office for Personal Data Protection of the Slovak Republic", "SK", "https://dataprotection.gov.sk/",
         language="sk"),
    _reg("Information Commissioner (Informacijski pooblaščenec), Slovenia", "SI", "https://www.ip-rs.si/",
         language="sl"),
    _reg("Agencia Española de Protección de Datos (AEPD)", "ES", "https://www.aepd.es/",
         note="Complaints go through the AEPD's electronic office (sede electrónica) or by post.", language="es"),
    _reg("Integritetsskyddsmyndigheten (IMY), Sweden", "SE", "https://www.imy.se/", language="sv"),
    _reg("Persónuvernd (Data Protection Authority), Iceland", "IS", "https://www.personuvernd.is/", language="is"),
    _reg("Datenschutzstelle (DSS), Liechtenstein", "LI", "https://www.datenschutzstelle.li/", language="de"),
    _reg("Datatilsynet, Norway", "NO", "https://www.datatilsynet.no/", language="no"),
)  # fmt: skip

# --------------------------------------------------------------------------- deadlines

_GDPR_MONTH = Deadline(
    0, False, 0, False,
    "one month from receipt (Art. 12(3)); extendable by two further months for complex or numerous "
    "requests, if the organization says so, with reasons, within the first month",
    months=1, extension_months=2, citation="Art. 12(3) GDPR",
)  # fmt: skip
_UK_MONTH = Deadline(
    0, False, 0, False,
    "one month (Art. 12A, as amended by the Data (Use and Access) Act 2025); extendable by two further "
    "months; the clock stops while the organization waits for identity or clarification it asked for",
    months=1, extension_months=2, citation="Art. 12A UK GDPR",
)  # fmt: skip
_CCPA_45 = Deadline(
    45, False, 45, False,
    "45 calendar days, extendable once by 45 more with notice (confirmation of receipt within 10 business days)",
    citation="Cal. Civ. Code § 1798.130(a)(2); 11 CCR § 7021",
)  # fmt: skip
_CCPA_CONFIRM = Deadline(
    10, True, 0, False, "confirm receipt within 10 business days", citation="11 CCR § 7021", holidays="US"
)
_CCPA_OPT_OUT = Deadline(
    15, True, 0, False,
    "15 business days to act on an opt-out or limit request (section of the regulations [U])",
    citation="CCPA regulations (11 CCR)", holidays="US",
)  # fmt: skip


def _state_deadline(citation: str, days: int = 45, extension: int = 45, note: str = "") -> Deadline:
    text = f"{days} days" + (
        f", extendable by {extension} more when reasonably necessary" if extension else ""
    )
    return Deadline(days, False, extension, False, text + (f"; {note}" if note else ""), citation=citation)


# --------------------------------------------------------------------------- regimes

_EN = "en"


def _gdpr() -> Regime:
    d = _GDPR_MONTH
    rights = {
        "erasure": RightRule("erasure", "Art. 17 GDPR", d),
        "access": RightRule("access", "Art. 15 GDPR", d),
        "objection": RightRule(
            "objection", "Art. 21 GDPR", d, note="Objection to direct marketing always wins (Art. 21(3))."
        ),
        "opt_out": RightRule(
            "opt_out",
            "Art. 21(2)-(3) GDPR",
            d,
            note="The GDPR has no 'opt-out of sale' as such: this is the objection to processing for "
            "direct marketing, which the organization must always honour (Art. 21(3)).",
        ),  # fmt: skip
        "correction": RightRule(
            "correction", "Art. 16 GDPR", d, note="Art. 16 (rectification): not in laws.md."
        ),
    }
    return Regime(
        id="gdpr",
        name="EU General Data Protection Regulation",
        short="GDPR",
        scope=EU_COUNTRIES + EEA_EXTRA,
        rights=rights,
        verification="Only where there is reasonable doubt about the requester's identity, and only the "
        "information needed to resolve it (Art. 12(6)).",
        agent_rules="Requests through a representative are accepted in practice [U]; sending from the "
        "user's own mailbox avoids the question.",
        regulators=GDPR_REGULATORS,
        strength=100,
        sources=("https://eulaw.online/l/reg-679-2016/article/12?lang=en", _REGULATOR_SOURCES),
        org_scope=EU_COUNTRIES + EEA_EXTRA,
        in_force=date(2018, 5, 25),
        notes=(
            "Residents of the EU and EEA (Iceland, Liechtenstein, Norway) are covered.",
            "Organizations established in the EU/EEA are covered whatever the requester's residence "
            "(Art. 3(1)); laws.md does not state this [U].",
            "Complaint to the supervisory authority of the member state of residence, work or the "
            "alleged infringement (Art. 77).",
        ),
        complaint_citation="Art. 77 GDPR",
        names={
            "de": "Datenschutz-Grundverordnung",
            "fr": "Règlement général sur la protection des données",
            "es": "Reglamento General de Protección de Datos",
        },
        local_short={"de": "DSGVO", "fr": "RGPD", "es": "RGPD"},
        local_terms={
            "de": (("GDPR", "DSGVO"),),
            "fr": (("Art.", "art."), ("GDPR", "RGPD")),
            "es": (("Art.", "art."), ("GDPR", "RGPD")),
        },
    )


def _uk_gdpr() -> Regime:
    d = _UK_MONTH
    rights = {
        "erasure": RightRule("erasure", "Art. 17 UK GDPR", d),
        "access": RightRule(
            "access",
            "Art. 15 UK GDPR",
            d,
            note="The organization must make a reasonable and proportionate search (Art. 15(1A)).",
        ),  # fmt: skip
        "objection": RightRule(
            "objection", "Art. 21 UK GDPR", d, note="Direct marketing: always wins (Art. 21(3))."
        ),
        "opt_out": RightRule(
            "opt_out",
            "Art. 21(2)-(3) UK GDPR",
            d,
            note="Objection to direct marketing (no 'sale' opt-out as such).",
        ),
        "correction": RightRule("correction", "Art. 16 UK GDPR", d, note="Art. 16: not in laws.md."),
    }
    return Regime(
        id="uk_gdpr",
        name="UK General Data Protection Regulation",
        short="UK GDPR",
        scope=("GB",),
        rights=rights,
        verification="Yes, where reasonable; the response clock pauses until the requester answers.",
        agent_rules="As under the EU GDPR [U].",
        regulators=(
            Regulator(
                "Information Commissioner's Office (ICO)",
                "GB",
                "https://ico.org.uk/",
                "https://ico.org.uk/make-a-complaint/",
                None,
                None,
                note="Complain to the organization first; the ICO expects that.",
                language="en",
                source=LAWS_MD,
            ),
        ),  # fmt: skip
        strength=95,
        sources=(
            "https://www.ashfords.co.uk/insights/articles/the-data-use-and-access-act-changes-for-data-subject-access-requests",
            _REGULATOR_SOURCES,
        ),
        org_scope=("GB",),
        in_force=date(2021, 1, 1),
        notes=(
            "Amended by the Data (Use and Access) Act 2025 (Royal Assent 19 June 2025; staged commencement "
            "through February 2026): new Art. 12A deadlines and stop-the-clock.",
        ),
        complaint_citation="Art. 77 UK GDPR",
    )


def _ccpa() -> Regime:
    rights = {
        "erasure": RightRule("erasure", "Cal. Civ. Code § 1798.105", _CCPA_45, confirm=_CCPA_CONFIRM),
        "access": RightRule(
            "access", "Cal. Civ. Code §§ 1798.110, 1798.115", _CCPA_45, confirm=_CCPA_CONFIRM
        ),
        "correction": RightRule("correction", "Cal. Civ. Code § 1798.106", _CCPA_45, confirm=_CCPA_CONFIRM),
        "opt_out": RightRule(
            "opt_out",
            "Cal. Civ. Code § 1798.120",
            _CCPA_OPT_OUT,
            verification=False,
            note="Opt-out of sale and sharing; the business may not require verification.",
        ),  # fmt: skip
        "limit_sensitive": RightRule(
            "limit_sensitive",
            "Cal. Civ. Code § 1798.121",
            _CCPA_OPT_OUT,
            verification=False,
            note="Limit use and disclosure of sensitive personal information; no verification.",
        ),  # fmt: skip
    }
    return Regime(
        id="ccpa",
        name="California Consumer Privacy Act, as amended by the CPRA",
        short="CCPA",
        scope=("US-CA",),
        rights=rights,
        verification="Delete, know and correct: verification to a 'reasonable degree of certainty'; "
        "opt-out and limit requests: none may be required.",
        agent_rules="The business must accept an authorized agent (11 CCR § 7063): it may ask for signed "
        "permission and may have the consumer verify directly, but may not require a power of attorney.",
        regulators=(
            Regulator(
                "California Privacy Protection Agency (CPPA / CalPrivacy)",
                "US-CA",
                "https://cppa.ca.gov/",
                "https://cppa.ca.gov/webapplications/complaint",
                None,
                None,
                note="Sworn complaint (Cal. Civ. Code § 1798.199.45), filed on the agency's online complaint form.",
                language="en",
                source=LAWS_MD,
            ),
            Regulator(
                "California Attorney General",
                "US-CA",
                "https://oag.ca.gov/privacy/ccpa",
                "https://oag.ca.gov/contact/consumer-complaint-against-business-or-company",
                None,
                None,
                note="Also enforces the CCPA.",
                language="en",
                source=LAWS_MD,
            ),
        ),  # fmt: skip
        strength=90,
        sources=(
            "https://advisori.com/cpra/%C2%A7-7021-timelines-for-responding-to-requests-to-delete-requests-to-correct-and-requests-to-know/",
            "https://online.flipbuilder.com/bzaa/mvgs/files/basic-html/page96.html",
        ),
        in_force=date(2020, 1, 1),
        notes=(
            "California residents can also use the state's DROP portal for registered data brokers "
            "(see drop_notice()).",
        ),
        complaint_citation="Cal. Civ. Code § 1798.199.45",
    )


def _us_state(
    id: str,
    name: str,
    short: str,
    region: str,
    *,
    citation: str,
    rights: Mapping[str, str],
    deadline: Deadline,
    agent_rules: str,
    regulator: Regulator,
    strength: int,
    in_force: date,
    sources: tuple[str, ...],
    notes: tuple[str, ...] = (),
    right_notes: Mapping[str, str] | None = None,
) -> Regime:
    right_notes = right_notes or {}
    table = {
        right: RightRule(right, cite, deadline, note=right_notes.get(right, ""))
        for right, cite in rights.items()
    }
    return Regime(
        id=id,
        name=name,
        short=short,
        scope=(region,),
        rights=table,
        verification="Yes: the controller may ask for commercially reasonable verification (not for opt-out "
        "requests where the law says so).",
        agent_rules=agent_rules,
        regulators=(regulator,),
        strength=strength,
        sources=(
            "https://www.mayerbrown.com/es/insights/resource-centers/cybersecurity-and-data-privacy-resource-center/state-privacy-law-tracker",
            *sources,
        ),
        in_force=in_force,
        notes=notes,
    )


def _ag(state: str, region: str, url: str, name: str | None = None, note: str = "") -> Regulator:
    name = name or f"{state} Attorney General"
    return Regulator(name, region, url, None, None, None, note=note, language="en", source=LAWS_MD)


_ALL4 = ("access", "correction", "erasure", "opt_out")


def _same(citation: str, rights: tuple[str, ...] = _ALL4) -> dict[str, str]:
    return dict.fromkeys(rights, citation)


_OPT_OUT_AGENT = (
    "An authorized agent may submit opt-out requests only; deletion through an agent is voluntary."
)


def _us_states() -> list[Regime]:
    s: list[Regime] = []
    s.append(_us_state(
        "vcdpa", "Virginia Consumer Data Protection Act", "VCDPA", "US-VA",
        citation="Va. Code § 59.1-577",
        rights={
            "access": "Va. Code § 59.1-577(A)(1)", "correction": "Va. Code § 59.1-577(A)(2)",
            "erasure": "Va. Code § 59.1-577(A)(3)", "opt_out": "Va. Code § 59.1-577(A)(5)",
        },
        deadline=_state_deadline("Va. Code § 59.1-578", note="appeal available"),
        agent_rules="No authorized agents (a parent or guardian only); send from the consumer's own mailbox.",
        regulator=_ag("Virginia", "US-VA", "https://www.oag.state.va.us/", note="30-day cure period."),
        strength=45, in_force=date(2023, 1, 1),
        sources=("https://online.flipbuilder.com/bzaa/mvgs/files/basic-html/page392.html",),
        notes=("(A)(1) access and (A)(2) correction subsections and the § 59.1-578 deadline section: not in laws.md [U].",),
        right_notes={"erasure": "Covers data provided by or obtained about the consumer.",
                     "opt_out": "Targeted advertising, sale and profiling."},
    ))  # fmt: skip
    s.append(_us_state(
        "cpa", "Colorado Privacy Act", "CPA", "US-CO",
        citation="C.R.S. § 6-1-1306", rights=_same("C.R.S. § 6-1-1306"),
        deadline=_state_deadline("C.R.S. § 6-1-1306"),
        agent_rules="Authorized agents are allowed for opt-out, including browser signals such as GPC "
        "(§ 6-1-1306(1)(a)(II)); universal opt-out mechanisms must be honoured from July 1, 2024.",
        regulator=_ag("Colorado", "US-CO", "https://coag.gov/", note="The Attorney General and district attorneys enforce."),
        strength=55, in_force=date(2023, 7, 1), sources=("casetext § 6-1-1306",),
    ))  # fmt: skip
    s.append(_us_state(
        "ctdpa", "Connecticut Data Privacy Act", "CTDPA", "US-CT",
        citation="Conn. Gen. Stat. § 42-518", rights=_same("Conn. Gen. Stat. § 42-518"),
        deadline=_state_deadline("Conn. Gen. Stat. § 42-518", note="appeal within 60 days"),
        agent_rules="Authorized agents are allowed for opt-out (§ 42-519).",
        regulator=_ag("Connecticut", "US-CT", "https://portal.ct.gov/ag"),
        strength=55, in_force=date(2023, 7, 1),
        sources=("https://instalawyer.io/laws/connecticut-general-statutes/section-42-518-note-this",),
    ))  # fmt: skip
    s.append(_us_state(
        "ucpa", "Utah Consumer Privacy Act", "UCPA", "US-UT",
        citation="Utah Code § 13-61-201", rights=_same("Utah Code § 13-61-201", ("access", "erasure", "opt_out")),
        deadline=_state_deadline("Utah Code § 13-61-203", note="extension [U]; deadline section not in laws.md [U]"),
        agent_rules="No authorized agents; no appeal right.",
        regulator=_ag("Utah", "US-UT", "https://attorneygeneral.utah.gov/",
                      note="The Division of Consumer Protection receives complaints; the Attorney General enforces."),
        strength=40, in_force=date(2023, 12, 31), sources=(),
        notes=("No right to correct.",),
        right_notes={"erasure": "Only data the consumer provided."},
    ))  # fmt: skip
    s.append(_us_state(
        "tdpsa", "Texas Data Privacy and Security Act", "TDPSA", "US-TX",
        citation="Tex. Bus. & Com. Code § 541.051(b)", rights=_same("Tex. Bus. & Com. Code § 541.051(b)"),
        deadline=_state_deadline("Tex. Bus. & Com. Code § 541.052"),
        agent_rules="Authorized agents for opt-out from January 1, 2025 (§ 541.055(e)). " + _OPT_OUT_AGENT,
        regulator=_ag("Texas", "US-TX", "https://www.texasattorneygeneral.gov/", note="Sole enforcer."),
        strength=55, in_force=date(2024, 7, 1),
        sources=("https://texas.public.law/statutes/tex._bus._and_com._code_section_541.055",
                 "https://www.optery.com/state-laws/texas"),
    ))  # fmt: skip
    s.append(_us_state(
        "ocpa", "Oregon Consumer Privacy Act", "OCPA", "US-OR",
        citation="ORS 646A.574", rights=_same("ORS 646A.574"),
        deadline=_state_deadline("ORS 646A.576"),
        agent_rules="Authorized agents for opt-out (ORS 646A.576(4)); universal opt-out from January 1, 2026.",
        regulator=_ag("Oregon", "US-OR", "https://www.doj.state.or.us/", name="Oregon Department of Justice (Attorney General)"),
        strength=60, in_force=date(2024, 7, 1),
        sources=("https://lawserver.com/law/state/oregon/or-statutes/oregon_statutes_646a-574", "Oregon DOJ privacy FAQ"),
        right_notes={"erasure": "Covers data from third parties and derived data.",
                     "access": "Includes a list of the specific third parties the data was disclosed to."},
        notes=("Deadline section (646A.576) inferred [U].",),
    ))  # fmt: skip
    s.append(_us_state(
        "mcdpa", "Montana Consumer Data Privacy Act", "MCDPA", "US-MT",
        citation="Mont. Code Ann. § 30-14-2801 ff.", rights=_same("Mont. Code Ann. § 30-14-2801 ff."),
        deadline=_state_deadline("Mont. Code Ann. § 30-14-2801 ff.", extension=0,
                                 note="laws.md gives no extension"),
        agent_rules="Authorized agents for opt-out. " + _OPT_OUT_AGENT,
        regulator=_ag("Montana", "US-MT", "https://dojmt.gov/"),
        strength=50, in_force=date(2024, 10, 1), sources=(),
        notes=("Exact section of each right not in laws.md [U].",),
    ))  # fmt: skip
    s.append(_us_state(
        "icdpa", "Iowa Consumer Data Protection Act", "ICDPA", "US-IA",
        citation="Iowa Code § 715D.3", rights=_same("Iowa Code § 715D.3", ("access", "erasure", "opt_out")),
        deadline=_state_deadline("Iowa Code § 715D.3", days=90, extension=45),
        agent_rules="No authorized agents.",
        regulator=_ag("Iowa", "US-IA", "https://www.iowaattorneygeneral.gov/"),
        strength=40, in_force=date(2025, 1, 1),
        sources=("https://law.counselstack.com/statute/ia/715D.3", "https://www.datanuance.co/checklists/iowa"),
        notes=("No right to correct.",),
        right_notes={"erasure": "Only data provided by the consumer.", "opt_out": "Opt-out of sale only."},
    ))  # fmt: skip
    s.append(_us_state(
        "dpdpa", "Delaware Personal Data Privacy Act", "DPDPA", "US-DE",
        citation="6 Del. C. ch. 12D", rights=_same("6 Del. C. ch. 12D"),
        deadline=_state_deadline("6 Del. C. ch. 12D"),
        agent_rules="Authorized agents for opt-out. " + _OPT_OUT_AGENT,
        regulator=_ag("Delaware", "US-DE", "https://attorneygeneral.delaware.gov/",
                      name="Delaware Department of Justice (Attorney General)"),
        strength=55, in_force=date(2025, 1, 1), sources=(),
    ))  # fmt: skip
    s.append(_us_state(
        "ndpa", "Nebraska Data Privacy Act", "NDPA", "US-NE",
        citation="Nebraska Data Privacy Act (LB 1074)", rights=_same("Nebraska Data Privacy Act (LB 1074)"),
        deadline=_state_deadline("Nebraska Data Privacy Act (LB 1074)"),
        agent_rules="Authorized agents for opt-out. " + _OPT_OUT_AGENT,
        regulator=_ag("Nebraska", "US-NE", "https://ago.nebraska.gov/"),
        strength=55, in_force=date(2025, 1, 1), sources=(),
        notes=("Section numbers not in laws.md [U].",),
    ))  # fmt: skip
    s.append(_us_state(
        "nhpa", "New Hampshire Privacy Act", "NH RSA 507-H", "US-NH",
        citation="N.H. RSA 507-H", rights=_same("N.H. RSA 507-H"),
        deadline=_state_deadline("N.H. RSA 507-H"),
        agent_rules="Authorized agents for opt-out [U].",
        regulator=_ag("New Hampshire", "US-NH", "https://www.doj.nh.gov/"),
        strength=55, in_force=date(2025, 1, 1), sources=(),
        notes=("Section numbers not in laws.md [U].",),
    ))  # fmt: skip
    s.append(_us_state(
        "njdpa", "New Jersey Data Privacy Act", "NJDPA", "US-NJ",
        citation="N.J.S.A. 56:8-166.4 ff.", rights=_same("N.J.S.A. 56:8-166.4 ff."),
        deadline=_state_deadline("N.J.S.A. 56:8-166.4 ff."),
        agent_rules="Authorized agents for opt-out [U].",
        regulator=_ag("New Jersey", "US-NJ", "https://www.njoag.gov/",
                      note="The Division of Consumer Affairs also handles complaints."),
        strength=55, in_force=date(2025, 1, 15), sources=(),
        notes=("Citation [U] in laws.md.",),
    ))  # fmt: skip
    s.append(_us_state(
        "tipa", "Tennessee Information Protection Act", "TIPA", "US-TN",
        citation="Tenn. Code § 47-18-3304", rights=_same("Tenn. Code § 47-18-3304"),
        deadline=_state_deadline("Tenn. Code § 47-18-3304", note="extension [U]"),
        agent_rules="No authorized agents (2026 bill HB0630 would add them).",
        regulator=_ag("Tennessee", "US-TN", "https://www.tn.gov/attorneygeneral.html"),
        strength=45, in_force=date(2025, 7, 1),
        sources=("casetext § 47-18-3304", "https://www.keepinglawsimple.org/states/tennessee/bills/2026/HB0630"),
        right_notes={"erasure": "For data obtained from third parties, suppression or opt-out can satisfy deletion."},
    ))  # fmt: skip
    s.append(_us_state(
        "mcdpa_mn", "Minnesota Consumer Data Privacy Act", "MCDPA (MN)", "US-MN",
        citation="Minn. Stat. ch. 325M", rights=_same("Minn. Stat. ch. 325M"),
        deadline=_state_deadline("Minn. Stat. ch. 325M"),
        agent_rules="Authorized agents for opt-out [U].",
        regulator=_ag("Minnesota", "US-MN", "https://www.ag.state.mn.us/"),
        strength=55, in_force=date(2025, 7, 31), sources=(),
        notes=("Citation [U]; list of third parties and a right to question profiling [U].",),
    ))  # fmt: skip
    s.append(_us_state(
        "modpa", "Maryland Online Data Privacy Act", "MODPA", "US-MD",
        citation="Md. Code, Com. Law § 14-4601 ff.", rights=_same("Md. Code, Com. Law § 14-4601 ff."),
        deadline=_state_deadline("Md. Code, Com. Law § 14-4601 ff."),
        agent_rules="Authorized agents for opt-out [U].",
        regulator=_ag("Maryland", "US-MD", "https://www.marylandattorneygeneral.gov/",
                      name="Maryland Attorney General, Consumer Protection Division"),
        strength=55, in_force=date(2025, 10, 1), sources=(),
        notes=("Citation [U] in laws.md.",),
    ))  # fmt: skip
    s.append(_us_state(
        "icdpa_in", "Indiana Consumer Data Protection Act", "ICDPA (IN)", "US-IN",
        citation="Ind. Code 24-15", rights=_same("Ind. Code 24-15"),
        deadline=_state_deadline("Ind. Code 24-15"),
        agent_rules="No authorized agents [U].",
        regulator=_ag("Indiana", "US-IN", "https://www.in.gov/attorneygeneral/"),
        strength=45, in_force=date(2026, 1, 1),
        sources=("https://www.koleyjessen.com/insights/publications/new-state-privacy-laws-effective-january-1-2026-indiana-kentucky-and-rhode-island",),
        notes=("One free request per 12 months.",),
    ))  # fmt: skip
    s.append(_us_state(
        "kcdpa", "Kentucky Consumer Data Protection Act", "KCDPA", "US-KY",
        citation="KRS 367.3611-367.3629", rights=_same("KRS 367.3611-367.3629"),
        deadline=_state_deadline("KRS 367.3611-367.3629"),
        agent_rules="No authorized agents [U].",
        regulator=_ag("Kentucky", "US-KY", "https://www.ag.ky.gov/",
                      note="The Office of Data Privacy runs a complaint portal."),
        strength=45, in_force=date(2026, 1, 1),
        sources=("https://www.koleyjessen.com/insights/publications/new-state-privacy-laws-effective-january-1-2026-indiana-kentucky-and-rhode-island",),
        notes=("Two free requests per 12 months.",),
    ))  # fmt: skip
    s.append(_us_state(
        "ridtppa", "Rhode Island Data Transparency and Privacy Protection Act", "RIDTPPA", "US-RI",
        citation="R.I. Gen. Laws § 6-48.1-6", rights=_same("R.I. Gen. Laws § 6-48.1-6"),
        deadline=_state_deadline("R.I. Gen. Laws § 6-48.1-6", note="revoking consent: 15 days"),
        agent_rules="Agent rules not confirmed [U].",
        regulator=_ag("Rhode Island", "US-RI", "https://riag.ri.gov/", note="No cure period."),
        strength=45, in_force=date(2026, 1, 1),
        sources=("http://webserver.rilin.state.ri.us/Statutes/TITLE6/6-48.1/6-48.1-6.htm",),
        notes=("Free once per 12 months.",),
    ))  # fmt: skip
    return s


def _pipeda() -> Regime:
    d = Deadline(
        30, False, 30, False,
        "30 days, extendable by 30 more with notice; no reply in time counts as a refusal (s. 8(5))",
        citation="PIPEDA s. 8(3)-(4)",
    )  # fmt: skip
    rights = {
        "access": RightRule("access", "PIPEDA Sch. 1 Principle 4.9", d),
        "erasure": RightRule(
            "erasure",
            "PIPEDA Sch. 1 Principles 4.3.8 and 4.5.3",
            d,
            note="No express erasure right: the request relies on withdrawing consent (4.3.8) and the limit "
            "on keeping data no longer needed (4.5.3) [U]; the 30-day clock is the access deadline.",
        ),  # fmt: skip
        "objection": RightRule(
            "objection", "PIPEDA Sch. 1 Principle 4.3.8", d, note="Withdrawal of consent [U]."
        ),
        "correction": RightRule(
            "correction",
            "PIPEDA Sch. 1 Principle 4.9.5",
            d,
            note="Principle 4.9.5 (amendment): not in laws.md [U].",
        ),
    }
    return Regime(
        id="pipeda",
        name="Personal Information Protection and Electronic Documents Act (Canada)",
        short="PIPEDA",
        scope=("CA",),
        rights=rights,
        verification="Yes: the organization may ask for sufficient information to confirm identity "
        "(Principle 4.9.2 [U]).",
        agent_rules="Not express [U].",
        regulators=(
            Regulator(
                "Office of the Privacy Commissioner of Canada (OPC)",
                "CA",
                "https://www.priv.gc.ca/",
                None,
                None,
                None,
                note="No fining power.",
                language="en",
                source=LAWS_MD,
            ),
        ),  # fmt: skip
        strength=35,
        sources=("https://proteuscyber.com/privacy-database/pipeda-8",),
        org_scope=("CA",),
        in_force=date(2001, 1, 1),
        notes=("Applies to private-sector organizations in Canada; laws.md does not detail its scope [U].",),
        complaint_citation="PIPEDA s. 11",
        names={
            "fr": "Loi sur la protection des renseignements personnels et les documents électroniques (Canada)",
        },
        local_short={"fr": "LPRPDE"},
        local_terms={
            "fr": (
                ("PIPEDA", "LPRPDE"),
                ("Sch. 1", "annexe 1,"),
                ("Principles", "principes"),
                ("Principle", "principe"),
                (" and ", " et "),
                ("s. ", "art. "),
            ),
            "de": (
                ("Sch. 1", "Anhang 1,"),
                ("Principles", "Grundsätze"),
                ("Principle", "Grundsatz"),
                (" and ", " und "),
            ),
            "es": (
                ("Sch. 1", "anexo 1,"),
                ("Principles", "principios"),
                ("Principle", "principio"),
                (" and ", " y "),
            ),
        },
    )


def _quebec() -> Regime:
    d = Deadline(
        30,
        False,
        0,
        False,
        "30 days (s. 32); a refusal must give reasons (s. 34)",
        citation="s. 32, CQLR c. P-39.1",
    )
    rights = {
        "access": RightRule("access", "s. 27, CQLR c. P-39.1", d, note="Includes portability since September 2024."),
        "erasure": RightRule(
            "erasure", "ss. 28 and 28.1, CQLR c. P-39.1", d,
            note="Deletion of data held without authority (s. 28) and de-indexing (s. 28.1).",
        ),
        "correction": RightRule("correction", "s. 28, CQLR c. P-39.1", d),
        "objection": RightRule("objection", "s. 8.3, CQLR c. P-39.1", d, note="Withdrawal of consent."),
    }  # fmt: skip
    return Regime(
        id="quebec_law25",
        name="Québec Act respecting the protection of personal information in the private sector, as amended by Law 25",
        short="Law 25",
        scope=("CA-QC",),
        rights=rights,
        verification="Identity may be checked [U].",
        agent_rules="Not confirmed [U].",
        regulators=(
            Regulator(
                "Commission d'accès à l'information du Québec (CAI)",
                "CA-QC",
                "https://www.cai.gouv.qc.ca/",
                None,
                None,
                None,
                note="Complaint provision per laws.md: s. 40 [U].",
                language="fr",
                source=LAWS_MD,
            ),
        ),  # fmt: skip
        strength=70,
        sources=("https://hilotech.ca/en/wiki/law-25/individual-rights",),
        in_force=date(2023, 9, 22),
        notes=("Québec residents are also covered by PIPEDA; Law 25 is the stronger of the two here.",),
        names={
            "fr": "Loi sur la protection des renseignements personnels dans le secteur privé, modifiée par la Loi 25",
            "es": "Ley de protección de la información personal en el sector privado de Quebec (Ley 25)",
            "de": "Québecer Gesetz über den Schutz personenbezogener Daten im Privatsektor (Loi 25)",
        },
        local_short={"fr": "Loi 25"},
        local_terms={
            "fr": (("ss. ", "art. "), ("s. ", "art. "), (" and ", " et "), ("CQLR", "RLRQ")),
            "es": (("ss. ", "arts. "), ("s. ", "art. "), (" and ", " y ")),
            "de": (("ss. ", "Art. "), ("s. ", "Art. "), (" and ", " und ")),
        },
    )


def _lgpd() -> Regime:
    d = Deadline(
        15, False, 0, False,
        "15 days for a full confirmation or access reply (Art. 19, II); the LGPD sets no fixed deadline for "
        "deletion, so 15 days is a tracking default [U]",
        citation="Art. 19, II LGPD",
    )  # fmt: skip
    rights = {
        "erasure": RightRule(
            "erasure", "Art. 18, IV and VI LGPD", d,
            note="Elimination of excessive data (IV) and of data processed with consent (VI).",
        ),
        "access": RightRule("access", "Art. 18, II and VII LGPD", d,
                            note="Access; VII: with whom the data was shared. Art. 18, II not in laws.md [U]."),
        "objection": RightRule("objection", "Art. 18, IX LGPD", d, note="Revocation of consent."),
        "opt_out": RightRule("opt_out", "Art. 18, IX LGPD", d, note="Revocation of consent (no 'sale' opt-out as such)."),
        "correction": RightRule("correction", "Art. 18, III LGPD", d, note="Art. 18, III not in laws.md [U]."),
    }  # fmt: skip
    return Regime(
        id="lgpd",
        name="Lei Geral de Proteção de Dados (Brazil)",
        short="LGPD",
        scope=("BR",),
        rights=rights,
        verification="Not specified [U].",
        agent_rules="Requests through a legally constituted representative are allowed (Art. 18 §3).",
        regulators=(
            Regulator(
                "Autoridade Nacional de Proteção de Dados (ANPD)",
                "BR",
                "https://www.gov.br/anpd/",
                None,
                None,
                None,
                note="Petition to the ANPD (Art. 18 §1); consumer-protection bodies also help.",
                language="pt",
                source=LAWS_MD,
            ),
        ),  # fmt: skip
        strength=65,
        sources=("https://privacyhub.com.br/lgpd?article=155", "https://sedu.es.gov.br/direito-do-titular"),
        org_scope=("BR",),
        in_force=date(2020, 9, 18),
        notes=("Organizations processing data in Brazil are covered (Art. 3): not in laws.md [U].",),
        complaint_citation="Art. 18 §1 LGPD",
        names={"en": "Brazil's Lei Geral de Proteção de Dados"},
        local_terms={
            "de": ((" and ", " und "),),
            "fr": (("Art.", "art."), (" and ", " et ")),
            "es": (("Art.", "art."), (" and ", " y ")),
        },
    )


def _build() -> dict[str, Regime]:
    regimes = [_gdpr(), _uk_gdpr(), _ccpa(), *_us_states(), _pipeda(), _quebec(), _lgpd()]
    return {r.id: r for r in regimes}


REGIMES: dict[str, Regime] = _build()

#: Used when no law applies: the request cites no law and says so; we still track a reply.
PLAIN_DEADLINE = Deadline(30, False, 0, False, "no law applies: 30 days is a reasonable period we track")

# --------------------------------------------------------------------------- which law applies

_COUNTRY_ALIASES = {"UK": "GB", "EL": "GR"}


def normalize_residence(country: str | None, region: str | None) -> tuple[str | None, str | None]:
    """Upper-case ISO codes; accept "UK" for GB and a bare subdivision ("CA" with country "US")."""
    c = country.strip().upper() if country and country.strip() else None
    if c:
        c = _COUNTRY_ALIASES.get(c, c)
    r = region.strip().upper() if region and region.strip() else None
    if r and "-" not in r and c:
        r = f"{c}-{r}"
    if r and not c:
        c = _COUNTRY_ALIASES.get(r.split("-", 1)[0], r.split("-", 1)[0])
    return c, r


def applicable_regimes(
    country: str | None, region: str | None, org_country: str | None, *, on: date | None = None
) -> list[Regime]:
    """Regimes that protect this user against this organization, strongest first.

    A regime applies when the user resides in its scope (country or region), or when the
    organization is established where the regime covers everyone (``org_scope``, e.g. GDPR
    Art. 3(1)). Laws not yet in force on ``on`` (default: today) are left out.
    """
    c, r = normalize_residence(country, region)
    oc = org_country.strip().upper() if org_country and org_country.strip() else None
    oc = _COUNTRY_ALIASES.get(oc, oc) if oc else None
    on = on or date.today()
    found = []
    for regime in REGIMES.values():
        if regime.in_force and regime.in_force > on:
            continue
        resident = (c is not None and c in regime.scope) or (r is not None and r in regime.scope)
        established = oc is not None and oc in regime.org_scope
        if resident or established:
            found.append(regime)
    return sorted(found, key=lambda g: -g.strength)


#: Values of ``override`` that ask for a plain request citing no law.
NO_LAW = ("none", "plain")


def choose_regime(
    country: str | None,
    region: str | None,
    org_country: str | None,
    right: str,
    override: str | None = None,
    *,
    on: date | None = None,
) -> Regime | None:
    """The law to cite for ``right``: the strongest applicable regime that gives it.

    ``override`` names a regime id (or "none" for a plain request); an unknown id, or a law
    that does not give ``right``, is a ValidationError. None means a plain request that cites
    no law.
    """
    if right not in RIGHTS:
        raise ValidationError(f"unknown right {right!r}", hint="one of " + ", ".join(RIGHTS))
    if override is not None and override.strip():
        key = override.strip().lower()
        if key in NO_LAW:
            return None
        regime = REGIMES.get(key)
        if regime is None:
            raise ValidationError(f"unknown law {override!r}", hint="one of " + ", ".join([*REGIMES, "none"]))
        if right not in regime.rights:
            offered = ", ".join(regime.rights)
            raise ValidationError(f"{regime.short} gives no {right} right", hint=f"it gives: {offered}")
        return regime
    for regime in applicable_regimes(country, region, org_country, on=on):
        if right in regime.rights:
            return regime
    return None


def right_rule(regime: Regime | None, right: str) -> RightRule | None:
    return regime.rights.get(right) if regime else None


def deadline_for(regime: Regime | None, right: str) -> Deadline:
    """The response deadline for ``right`` under ``regime`` (PLAIN_DEADLINE when no law applies)."""
    rule = right_rule(regime, right)
    return rule.deadline if rule else PLAIN_DEADLINE


def regulator_for(
    regime: Regime, country: str | None, region: str | None, *, org_country: str | None = None
) -> Regulator | None:
    """Where to complain: the regulator for the user's region, else country, else the org's country.

    For Germany a Land code ("DE-BY") picks the Land authority; without it the federal BfDI is
    the fallback. Regimes with a single regulator return it whatever the residence.
    """
    c, r = normalize_residence(country, region)
    if r:
        for reg in regime.regulators:
            if reg.country == r:
                return reg
    for code in (c, (org_country or "").upper() or None):
        if code:
            for reg in regime.regulators:
                if reg.country == code:
                    return reg
    if len({reg.country for reg in regime.regulators}) == 1:
        return regime.regulators[0]
    return None


# --------------------------------------------------------------------------- California DROP

DROP_URL = "https://privacy.ca.gov/drop"
DROP_SOURCES = (
    "https://www.cppa.ca.gov/regulations/drop.html",
    "Cal. Civ. Code § 1798.99.80 ff. (Delete Act, SB 362); 11 CCR § 7600 ff.",
)
DROP_NOTICE = (
    "As a California resident you can also ask every registered data broker to delete your data in one "
    "step through the state's Delete Request and Opt-out Platform (DROP) at " + DROP_URL + ". Since "
    "August 1, 2026 registered brokers must check DROP at least every 45 days, process requests within 45 "
    "days, keep deleting every 45 days and not sell new data about you (Cal. Civ. Code § 1798.99.86). DROP "
    "covers data brokers' third-party data only (public records and first-party data are exempt), so "
    "requests to people-search sites and other companies are still worth sending."
)


def drop_notice(country: str | None, region: str | None) -> str | None:
    """The DROP notice for California residents, None for everyone else."""
    c, r = normalize_residence(country, region)
    return DROP_NOTICE if r == "US-CA" else None
