"""The 101 départements a citizen can subscribe to: codes, names, school zones and input normalisation."""

from __future__ import annotations

from chalicelib.errors import AppError

NAMES: dict[str, str] = {
    "01": "Ain", "02": "Aisne", "03": "Allier", "04": "Alpes-de-Haute-Provence", "05": "Hautes-Alpes",
    "06": "Alpes-Maritimes", "07": "Ardèche", "08": "Ardennes", "09": "Ariège", "10": "Aube",
    "11": "Aude", "12": "Aveyron", "13": "Bouches-du-Rhône", "14": "Calvados", "15": "Cantal",
    "16": "Charente", "17": "Charente-Maritime", "18": "Cher", "19": "Corrèze",
    "2A": "Corse-du-Sud", "2B": "Haute-Corse",
    "21": "Côte-d'Or", "22": "Côtes-d'Armor", "23": "Creuse", "24": "Dordogne", "25": "Doubs",
    "26": "Drôme", "27": "Eure", "28": "Eure-et-Loir", "29": "Finistère", "30": "Gard",
    "31": "Haute-Garonne", "32": "Gers", "33": "Gironde", "34": "Hérault", "35": "Ille-et-Vilaine",
    "36": "Indre", "37": "Indre-et-Loire", "38": "Isère", "39": "Jura", "40": "Landes",
    "41": "Loir-et-Cher", "42": "Loire", "43": "Haute-Loire", "44": "Loire-Atlantique", "45": "Loiret",
    "46": "Lot", "47": "Lot-et-Garonne", "48": "Lozère", "49": "Maine-et-Loire", "50": "Manche",
    "51": "Marne", "52": "Haute-Marne", "53": "Mayenne", "54": "Meurthe-et-Moselle", "55": "Meuse",
    "56": "Morbihan", "57": "Moselle", "58": "Nièvre", "59": "Nord", "60": "Oise",
    "61": "Orne", "62": "Pas-de-Calais", "63": "Puy-de-Dôme", "64": "Pyrénées-Atlantiques",
    "65": "Hautes-Pyrénées", "66": "Pyrénées-Orientales", "67": "Bas-Rhin", "68": "Haut-Rhin",
    "69": "Rhône", "70": "Haute-Saône", "71": "Saône-et-Loire", "72": "Sarthe", "73": "Savoie",
    "74": "Haute-Savoie", "75": "Paris", "76": "Seine-Maritime", "77": "Seine-et-Marne",
    "78": "Yvelines", "79": "Deux-Sèvres", "80": "Somme", "81": "Tarn", "82": "Tarn-et-Garonne",
    "83": "Var", "84": "Vaucluse", "85": "Vendée", "86": "Vienne", "87": "Haute-Vienne",
    "88": "Vosges", "89": "Yonne", "90": "Territoire de Belfort", "91": "Essonne",
    "92": "Hauts-de-Seine", "93": "Seine-Saint-Denis", "94": "Val-de-Marne", "95": "Val-d'Oise",
    "971": "Guadeloupe", "972": "Martinique", "973": "Guyane", "974": "La Réunion", "976": "Mayotte",
}  # fmt: skip

CODES: tuple[str, ...] = tuple(NAMES)

# School-holiday zones by académie (education.gouv.fr). Caen and Rouen form the académie de
# Normandie since 2020, both in zone B. Corsica and the DROM set their own calendars: no zone.
ACADEMIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "Besançon": ("A", ("25", "39", "70", "90")),
    "Bordeaux": ("A", ("24", "33", "40", "47", "64")),
    "Clermont-Ferrand": ("A", ("03", "15", "43", "63")),
    "Dijon": ("A", ("21", "58", "71", "89")),
    "Grenoble": ("A", ("07", "26", "38", "73", "74")),
    "Limoges": ("A", ("19", "23", "87")),
    "Lyon": ("A", ("01", "42", "69")),
    "Poitiers": ("A", ("16", "17", "79", "86")),
    "Aix-Marseille": ("B", ("04", "05", "13", "84")),
    "Amiens": ("B", ("02", "60", "80")),
    "Caen": ("B", ("14", "50", "61")),
    "Lille": ("B", ("59", "62")),
    "Nancy-Metz": ("B", ("54", "55", "57", "88")),
    "Nantes": ("B", ("44", "49", "53", "72", "85")),
    "Nice": ("B", ("06", "83")),
    "Orléans-Tours": ("B", ("18", "28", "36", "37", "41", "45")),
    "Reims": ("B", ("08", "10", "51", "52")),
    "Rennes": ("B", ("22", "29", "35", "56")),
    "Rouen": ("B", ("27", "76")),
    "Strasbourg": ("B", ("67", "68")),
    "Créteil": ("C", ("77", "93", "94")),
    "Montpellier": ("C", ("11", "30", "34", "48", "66")),
    "Paris": ("C", ("75",)),
    "Toulouse": ("C", ("09", "12", "31", "32", "46", "65", "81", "82")),
    "Versailles": ("C", ("78", "91", "92", "95")),
}
SCHOOL_ZONES: tuple[str, ...] = ("A", "B", "C")
_ZONE_OF: dict[str, str] = {code: zone for zone, codes in ACADEMIES.values() for code in codes}


def normalize(raw: object) -> str:
    """The canonical code of a département typed by a person (`"1"` → `"01"`, `"2a"` → `"2A"`).

    Raises a 400 `invalid_department` for anything that is not one of the 101 codes (`20` included:
    Corsica is `2A`/`2B`).
    """
    text = raw.strip().upper() if isinstance(raw, str) else ""
    if text.isdigit() and len(text) == 1:
        text = "0" + text
    if text not in NAMES:
        shown = text[:10] if text else "vide"
        raise AppError("invalid_department", f"Numéro de département inconnu ({shown}). {_HINT}")
    return text


def name(code: str) -> str:
    return NAMES[code]


def in_school_zone(zone: str) -> list[str]:
    """The départements of zone A, B or C, in code order."""
    return [code for code in CODES if _ZONE_OF.get(code) == zone]


def listing() -> list[dict[str, str]]:
    return [{"code": code, "name": label} for code, label in NAMES.items()]


_HINT = "Indiquez 01 à 95, 2A, 2B, 971, 972, 973, 974 ou 976."
