"""Content rules for CORG alerts and the national feed, in one table a jurist can review.

Each rule has a stable id, a French title, the French explanation the operator reads, and either
word lists or patterns, with the examples it must refuse (the tests check every example).

How words are matched: accents, case and typographic apostrophes are ignored; a word or phrase
matches only as whole words ("suspect" does not match "suspendu"); every word of a list also covers
its plural in -s or -x ("rôdeur" covers "rôdeurs", "individu louche" covers "individus louches").

How length is counted: as a person counts, one character per user-perceived character (Unicode
extended grapheme cluster, UAX #29) of the text after Unicode NFC normalisation and trimming: "é"
typed as e + accent, a flag or an emoji with a skin tone each count as one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache

import regex

MAX_LENGTH = 160

OFFENCE_TYPES: dict[str, str] = {
    "cambriolage_habitation": "Cambriolage d'habitation",
    "cambriolage_commerce": "Cambriolage de commerce",
    "tentative_cambriolage": "Tentative de cambriolage",
    "serie_cambriolages": "Série de cambriolages",
}


@dataclass(frozen=True)
class Pattern:
    """A regular expression with the plain-French description a jurist reads instead of it."""

    label: str
    regex: str


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    message: str
    words: tuple[str, ...] = ()
    patterns: tuple[Pattern, ...] = ()
    refused_examples: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Finding:
    """One broken rule: its id, the French explanation, and the offending fragment if there is one."""

    rule: str
    message: str
    excerpt: str | None = None

    def as_dict(self, *, with_excerpt: bool = True) -> dict[str, str]:
        shown = {"rule": self.rule, "message": self.message}
        if with_excerpt and self.excerpt is not None:
            shown["excerpt"] = self.excerpt
        return shown


# Short French words that look like the letter blocks of a licence plate when a message is typed
# in capitals ("COMPOSEZ LE 112 OU LE 17"): never read as a plate.
_NOT_PLATE_LETTERS = "LE|LA|DE|DU|EN|ET|OU|AU|UN|SI|NE|ON|IL|SE|CE|SA|MA|TA|ES|HR|KM|MN|MIN|DES|LES|AUX|UNE|SUR"

# fmt: off
RULES: tuple[Rule, ...] = (
    # --- Form -------------------------------------------------------------------------------
    Rule(
        id="length",
        title="Longueur",
        message="Le message doit compter de 1 à {max} caractères ; il en compte {length}.",
        refused_examples=("", "x" * 161),
    ),
    Rule(
        id="control_characters",
        title="Caractères invisibles",
        message=(
            "Le message contient un retour à la ligne, une tabulation ou un caractère de contrôle "
            "invisible : écrivez-le sur une seule ligne."
        ),
        refused_examples=("Cambriolages\nà Lodève", "Cambriolages\u202eà Lodève"),
    ),
    Rule(
        id="offence_type",
        title="Type d'infraction",
        message=(
            "Choisissez le type d'infraction parmi : cambriolage d'habitation, cambriolage de commerce, "
            "tentative de cambriolage, série de cambriolages."
        ),
    ),
    Rule(
        id="offence_not_established",
        title="Infraction constatée",
        message=(
            "Seule une infraction constatée par la gendarmerie (plainte ou procès-verbal) peut être "
            "annoncée : confirmez qu'elle est établie."
        ),
    ),
    # --- Substance: established facts only -------------------------------------------------
    Rule(
        id="suspicion",
        title="Simple soupçon",
        message=(
            "Un simple soupçon ne peut pas être diffusé (présomption d'innocence) : n'annoncez que des "
            "infractions constatées, sans évoquer de personnes ou de véhicules « suspects »."
        ),
        words=(
            "suspect", "suspecte", "suspecté", "suspectée", "suspicion", "suspicieux", "suspicieuse",
            "soupçon", "soupçonné", "soupçonnée", "repérage", "repéré", "repérée", "rôdeur", "rôdeuse",
            "rôder", "rôdent", "rôdant", "louche", "individu louche", "comportement étrange",
            "allées et venues", "guetteur",
        ),
        refused_examples=(
            "Attention : véhicule ou personnes suspectes en repérage dans les zones artisanales...",
            "Individus louches signalés à Pézenas",
            "Un rôdeur aperçu près des écoles",
            "Comportement suspect d'un démarcheur",
            "VÉHICULE SUSPECT SIGNALÉ",
        ),
    ),
    # --- Nothing that identifies a person ---------------------------------------------------
    Rule(
        id="licence_plate",
        title="Plaque d'immatriculation",
        message="Une plaque d'immatriculation permet d'identifier une personne : retirez-la du message.",
        patterns=(
            Pattern("plaque SIV avec tirets, majuscules ou minuscules (AB-123-CD)", r"(?i)\b[a-z]{2}-\d{3}-[a-z]{2}\b"),
            Pattern(
                "plaque SIV en majuscules, avec espaces ou collée (AB 123 CD, AB123CD)",
                rf"\b(?!(?:{_NOT_PLATE_LETTERS})\b)[A-Z]{{2}} ?\d{{3}} ?(?!(?:{_NOT_PLATE_LETTERS})\b)[A-Z]{{2}}\b",
            ),
            Pattern(
                "ancienne plaque FNI (1234 AB 56, 123 ABC 974)",
                rf"\b\d{{1,4}}[ -]?(?!(?:{_NOT_PLATE_LETTERS})\b)[A-Z]{{2,3}}[ -]?(?:\d{{2}}|2A|2B|97[1-6])\b",
            ),
        ),
        refused_examples=(
            "Voiture AB-123-CD vue à Sète",
            "voiture ab-123-cd",
            "Voiture AB 123 CD",
            "Voiture AB123CD",
            "Ancienne voiture 1234 AB 56",
            "Véhicule 123 ABC 974",
        ),
    ),
    Rule(
        id="phone_number",
        title="Numéro de téléphone",
        message=(
            "Un numéro de téléphone ne peut pas figurer dans une alerte : renvoyez vers le 17 ou "
            "le 112 en cas d'urgence."
        ),
        patterns=(
            Pattern(
                "numéro français à 10 chiffres, espacé ou non, ou en +33 / 0033 (06 12 34 56 78, +33 (0)6 12...)",
                r"(?<![\d+])(?:(?:\+|00)\s?33\s?(?:\(0\)\s?)?|0)(?:[\s.\-]?\d){9}(?!\d)",
            ),
            Pattern("numéro international (+44 20 7946 0958)", r"(?<![\d+])\+\d(?:[\s.\-]?\d){7,14}(?!\d)"),
        ),
        refused_examples=(
            "Contactez le 06 12 34 56 78",
            "Appelez le 0612345678",
            "Appelez le 06.12.34.56.78",
            "Appelez le +33 6 12 34 56 78",
            "Appelez le 0033612345678",
            "Appelez le 0 892 705 705",
            "Appelez le +44 20 7946 0958",
        ),
    ),
    Rule(
        id="email",
        title="Adresse électronique",
        message="Une adresse électronique ne peut pas figurer dans une alerte : retirez-la du message.",
        patterns=(Pattern("adresse électronique (nom@domaine.fr)", r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+"),),
        refused_examples=("Écrivez à jean.dupont@exemple.fr",),
    ),
    Rule(
        id="url",
        title="Lien",
        message="Aucun lien ni adresse de site ne peut figurer dans une alerte : retirez-le du message.",
        patterns=(
            Pattern("lien complet (https://..., www...)", r"(?i)\b(?:https?://|www\.)\S+"),
            Pattern(
                "adresse de site (exemple.fr, exemple.com/page)",
                r"(?i)\b[a-z0-9\-]{2,}(?:\.[a-z0-9\-]+)*\.(?:fr|com|net|org|eu|info|io|gouv|re|be|ch|me|ly)\b(?:/\S*)?",
            ),
        ),
        refused_examples=(
            "Détails sur https://exemple.fr/alerte",
            "Détails sur www.exemple.fr",
            "Détails sur exemple.com",
        ),
    ),
    Rule(
        id="named_person",
        title="Personne nommée",
        message="Aucune personne ne peut être nommée dans une alerte (présomption d'innocence, vie privée).",
        patterns=(
            Pattern(
                "civilité suivie d'un nom (M. Dupont, Mme Martin)",
                r"\b(?:M\.|Mme|Mlle|Monsieur|Madame|Mademoiselle)\s+[A-ZÀ-Ý][\w'\-]+",
            ),
        ),
        refused_examples=("Cambriolage chez M. Dupont", "Cambriolage chez Madame Martin"),
    ),
    Rule(
        id="street_address",
        title="Adresse précise",
        message=(
            "Un numéro de rue désigne un logement et ses occupants : indiquez seulement la commune, "
            "le quartier ou la rue."
        ),
        patterns=(
            Pattern(
                "numéro suivi d'une voie (12 rue des Lilas, 3 bis avenue...)",
                r"(?i)\b\d{1,4}\s?(?:bis|ter)?,?\s+(?:rue|avenue|av\.|boulevard|bd|chemin|impasse|allée|place"
                r"|route|quai|cours|square|lotissement|résidence|lieu-dit)\b",
            ),
        ),
        refused_examples=("Cambriolage au 12 rue des Lilas", "Cambriolage 3 bis avenue Foch"),
    ),
    # --- Scope: burglary only -----------------------------------------------------------------
    Rule(
        id="off_topic",
        title="Hors sujet",
        message=(
            "Ce sujet sort du champ de l'application, réservée aux cambriolages de logements et de "
            "commerces (ni sécurité routière, ni délinquance des mineurs, ni stupéfiants, ni rodéos…)."
        ),
        words=(
            # road safety
            "sécurité routière", "accident de la route", "accident de la circulation", "excès de vitesse",
            "contrôle routier", "contrôle de vitesse", "radar", "alcool au volant", "alcoolémie",
            "permis de conduire", "ceinture de sécurité",
            # juvenile delinquency
            "délinquance juvénile", "délinquance des mineurs", "mineur délinquant", "bande de jeunes", "rixe",
            "harcèlement scolaire",
            # drugs
            "drogue", "stupéfiant", "cannabis", "cocaïne", "héroïne", "point de deal", "dealer", "dealeur",
            # rodeos
            "rodéo", "rodéo urbain", "rodéo motorisé",
            # other subjects with their own channels
            "disparition inquiétante", "alerte enlèvement", "attentat", "terrorisme", "terroriste", "incendie",
            "feu de forêt", "inondation", "canicule", "tempête", "vigilance orange", "vigilance rouge",
            "violences conjugales", "violences intrafamiliales", "manifestation", "escroquerie", "arnaque",
            "hameçonnage", "phishing", "vol de voiture", "vol de véhicule", "vol à l'arraché", "vol à la tire",
            "pickpocket",
        ),
        refused_examples=(
            "Sécurité routière : contrôles renforcés ce week-end",
            "Délinquance juvénile en hausse",
            "Trafic de stupéfiants démantelé",
            "Saisie de drogue à Béziers",
            "Rodéos urbains signalés cette nuit",
            "Arnaques aux faux conseillers bancaires",
        ),
    ),
)
# fmt: on

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
IDENTIFYING_RULES = ("licence_plate", "phone_number", "email", "url", "named_person", "street_address")
_BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "‘": "'", "`": "'"})


# --- Checks ------------------------------------------------------------------------------------


def normalize_text(text: str) -> str:
    """The text as it will be stored and pushed: Unicode NFC, surrounding whitespace removed."""
    return unicodedata.normalize("NFC", text).strip()


def length(text: str) -> int:
    """Characters as a person counts them (grapheme clusters) in the normalised text."""
    return len(regex.findall(r"\X", normalize_text(text)))


def check_alert(*, text: str, offence_type: str | None, offence_established: bool | None) -> list[Finding]:
    """Every rule an operational alert breaks (empty list: it may be sent)."""
    text = normalize_text(text)
    findings = _check_form(text)
    if offence_type not in OFFENCE_TYPES:
        findings.append(_finding("offence_type"))
    if offence_established is not True:
        findings.append(_finding("offence_not_established"))
    findings += _check_words(RULES_BY_ID["suspicion"], text)
    findings += check_identifying(text)
    findings += check_topic(text)
    return findings


def check_topic(text: str) -> list[Finding]:
    """The off-topic rule alone (also applied to the national feed)."""
    return _check_words(RULES_BY_ID["off_topic"], normalize_text(text))


def check_identifying(text: str) -> list[Finding]:
    """Plates, phone numbers, e-mail addresses, links, named persons, precise addresses."""
    findings: list[Finding] = []
    for rule_id in IDENTIFYING_RULES:
        rule = RULES_BY_ID[rule_id]
        match = _first_match(rule, text)
        if match is not None:
            findings.append(_finding(rule_id, excerpt=match))
    return findings


def redact(text: str) -> str:
    """The text with everything identifying masked, so that a refused attempt can be audited
    without keeping the personal data that made it refused."""
    for rule_id in IDENTIFYING_RULES:
        for pattern in RULES_BY_ID[rule_id].patterns:
            text = _compiled(pattern.regex).sub("[masqué]", text)
    return text


def _check_form(text: str) -> list[Finding]:
    findings: list[Finding] = []
    count = length(text)
    if not 1 <= count <= MAX_LENGTH:
        findings.append(_finding("length", length=count, max=MAX_LENGTH))
    if any(_is_control(ch) for ch in text):
        findings.append(_finding("control_characters"))
    return findings


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") or ch in _BIDI_CONTROLS


def _finding(rule_id: str, *, excerpt: str | None = None, **values: int) -> Finding:
    rule = RULES_BY_ID[rule_id]
    return Finding(rule.id, rule.message.format(**values) if values else rule.message, excerpt)


def _first_match(rule: Rule, text: str) -> str | None:
    for pattern in rule.patterns:
        found = _compiled(pattern.regex).search(text)
        if found:
            return found.group(0)
    return None


def _check_words(rule: Rule, text: str) -> list[Finding]:
    folded, origin = _fold_with_origin(text)
    found = _word_pattern(rule.id).search(folded)
    if found is None:
        return []
    excerpt = text[origin[found.start()] : origin[found.end() - 1] + 1]
    return [_finding(rule.id, excerpt=excerpt)]


@cache
def _compiled(expression: str) -> re.Pattern[str]:
    return re.compile(expression)


@cache
def _word_pattern(rule_id: str) -> re.Pattern[str]:
    """One alternation of the rule's words: folded, whole words, each word with an optional plural."""
    phrases = []
    for entry in RULES_BY_ID[rule_id].words:
        words = re.split(r"[\s']+", _fold(entry))
        phrases.append(r"[\s'\-]+".join(re.escape(word) + "[sx]?" for word in words))
    phrases.sort(key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(phrases) + r")(?!\w)")


def _fold(text: str) -> str:
    return _fold_with_origin(text)[0]


def _fold_with_origin(text: str) -> tuple[str, list[int]]:
    """Accents removed, case folded, apostrophes unified; `origin[i]` is the index in `text` of
    the character that produced folded character `i` (to quote the original words back)."""
    pieces: list[str] = []
    origin: list[int] = []
    for index, ch in enumerate(text.translate(_APOSTROPHES)):
        bare = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c)).casefold()
        pieces.append(bare)
        origin.extend([index] * len(bare))
    return "".join(pieces), origin
