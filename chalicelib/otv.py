"""Opération Tranquillité Vacances: the registration form (blank or pre-filled PDF, never stored).

The form asks what CONTENT.md lists: identity and contact details, the home's address and type,
the dates of absence, the alarm, key holders, a contact person, how to reach the applicant, remarks.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import cache
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_core.core_schema import ValidationInfo

from chalicelib.otv_pdf import ONLINE_PROCEDURE, Choice, Section, render
from chalicelib.otv_pdf import Field as Line
from chalicelib.validation import Body, clean_text

MAX_ABSENCE_MONTHS = 12
HOME_TYPES = {"maison": "Maison", "appartement": "Appartement", "commerce": "Commerce"}
RESIDENCES = {"principale": "Principale", "secondaire": "Secondaire"}
REMARKS = {
    "vehicle_left": "Véhicule laissé sur place",
    "animals": "Animaux",
    "light_timers": "Lumières sur programmateur",
}

# Mainland 0X XX XX XX XX, or international +33 / 0033 and the overseas country codes.
_PHONE = re.compile(r"^(?:(?:\+|00)(33|262|269|508|590|594|596)|0)([1-9]\d{8})$")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_POSTAL_CODE = re.compile(r"^(?:0[1-9]|[1-8]\d|9[0-5])\d{3}$|^97[1-6]\d{2}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def french_phone(value: str) -> str:
    """A French phone number written as `06 12 34 56 78` (or `+262 6 92 ...` abroad), else ValueError."""
    match = _PHONE.match(_PHONE_SEPARATORS.sub("", value))
    if not match:
        raise ValueError("Numéro de téléphone invalide : 10 chiffres attendus (ex. 06 12 34 56 78).")
    country, digits = match.groups()
    pairs = " ".join(digits[i : i + 2] for i in range(1, 9, 2))
    return f"+{country} {digits[0]} {pairs}" if country else f"0{digits[0]} {pairs}"


def add_months(day: date, months: int) -> date:
    """`day` plus whole months, clamped to the month's end (31 March + 11 months = 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has at least 28 days")


def today() -> date:
    """The current date (UTC: a Paris evening may already count as tomorrow, never the reverse)."""
    return datetime.now(UTC).date()


class Person(Body):
    name: str = Field(min_length=1, max_length=80)
    phone: str = Field(min_length=1, max_length=25)

    _clean = field_validator("name", mode="before")(clean_text)
    _phone = field_validator("phone")(french_phone)


class OtvForm(Body):
    """What a citizen types into the OTV form; validated, turned into a PDF, then forgotten."""

    last_name: str = Field(min_length=1, max_length=60)
    first_name: str = Field(min_length=1, max_length=60)
    phone: str = Field(min_length=1, max_length=25)
    email: str | None = Field(default=None, max_length=254)
    address: str = Field(min_length=1, max_length=200)
    postal_code: str
    commune: str = Field(min_length=1, max_length=80)
    home_type: Literal["maison", "appartement", "commerce"]
    residence: Literal["principale", "secondaire"] | None = None
    departure_date: date
    return_date: date
    alarm: bool = False
    key_holders: list[Person] = Field(default_factory=list, max_length=3)
    contact_during_absence: Person | None = None
    reachable_during_absence: str | None = Field(default=None, max_length=200)
    vehicle_left: bool = False
    animals: bool = False
    light_timers: bool = False
    remarks: str | None = Field(default=None, max_length=500)

    _clean = field_validator(
        "last_name", "first_name", "email", "address", "commune", "reachable_during_absence", mode="before"
    )(clean_text)
    _phone = field_validator("phone")(french_phone)

    @field_validator("remarks", mode="before")
    @classmethod
    def _multiline(cls, value: object) -> object:
        return clean_text(value, multiline=True)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value and not _EMAIL.match(value):
            raise ValueError("Adresse électronique invalide (ex. nom@exemple.fr).")
        return value or None

    @field_validator("postal_code")
    @classmethod
    def _postal_code(cls, value: str) -> str:
        if not _POSTAL_CODE.match(value):
            raise ValueError("Code postal invalide : 5 chiffres attendus (ex. 34000).")
        return value

    @field_validator("departure_date")
    @classmethod
    def _future(cls, value: date) -> date:
        if value <= today():
            raise ValueError("La date de départ doit être postérieure à aujourd'hui.")
        return value

    @field_validator("return_date")
    @classmethod
    def _after_departure(cls, value: date, info: ValidationInfo) -> date:
        departure = info.data.get("departure_date")
        if departure is None:
            return value
        if value <= departure:
            raise ValueError("La date de retour doit être postérieure à la date de départ.")
        if value > add_months(departure, MAX_ABSENCE_MONTHS):
            raise ValueError(f"L'absence ne peut pas dépasser {MAX_ABSENCE_MONTHS} mois.")
        return value


# --- PDFs ----------------------------------------------------------------------------------------

