"""The OTV registration form as an A4 PDF with real (searchable) text, blank or pre-filled.

One layout serves both: each field is drawn with its value, or with an empty line to write on.
fpdf2's built-in Helvetica needs no font file; with the Windows-1252 encoding it covers all of
French (é, à, ç, œ, ’, «, », €); anything else a person types is transliterated (see `printable`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fpdf import FPDF

    from chalicelib.otv import OtvForm, Person

ENCODING = "cp1252"
WIDTH = 180.0  # printable width of A4 (210 mm) with 15 mm margins
LINE = 6.5
ONLINE_PROCEDURE = "service-public.fr, démarche « Opération tranquillité vacances » (avec FranceConnect)"
HOME_TYPES = {"maison": "Maison", "appartement": "Appartement", "commerce": "Commerce"}
RESIDENCES = {"principale": "Principale", "secondaire": "Secondaire"}
REMARKS = {
    "vehicle_left": "Véhicule laissé sur place",
    "animals": "Animaux",
    "light_timers": "Lumières sur programmateur",
}


@dataclass(frozen=True)
class Field:
    label: str
    value: str = ""
    width: float = WIDTH


@dataclass(frozen=True)
class Choice:
    label: str
    options: Sequence[str]
    chosen: Sequence[str] = ()


@dataclass(frozen=True)
class Section:
    title: str
    rows: Sequence[Sequence[Field] | Choice] = field(default_factory=tuple)
    note: str = ""


def printable(text: str) -> str:
    """`text` restricted to what Helvetica (cp1252) can print: accents kept, other letters
    transliterated (ā → a), anything else replaced by '?'; French no-break spaces as U+00A0, the
    only one cp1252 has."""
    from chalicelib.typography import NBSP, french

    out = []
    for char in french(text, narrow=NBSP):
        try:
            char.encode(ENCODING)
            out.append(char)
            continue
        except UnicodeEncodeError:
            base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        try:
            out.append(base.encode(ENCODING).decode(ENCODING) or "?")
        except UnicodeEncodeError:
            out.append("?")
    return "".join(out)


def render(title: str, subtitle: str, sections: Sequence[Section], footer: str) -> bytes:
    """The PDF of a form made of `sections` (fpdf2 is imported here: it is not on the cold path)."""
    from fpdf import FPDF

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.core_fonts_encoding = ENCODING
    pdf.set_margins(15, 12, 15)
    pdf.set_auto_page_break(auto=True, margin=14)
    pdf.set_title(printable(title))
    pdf.set_author("Stop Cambriolages")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(WIDTH, 9, printable(title), new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.set_font("Helvetica", "", 10.5)
    pdf.multi_cell(WIDTH, 5, printable(subtitle), new_x="LMARGIN", new_y="NEXT", align="C")
    for section in sections:
        _section(pdf, section)
    pdf.ln(3)
    pdf.set_font("Helvetica", "I", 8)
    pdf.multi_cell(WIDTH, 4, printable(footer), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _section(pdf: FPDF, section: Section) -> None:
    pdf.ln(2)
    if pdf.will_page_break(6 + 2 * LINE):  # keep a title with its first rows
        pdf.add_page()
    pdf.set_font("Helvetica", "B", 11)
    pdf.set_fill_color(228, 233, 242)
    pdf.cell(WIDTH, 6, printable(section.title), new_x="LMARGIN", new_y="NEXT", fill=True)
    pdf.set_font("Helvetica", "", 10)
    for row in section.rows:
        if isinstance(row, Choice):
            _choice(pdf, row)
        else:
            _fields(pdf, row)
    if section.note:
        pdf.set_font("Helvetica", "", 8.5)
        pdf.multi_cell(WIDTH, 4.2, printable(section.note), new_x="LMARGIN", new_y="NEXT")


def _fields(pdf: FPDF, row: Sequence[Field]) -> None:
    """Label then value on an underlined line; long values wrap inside their own column."""
    if pdf.will_page_break(LINE + 1):  # columns start on the same page
        pdf.add_page()
    top = pdf.get_y() + 1
    bottom = top
    x = pdf.l_margin
    for item in row:
        pdf.set_xy(x, top)
        label = printable(item.label + " :") if item.label else ""
        pdf.set_font("Helvetica", "B", 9)
        label_width = pdf.get_string_width(label) + 2 if label else 0
        if label:
            pdf.cell(label_width, LINE, label)
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(item.width - label_width - 3, LINE, printable(item.value), border="B")
        bottom = max(bottom, pdf.get_y())
        x += item.width
    pdf.set_xy(pdf.l_margin, bottom)


def _choice(pdf: FPDF, choice: Choice) -> None:
    """Tick boxes: an X in the box of each chosen option."""
    pdf.ln(1)
    pdf.set_font("Helvetica", "B", 9)
    pdf.cell(pdf.get_string_width(printable(choice.label)) + 5, LINE, printable(choice.label + " :"))
    pdf.set_font("Helvetica", "", 10)
    for option in choice.options:
        x, y = pdf.get_x(), pdf.get_y() + 1.75
        pdf.rect(x, y, 3.5, 3.5)
        mark = "X" if option in choice.chosen else ""
        pdf.cell(3.5, LINE, mark, align="C")
        pdf.cell(pdf.get_string_width(printable(option)) + 8, LINE, " " + printable(option))
    pdf.ln(LINE)


# --- The OTV form ------------------------------------------------------------------------------------

TITLE = "Opération tranquillité vacances"
SUBTITLE = (
    "Demande de surveillance de votre logement ou de votre commerce pendant votre absence. "
    "Service gratuit de la gendarmerie et de la police nationales."
)
HANDING_IN = {
    "police": "Remettez ce formulaire à votre commissariat",
    "gendarmerie": "Remettez ce formulaire à votre brigade de gendarmerie",
    "unknown": "Remettez ce formulaire à la brigade de gendarmerie ou au commissariat dont dépend votre domicile",
}
HANDING_IN_END = (
    f" avec une pièce d'identité et un justificatif de domicile. Inscription aussi possible en ligne : "
    f"{ONLINE_PROCEDURE}. Toute modification se fait auprès de la brigade ou du commissariat dont dépend "
    "votre domicile."
)
UNKNOWN_ZONE = (
    "Zone police ou gendarmerie : non connue avec certitude pour votre commune. Les deux règles sont "
    "indiquées : vérifiez auprès de l'unité laquelle s'applique."
)
NEAREST_NOTE = "Unité la plus proche du centre de votre commune (pas nécessairement la compétente) : renseignez-vous."
FOOTER = (
    "Formulaire produit par l'application Stop Cambriolages. Les informations saisies ne sont pas "
    "conservées par l'application : elles figurent uniquement sur ce document."
)


def form(filled: OtvForm | None, commune: dict[str, Any] | None) -> bytes:
    """The OTV form: blank (`filled` None) or with what the citizen typed, the rules of the commune's
    zone (both sets when it is unknown) and the unit serving it (`commune` as `GET /communes` gives it)."""
    return render(TITLE, SUBTITLE, _sections(filled, commune), FOOTER)


def _sections(filled: OtvForm | None, commune: dict[str, Any] | None) -> list[Section]:
    def value(name: str, source: Any = filled) -> str:
        """A typed value as printed ("" on the blank form or for an empty optional field)."""
        raw = getattr(source, name, None) if source is not None else None
        return raw.strftime("%d/%m/%Y") if isinstance(raw, date) else str(raw or "")

    def ticked(options: dict[str, str], key: str) -> list[str]:
        return [options[value(key)]] if value(key) else []

    holders: list[Person | None] = list(filled.key_holders) if filled else []
    holders += [None] * (3 - len(holders))
    contact = filled.contact_during_absence if filled else None
    alarm = [] if filled is None else ["Oui" if filled.alarm else "Non"]
    return [
        Section(
            "1. Demandeur",
            [
                [Field("Nom", value("last_name"), 90), Field("Prénom", value("first_name"), 90)],
                [Field("Téléphone", value("phone"), 70), Field("Courriel", value("email"), 110)],
            ],
        ),
        Section(
            "2. Logement à surveiller",
            [
                [Field("Adresse", value("address"))],
                [Field("Code postal", value("postal_code"), 50), Field("Commune", value("commune"), 130)],
                Choice("Type", list(HOME_TYPES.values()), ticked(HOME_TYPES, "home_type")),
                Choice("Résidence", list(RESIDENCES.values()), ticked(RESIDENCES, "residence")),
            ],
        ),
        Section(
            "3. Absence",
            [
                [
                    Field("Date de départ", value("departure_date"), 90),
                    Field("Date de retour", value("return_date"), 90),
                ],
                Choice("Le logement a une alarme", ["Oui", "Non"], alarm),
            ],
        ),
        Section(
            "4. Personnes ayant les clés ou autorisées à entrer",
            [
                [Field("Nom et prénom", value("name", p), 115), Field("Téléphone", value("phone", p), 65)]
                for p in holders
            ],
        ),
        Section(
            "5. Pendant votre absence",
            [
                [
                    Field("Personne à contacter", value("name", contact), 115),
                    Field("Téléphone", value("phone", contact), 65),
                ],
                [Field("Pour vous joindre (téléphone, adresse de séjour)", value("reachable_during_absence"))],
            ],
        ),
        Section(
            "6. Remarques",
            [
                Choice("À signaler", list(REMARKS.values()), [label for key, label in REMARKS.items() if value(key)]),
                [Field("Autres remarques", value("remarks"))],
            ],
        ),
        _unit_section(commune, filled=filled is not None),
        _conditions(commune),
        Section("Signature", [[Field("Fait à", "", 70), Field("le", "", 50), Field("Signature", "", 60)]]),
    ]


def _conditions(commune: dict[str, Any] | None) -> Section:
    """The rules of the commune's zone, or both with a warning when the zone is not known."""
    from chalicelib import otv_rules

    zone = commune["zone"] if commune else otv_rules.UNKNOWN
    sets = otv_rules.applicable(zone)
    rules = " ".join(f"{rule_set.title} : {' '.join(rule_set.rules)}" for rule_set in sets)
    warning = UNKNOWN_ZONE + " " if len(sets) > 1 and commune else ""
    return Section(
        "Conditions", note=warning + rules + " " + HANDING_IN.get(zone, HANDING_IN["unknown"]) + HANDING_IN_END
    )


def _unit_section(commune: dict[str, Any] | None, *, filled: bool) -> Section:
    """The unit serving the commune: named as competent only when official; otherwise said to be the
    nearest; for an unknown zone, the nearest brigade and the nearest police station."""
    if commune is None or (commune["competent"] is None and commune.get("nearest_brigade") is None):
        hint = (
            "Retrouvez votre brigade ou votre commissariat dans l'application, rubrique « Brigades »." if filled else ""
        )
        return Section("Votre brigade ou commissariat", [[Field("Nom et adresse", "")]], note=hint)
    if commune["zone"] == "unknown":
        units = [u for u in (commune.get("nearest_brigade"), commune.get("nearest_police_station")) if u]
        rows = [row for unit in units for row in _unit_rows(unit, _nearest_label(unit))]
        return Section("Brigade ou commissariat le plus proche", rows, note=NEAREST_NOTE)
    unit = commune["competent"]
    if commune["competent_basis"] == "official":
        title = "Votre commissariat" if unit["kind"] == "police" else "Votre brigade de gendarmerie"
        return Section(title, _unit_rows(unit, "Commissariat" if unit["kind"] == "police" else "Brigade"))
    label = _nearest_label(unit)
    return Section(label, _unit_rows(unit, label), note=NEAREST_NOTE)


def _nearest_label(unit: dict[str, Any]) -> str:
    return "Commissariat le plus proche" if unit["kind"] == "police" else "Brigade la plus proche"


def _unit_rows(unit: dict[str, Any], label: str) -> list[Sequence[Field]]:
    town = " ".join(str(part) for part in (unit.get("postal_code"), unit.get("commune")) if part)
    address = ", ".join(part for part in (str(unit.get("address") or ""), town) if part)
    return [
        [Field(label, str(unit.get("name") or ""))],
        [
            Field("Adresse", address),
        ],
        [Field("Téléphone", str(unit.get("phone") or ""))],
    ]