TITLE = "Opération Tranquillité Vacances"
SUBTITLE = (
    "Demande de surveillance de votre logement ou de votre commerce pendant votre absence. "
    "Service gratuit de la gendarmerie et de la police nationales."
)
RULES = (
    "Zone gendarmerie : résidence principale ou secondaire, absence jusqu'à 12 mois, inscription au plus tôt "
    "45 jours avant le départ et au plus tard la veille. Zone police : résidence principale, absence de 3 jours "
    "à 3 mois, inscription entre 45 et 3 jours avant le départ. Les modalités peuvent varier localement."
)
HANDING_IN = (
    "Remettez ce formulaire à votre brigade de gendarmerie ou à votre commissariat avec une pièce d'identité "
    f"et un justificatif de domicile. Inscription aussi possible en ligne : {ONLINE_PROCEDURE}. Toute "
    "modification se fait auprès de la brigade ou du commissariat dont dépend votre domicile."
)
POLICE_ZONE_HINT = (
    "Brigade la plus proche de votre commune : si votre domicile est en zone police, adressez-vous au commissariat."
)
FOOTER = (
    "Formulaire produit par l'application Stop Cambriolages. Les informations saisies ne sont pas "
    "conservées par l'application : elles figurent uniquement sur ce document."
)


@cache
def blank_form() -> bytes:
    """The printable form, to fill in by hand (drawn once per container)."""
    return render(TITLE, SUBTITLE, _sections(None, None), FOOTER)


def filled_form(form: OtvForm) -> bytes:
    """The form pre-filled with what the citizen typed, naming the nearest brigade if known."""
    return render(TITLE, SUBTITLE, _sections(form, nearest_brigade(form)), FOOTER)


def nearest_brigade(form: OtvForm) -> dict[str, Any] | None:
    """TODO(brigades branch): the brigade nearest to the form's commune."""
    return None


def _sections(form: OtvForm | None, brigade: dict[str, Any] | None) -> list[Section]:
    f = form
    holders: list[Person | None] = list(f.key_holders) if f else []
    holders += [None] * (3 - len(holders))
    contact = f.contact_during_absence if f else None
    return [
        Section(
            "1. Demandeur",
            [
                [Line("Nom", f.last_name if f else "", 90), Line("Prénom", f.first_name if f else "", 90)],
                [Line("Téléphone", f.phone if f else "", 70), Line("Courriel", (f.email or "") if f else "", 110)],
            ],
        ),
        Section(
            "2. Logement à surveiller",
            [
                [Line("Adresse", f.address if f else "")],
                [Line("Code postal", f.postal_code if f else "", 50), Line("Commune", f.commune if f else "", 130)],
                Choice("Type", list(HOME_TYPES.values()), [HOME_TYPES[f.home_type]] if f else ()),
                Choice("Résidence", list(RESIDENCES.values()), [RESIDENCES[f.residence]] if f and f.residence else ()),
            ],
        ),
        Section(
            "3. Absence",
            [
                [
                    Line("Date de départ", _day(f.departure_date) if f else "", 90),
                    Line("Date de retour", _day(f.return_date) if f else "", 90),
                ],
                Choice("Le logement a une alarme", ["Oui", "Non"], (["Oui" if f.alarm else "Non"]) if f else ()),
            ],
        ),
        Section(
            "4. Personnes ayant les clés ou autorisées à entrer",
            [
                [Line("Nom et prénom", p.name if p else "", 115), Line("Téléphone", p.phone if p else "", 65)]
                for p in holders
            ],
        ),
        Section(
            "5. Pendant votre absence",
            [
                [
                    Line("Personne à contacter", contact.name if contact else "", 115),
                    Line("Téléphone", contact.phone if contact else "", 65),
                ],
                [
                    Line(
                        "Pour vous joindre (téléphone, adresse de séjour)",
                        (f.reachable_during_absence or "") if f else "",
                    )
                ],
            ],
        ),
        Section(
            "6. Remarques",
            [
                Choice(
                    "À signaler",
                    list(REMARKS.values()),
                    [label for key, label in REMARKS.items() if f and getattr(f, key)],
                ),
                [Line("Autres remarques", (f.remarks or "") if f else "")],
            ],
        ),
        _brigade_section(brigade, filled=f is not None),
        Section("Conditions", note=RULES + " " + HANDING_IN),
        Section("Signature", [[Line("Fait à", "", 70), Line("le", "", 50), Line("Signature", "", 60)]]),
    ]


def _brigade_section(brigade: dict[str, Any] | None, *, filled: bool) -> Section:
    if brigade is None:
        hint = "Retrouvez votre brigade dans l'application, rubrique « Brigades »." if filled else ""
        return Section("Votre brigade ou commissariat", [[Line("Nom et adresse", "")]], note=hint)
    town = " ".join(str(part) for part in (brigade.get("postal_code"), brigade.get("commune")) if part)
    address = ", ".join(part for part in (str(brigade.get("address") or ""), town) if part)
    return Section(
        "Votre brigade de gendarmerie",
        [
            [Line("Brigade", str(brigade.get("name", "")))],
            [Line("Adresse", address)],
            [Line("Téléphone", str(brigade.get("phone") or ""))],
        ],
        note=POLICE_ZONE_HINT,
    )


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")
