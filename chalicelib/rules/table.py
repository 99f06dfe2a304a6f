"""THE TABLE: every content rule of alerts and feed items, as a jurist reads it.

One entry per rule: its id (stable, named in every refusal), its French title, the French
explanation the operator reads, what it looks for (each with a plain-French label and, for the
curious, the pattern), the exceptions that keep lawful wording lawful, and examples it must refuse
and examples it must accept (the tests check every one of them).

How the patterns read the text (see `text.py`): invisible characters removed, look-alike letters
of other alphabets read as Latin ones, case ignored (except where a pattern says capitals matter),
an accented letter of a pattern also matching the bare letter but never the reverse, whole words
only. Exceptions:
- « conseil » : the words are part of a general piece of advice, a sentence or clause in the
  imperative (« Signalez au 17 tout comportement suspect », « Surveillez les maisons de vos voisins »);
- « infraction » : the message announces an offence (« Vols commis par de faux agents des eaux à
  Agde »), so the way of working is described about facts, not persons;
- « cambriolage » : the message speaks of burglaries (« pendant la feria, maisons cambriolées »).
A word that is part of a commune's name written as a place (« à Louches », « Baigneux-les-Juifs »)
is never read as the word.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from chalicelib.rules import persons
from chalicelib.rules.text import Prepared

MAX_LENGTH = 160

OFFENCE_TYPES: dict[str, str] = {
    "cambriolage_habitation": "Cambriolage d'habitation",
    "cambriolage_commerce": "Cambriolage de commerce",
    "tentative_cambriolage": "Tentative de cambriolage",
    "serie_cambriolages": "Série de cambriolages",
}

ADVICE = "conseil"
BURGLARY = "cambriolage"
OFFENCE = "infraction"


@dataclass(frozen=True)
class Pattern:
    """What a rule looks for: a plain-French label, and either a regular expression, a list of words
    (each also covers its plural in -s or -x), or a function written in code (`finder`)."""

    label: str
    regex: str = ""
    words: tuple[str, ...] = ()
    capitals: bool = False  # read the text as typed (capitals matter), not lower-cased
    unless: tuple[str, ...] = ()  # ADVICE, OFFENCE: see the module's docstring
    finder: Callable[[Prepared], Iterator[tuple[int, int]]] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    message: str
    patterns: tuple[Pattern, ...] = ()
    refused_examples: tuple[str, ...] = field(default=(), compare=False)
    accepted_examples: tuple[str, ...] = field(default=(), compare=False)


def words(label: str, *entries: str, unless: tuple[str, ...] = ()) -> Pattern:
    return Pattern(label, words=entries, unless=unless)


# Recurring pieces of patterns (lower case; accents are optional in the text).
PERSON = (
    r"(?:hommes?|femmes?|individus?|personnes?|jeunes?|inconnue?s?|couples?|groupes?|garçons?|filles?"
    r"|ados|adolescente?s?|types?|gens|quelqu'un|démarcheu(?:rs?|ses?)|vendeu(?:rs?|ses?)|colporteurs?)"
)
VEHICLE = (
    r"(?:véhicules?|voitures?|utilitaires?|camionnettes?|fourgons?|fourgonnettes?|camions?|scooters?|motos?"
    r"|berlines?|breaks?|vans?|4x4|monospaces?|deux-roues|quads?|camping-cars?)"
)
AGED = (
    rf"(?:{PERSON[3:-1]}|retraitée?s?|victimes?|propriétaires?|habitante?s?|voisine?s?|occupante?s?|locataires?"
    r"|seniors?|veuve?s?|veufs?|dames?|messieurs|monsieur|mères?|pères?|grands?-mères?|grands?-pères?|enfants?"
    r"|commerçante?s?|gérante?s?|auteurs?|cambrioleu(?:rs?|ses?)|voleu(?:rs?|ses?)|suspects?|mineure?s?|majeure?s?"
    r"|étudiante?s?|lycéenne?s?|collégienne?s?|mamies?|papys?|octogénaires?|nonagénaires?)"
)
SEEN = r"(?:vue?s?|aperçue?s?|observée?s?|remarquée?s?|repérée?s?|signalée?s?|surprise?s?|croisée?s?|filmée?s?)"
ACTIVE = r"(?<!\ba )(?<!\bont )(?<!avait )(?<!avaient )(?<!\bai )(?<!avons )(?<!avez )(?<!aurait )(?<!auraient )"
SOME = r"(?:un|une|deux|trois|quatre|cinq|plusieurs|quelques|ce|cet|cette|ces|\d+)"
CLAUSE = r"(?:[\s,]+[^\s.;:!?,]+){0,6}?[\s,]+"  # up to six words of the same clause
NATIONALITY = (
    r"(?:roumain|albanais|bulgare|géorgien|tchétchène|kosovar|serbe|croate|bosniaque|moldave|ukrainien|russe"
    r"|polonais|lituanien|letton|hongrois|slovaque|tchèque|algérien|marocain|tunisien|maghrébin|libyen|égyptien"
    r"|africain|nord-africain|subsaharien|sénégalais|malien|ivoirien|nigérian|nigérien|congolais|camerounais"
    r"|comorien|mahorais|somalien|érythréen|soudanais|turc|turque|kurde|afghan|pakistanais|syrien|irakien"
    r"|iranien|tchadien|guinéen|chinois|vietnamien|asiatique|indien|sri-lankais|espagnol|portugais|italien"
    r"|anglais|britannique|irlandais|allemand|belge|suisse|néerlandais|hollandais|américain|sud-américain"
    r"|colombien|chilien|brésilien|péruvien|étranger|étrangère|européen|est-européen|slave|arabe|gitan"
    r"|yougoslave|antillais|guyanais|haïtien|roms?|rroms?|tsigane|tzigane|manouche|juif|musulman)(?:n?e?s?)"
)
INTRODUCER = (
    r"(?i:\b(?:le|la|un|une|l')\s?(?:nommée?|dénommée?|prénommée?|surnommée?)|\balias|\bsurnommée?s?"
    r"|\bun certain|\bune certaine)"
)
TITLE = r"(?:M\.|MM\.|Mme|Mmes|Mlle|Monsieur|Madame|Mademoiselle|Me|Maître|Dr|Docteur|Pr)"
RANK = (
    r"(?i:(?<!-)\b(?:le|la|l')\s?(?:adjudante?(?:-chef)?|gendarme|maréchal des logis(?:-chef)?|brigadier(?:-chef)?"
    r"|major|lieutenante?|capitaine|commandante?|colonel|générale?|maire|adjointe?|procureure?|juge|commissaire"
    r"|docteur|médecin|notaire|pharmacienne?|professeure?|abbé|père|curé|pasteur|imam|rabbin|avocate?))"
)
FACT = (
    r"(?:cambriol\w*|vols?|effractions?|tentatives?|intrusions?|auteurs?|voleurs?|malfaiteurs?|faits?"
    r"|infractions?|passages?|repérages?|visites?|victimes?|agressions?)"
)
HEDGE = r"(?:possibles?|probables?|éventuel(?:le)?s?|supposée?s?|potentiel(?:le)?s?|hypothétiques?|présumée?s?)"
# A capitalised word that can be a name (not « DE », « CETTE »… of a text in capitals).
UPPER_WORD = (
    r"(?!(?:DE|DU|DES|LA|LE|LES|CE|CET|CETTE|CES|ET|OU|AU|AUX|EN|SUR|DANS|PAR|POUR|SA|SON|SES)\b)"
    r"[A-ZÀ-ÖØ-Ý][\w'\-]+"
)

# fmt: off
RULES: tuple[Rule, ...] = (
    # --- Form -------------------------------------------------------------------------------
    Rule(
        id="length",
        title="Longueur",
        message="Le message doit compter de 1 à {max} caractères ; il en compte {length}.",
        refused_examples=("", "x" * 161),
        accepted_examples=("é" * 160,),
    ),
    Rule(
        id="control_characters",
        title="Caractères invisibles",
        message=(
            "Le message contient un retour à la ligne, une tabulation ou un caractère invisible (trait "
            "d'union conditionnel, espace sans largeur, contrôle de sens d'écriture…) : retapez-le sur "
            "une seule ligne, sans copier-coller."
        ),
        refused_examples=(
            "Cambriolages\nà Lodève", "Cambriolages\u202eà Lodève", "Cambriolages à Lo\u00addève",
            "Appelez le 06\u200b12 34 56 78", "Cambriolages\ufeff à Sète",
        ),
        accepted_examples=("Cambriolages à Mèze 👨‍👩‍👧 restez vigilants",),
    ),
    Rule(
        id="foreign_script",
        title="Lettres d'un autre alphabet",
        message=(
            "Le message contient des lettres d'un autre alphabet (cyrillique, grec…) qui imitent des "
            "lettres latines : retapez-le au clavier français."
        ),
        refused_examples=("Cambriolages à Sèt\u0435", "Individu susp\u0435ct à Agde"),
        accepted_examples=("Cambriolages à Sète, Agde et Frontignan : fermez à clé.",),
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
            "infractions constatées, sans décrire des personnes ou des véhicules vus, ni leur comportement."
        ),
        patterns=(
            words(
                "mots du soupçon", "suspect", "suspecte", "suspecté", "suspectée", "suspicion", "suspicieux",
                "suspicieuse", "soupçon", "soupçonné", "soupçonnée", "repérage", "repérages", "repéré", "repérée",
                "repérés", "repérées", "repérant", "en repérage",
                "rôdeur", "rôdeuse", "rôder", "rôde", "rôdent", "rôdant", "louche", "individu louche",
                "guetteur", "allées et venues", "comportement étrange", "comportement bizarre",
                "comportement inhabituel", "individu douteux", "malintentionné", "mal intentionné",
                unless=(ADVICE,),
            ),
            Pattern(
                "des personnes ou des véhicules vus, aperçus, remarqués, signalés… (« deux hommes ont été vus »)",
                rf"\b(?:{PERSON}|{VEHICLE}){CLAUSE}{ACTIVE}{SEEN}\b",
            ),
            Pattern(
                "quelqu'un qui voit des personnes (« un voisin a aperçu deux individus »)",
                rf"\b(?:vu|aperçu|observé|remarqué|croisé|surpris|filmé)\s+{SOME}\s+(?:\w+\s+)?{PERSON}\b",
            ),
            Pattern(
                "une scène observée (« en train de regarder, de photographier, de sonner… »)",
                r"\ben train d[e']\s*(?:regarder|observer|photographier|filmer|prendre|relever|noter|inspecter"
                r"|examiner|scruter|tourner|rôder|fouiller|essayer|tester|sonner|frapper|escalader|repérer"
                r"|surveiller|guetter|traîner|faire le tour|longer)",
                unless=(ADVICE,),
            ),
            Pattern(
                "observer, photographier les maisons, regarder par-dessus les clôtures, prendre des photos",
                r"\b(?:regard|observ|scrut|photographi|film|inspect|examin|surveill|guett|épi|lorgn)\w*\s+"
                r"(?:par-dessus\s+|attentivement\s+|longuement\s+|avec insistance\s+)?"
                r"(?:les|des|leurs?|la|le|l'|vos|nos)\s?"
                r"(?:clôtures?|façades?|maisons?|portails?|fenêtres?|boîtes? aux lettres|habitations?|propriétés?"
                r"|jardins?|volets?|pavillons?|logements?|entrées?|serrures?|domiciles?|commerces?|vitrines?|garages?"
                r"|portes?|haies?|murs?)\b"
                r"|\bpar-dessus (?:les|des|la|le|l')\s?(?:clôtures?|haies?|portails?|murs?|grillages?|murets?)"
                r"|\bpren\w*\s+(?:des\s+photos|en\s+photos?)\b|\brel[eè]v\w*\s+(?:les\s+)?(?:noms|numéros|plaques|horaires)\b"
                r"|\b(?:font|fait|faisant|faire)\s+le\s+tour\s+des\s+(?:maisons|habitations|propriétés|jardins|rues|villas)\b"
                r"|\bmarquages?\s+(?:sur|à la craie)"
                r"|\b(?:signes?|symboles?|croix)\s+(?:à la craie|sur les (?:portes|boîtes|murs))",
                unless=(ADVICE,),
            ),
            Pattern(
                "un véhicule ou des personnes qui circulent, tournent, stationnent dans un quartier",
                rf"\b(?:{VEHICLE}|{PERSON}){CLAUSE}(?:circul|tourn|sillonn|patrouill|rôd)\w*"
                r"|\bstationn\w*\s+(?:depuis|devant|plusieurs|longtemps|régulièrement|souvent|toute)\b"
                r"|\b(?:circul|roul|pass)\w*\s+(?:très\s+|tout\s+)?(?:lentement|doucement|au pas|au ralenti)"
                r"|\b(?:tourn|circul)\w*\s+(?:dans|autour|en rond)\s+(?:le|les|du|des|de la|d'un|d'une)\s?"
                r"(?:quartiers?|lotissements?|rues?|résidences?|village|hameau|secteur|zone|cité|parkings?)"
                r"|\bpass\w* et repass\w*|\ballers?[- ]et[- ]retours?|\ballers?-retours?",
                unless=(ADVICE,),
            ),
            Pattern(
                "du porte-à-porte, des démarcheurs, de faux agents, quelqu'un « se présentant comme »",
                r"\bporte[- ]à[- ]porte\b|\bsonn\w*\s+aux\s+portes\b|\bfrapp\w*\s+aux\s+portes\b|\bdémarch\w*"
                r"|\bcolporteu\w*|\bse\s+présent\w*\s+comme\b|\bse\s+disant\b|\bse\s+faisant\s+passer\b"
                r"|\bpropos\w*\s+(?:de\s+|d')(?:nettoyer|élaguer|réparer|tailler|démousser|vendre|ramoner|rénover|traiter"
                r"|repeindre|vérifier|contrôler)|\bse\s+prétend\w*|\ben\s+prétendant\b|\bsoi-disant\b|\bprétendue?s?\s+(?:agents?|employée?s?|techniciens?)"
                r"|\bfau(?:x|sses?)\s+(?:agents?|policiers?|gendarmes?|plombiers?|techniciens?|employée?s?|releveurs?"
                r"|ramoneurs?|pompiers?|électriciens?|infirmiers?|infirmières?|aides?|livreurs?|éboueurs?|postiers?)",
                unless=(OFFENCE,),
            ),
            Pattern(
                "une mise en garde contre quelqu'un (« attention à une femme qui… », « méfiez-vous de deux hommes »)",
                rf"\b(?:attention|méfiez-vous|méfiance|gare|prudence)\s?(?:à|aux?|de|d'|du|des|face à|envers|:|,)?\s?"
                rf"(?:{SOME}|des|la|le|l')\s?(?:{PERSON}|{VEHICLE})\b",
            ),
            Pattern(
                "la présence de personnes ou de véhicules (« présence inhabituelle », « campement »)",
                r"\bprésences?\s+(?:inhabituelles?|étranges?|répétées?|suspectes?|d'individus|d'inconnus|d'un|d'une"
                r"|de deux|de plusieurs|de personnes|de véhicules?|de jeunes|de démarcheurs|de nomades)"
                r"|\battroupements?\b|\bcampements?\b|\binstallée?s?\s+illégalement\b",
                unless=(ADVICE,),
            ),
        ),
        refused_examples=(
            "Attention : véhicule ou personnes suspectes en repérage dans les zones artisanales...",
            "Individus louches signalés à Pézenas",
            "Un rôdeur aperçu près des écoles",
            "VÉHICULE SUSPECT SIGNALÉ",
            "Deux hommes ont été vus en train de regarder par-dessus les clôtures à Saint-Clément",
            "Un utilitaire gris circule lentement dans le lotissement des Pins",
            "Quelqu'un photographie les façades rue de la Gare",
            "Attention à une femme qui se présente comme aide à domicile",
            "Des démarcheurs font du porte-à-porte à Lunel",
            "Un voisin a aperçu deux individus près de l'école",
            "Des cambrioleurs ont été vus repérant les maisons à Mauguio",
        ),
        accepted_examples=(
            "Cambriolages à Lodève : signalez au 17 tout comportement suspect.",
            "Vols commis par de faux agents des eaux chez des personnes âgées à Agde : demandez une carte.",
            "Cambriolages : les voleurs profitent des absences signalées par le courrier qui s'accumule.",
            "Cambriolages à Béziers : un guide pour repérer les failles de votre logement sur l'appli.",
            "Cambriolages à Mèze : surveillez les maisons de vos voisins absents.",
        ),
    ),
    Rule(
        id="unconfirmed",
        title="Fait non établi",
        message=(
            "Le message présente un fait comme possible, rapporté ou non confirmé : seule une infraction "
            "constatée (plainte ou procès-verbal) peut être annoncée, sans conditionnel ni rumeur."
        ),
        patterns=(
            Pattern(
                "le conditionnel des faits rapportés (« des vols auraient eu lieu »), sauf après « qui » ou « si »",
                r"(?<!\bqui )(?<!\bsi )(?<!qu'il )(?<!qu'elle )(?<!qu'ils )\b(?:aurai(?:t|ent)|serai(?:t|ent)"
                r"|pourrai(?:t|ent)|semblerai(?:t|ent))\b",
            ),
            Pattern(
                "un fait ou un auteur dit possible, probable, éventuel, présumé, supposé (« vols possibles », "
                "« présumés auteurs »), ou « il est probable que »",
                rf"\b{FACT}\s+(?:\w+\s+)?{HEDGE}\b|\b{HEDGE}\s+(?:\w+\s+)?{FACT}\b|\bprésumée?s?\b"
                rf"|\b(?:il\s+est|c'est)\s+(?:très\s+)?(?:possible|probable)\s+qu",
            ),
            Pattern(
                "la rumeur et le doute (« selon des habitants », « non confirmé », « il semble », « peut-être »)",
                r"\b(?:rumeurs?|on-dit|bruits?\s+(?:qui\s+courent|qui\s+court|courent)|il\s+(?:se\s+dit|para[iî]t"
                r"|sembler(?:ait)?|semble)|semble-t-il|para[iî]t-il|apparemment|vraisemblablement|probablement|possiblement"
                r"|éventuellement|potentiellement|supposément|présumément|a\s+priori|sans\s+doute"
                r"|peut-être|peut\s+être|il\s+se\s+peut|on\s+parle\s+d)"
                r"|\b(?:non|pas|pas\s+encore|jamais)\s+(?:confirmée?s?|vérifiée?s?|établie?s?|avérée?s?)\b"
                r"|\bà\s+(?:confirmer|vérifier)\b|\brien\s+(?:n'est|de)\s+(?:confirmé|établi|vérifié|avéré|officiel)"
                r"|\b(?:selon|d'après)\s+(?:des|les|plusieurs|certains|quelques|un|une|de\s+nombreux|nos)\s+"
                r"(?:habitants?|habitantes?|riverains?|voisins?|voisines?|témoins?|commerçants?|rumeurs?|internautes?"
                r"|sources?|informations?|réseaux|échos|bruits|messages?|publications?|personnes?)"
                r"|\b(?:selon|d'après|vue?s?|lue?s?|circulen?t?|relayée?s?)\s+(?:sur\s+)?(?:les\s+)?(?:réseaux\s+sociaux"
                r"|facebook|whatsapp|internet)\b"
                r"|\b(?:habitants?|riverains?|voisins?)\s+(?:(?:de|d'|du)\s?[\w-]+\s+)?"
                r"(?:signalent|rapportent|affirment|disent|évoquent|parlent|racontent)\b",
            ),
            Pattern(
                "pas de plainte (« pas de plainte pour l'instant », « aucune plainte »)",
                r"\b(?:pas|aucune|sans|ni)\s+(?:encore\s+)?(?:de\s+|d'une\s+)?plaintes?\b"
                r"|\bpas\s+(?:encore\s+)?(?:porté|déposé)\s+plainte|\bplaintes?\s+non\s+déposées?"
                r"|\baucun\s+(?:fait|vol|cambriolage)\s+(?:constaté|établi|confirmé)",
            ),
            Pattern(
                "des cambriolages annoncés pour l'avenir (« attendus », « à prévoir »)",
                r"\b(?:cambriolages?|vols?|effractions?)\s+(?:attendus|à\s+prévoir|à\s+craindre|à\s+venir)\b",
            ),
        ),
        refused_examples=(
            "Cambriolages possibles ce week-end à Lattes",
            "Selon des habitants, des vols auraient eu lieu à Lunel",
            "Pas de plainte pour l'instant mais soyez prudents à Marseillan",
            "Présumés cambrioleurs interpellés à Agde",
            "Cambriolage non confirmé à Clapiers",
            "Il semble que des maisons aient été visitées à Gignac",
        ),
        accepted_examples=(
            "Cambriolages à Lunel : appelez le 17 dès que possible si vous êtes témoin.",
            "Toute personne qui aurait remarqué quelque chose à Agde peut appeler le 17.",
            "Cambriolages à Sète : il est possible de porter plainte en ligne.",
            "Cambriolages à Pézenas : les éventuels témoins peuvent appeler le 17.",
        ),
    ),
    # --- Nothing that identifies a person ---------------------------------------------------
    Rule(
        id="licence_plate",
        title="Plaque d'immatriculation",
        message="Une plaque d'immatriculation permet d'identifier une personne : retirez-la du message.",
        patterns=(
            Pattern(
                "plaque SIV avec tirets, majuscules ou minuscules (AB-123-CD)",
                r"(?<![\w-])[a-z]{2}-\d{3}-[a-z]{2}(?![\w-])",
            ),
            Pattern(
                "plaque SIV en majuscules, avec espaces ou collée (AB 123 CD, AB123CD)",
                r"\b(?!(?:LE|LA|DE|DU|EN|ET|OU|AU|UN|SI|NE|ON|IL|SE|CE|SA|MA|TA|ES|HR|KM|MN|MIN|DES|LES|AUX|UNE|SUR)\b)"
                r"[A-Z]{2} ?\d{3} ?(?!(?:LE|LA|DE|DU|EN|ET|OU|AU|UN|SI|NE|ON|IL|SE|CE|SA|MA|TA|ES|HR|KM|MN|MIN|DES"
                r"|LES|AUX|UNE|SUR)\b)[A-Z]{2}\b",
                capitals=True,
            ),
            Pattern(
                "ancienne plaque FNI (1234 AB 56, 123 ABC 974)",
                r"\b\d{1,4}[ -]?(?!(?:LE|LA|DE|DU|EN|ET|OU|AU|UN|SI|NE|ON|IL|SE|CE|SA|MA|TA|ES|HR|KM|MN|MIN|DES|LES"
                r"|AUX|UNE|SUR)\b)[A-Z]{2,3}[ -]?(?:\d{2}|2A|2B|97[1-6])\b",
                capitals=True,
            ),
        ),
        refused_examples=(
            "Voiture AB-123-CD vue à Sète", "voiture ab-123-cd", "Voiture AB 123 CD", "Voiture AB123CD",
            "Ancienne voiture 1234 AB 56", "Véhicule 123 ABC 974", "Voiture AB-\u2060123-CD",
        ),
        accepted_examples=("COMPOSEZ LE 112 OU LE 17 EN CAS D'URGENCE APRÈS UN CAMBRIOLAGE À AGDE",),
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
            "Contactez le 06 12 34 56 78", "Appelez le 0612345678", "Appelez le 06.12.34.56.78",
            "Appelez le +33 6 12 34 56 78", "Appelez le 0033612345678", "Appelez le 0 892 705 705",
            "Appelez le +44 20 7946 0958", "Appelez le 06\u200b12\u200b34\u200b56\u200b78",
        ),
        accepted_examples=("Cambriolages à Agde : composez le 17, le 112, ou le 114 par SMS.",),
    ),
    Rule(
        id="email",
        title="Adresse électronique",
        message="Une adresse électronique ne peut pas figurer dans une alerte : retirez-la du message.",
        patterns=(
            Pattern("adresse électronique (nom@domaine.fr)", r"(?<![\w.+\-])[\w.+\-]++@[\w\-]++(?:\.[\w\-]++)+"),
        ),
        refused_examples=("Écrivez à jean.dupont@exemple.fr", "Témoins : contact@mairie-agde.fr"),
        accepted_examples=("Cambriolages à Agde : 3 maisons @ Grau d'Agde, fermez à clé.",),
    ),
    Rule(
        id="url",
        title="Lien",
        message="Aucun lien ni adresse de site ne peut figurer dans une alerte : retirez-le du message.",
        patterns=(
            Pattern("lien complet (https://..., www...)", r"\b(?:https?://|www\.)\S+"),
            Pattern(
                "adresse de site (exemple.fr, exemple.com/page)",
                r"(?<![\w.\-@])(?:[a-z0-9\-]++\.)+(?:fr|com|net|org|eu|info|io|gouv|re|be|ch|me|ly|biz|shop|online"
                r"|site|app|xyz|tv|co|uk|de|es|it|pt|lu|ca)\b(?:/\S*)?",
            ),
        ),
        refused_examples=(
            "Détails sur https://exemple.fr/alerte", "Détails sur www.exemple.fr", "Détails sur exemple.com",
        ),
        accepted_examples=("Cambriolages à Agde. Fermez tout... Vraiment tout.",),
    ),
    Rule(
        id="named_person",
        title="Personne identifiable",
        message=(
            "Aucune personne ne peut être nommée ni désignée (nom, prénom, initiale, âge, titre) dans une "
            "alerte : présomption d'innocence et vie privée."
        ),
        patterns=(
            Pattern("civilité suivie d'un nom (M. Dupont, Mme Martin)", rf"\b{TITLE}\s+{UPPER_WORD}", capitals=True),
            Pattern("grade ou fonction suivi d'un nom (l'adjudant Martin, le maire Durand)",
                    rf"{RANK}\s+{UPPER_WORD}", capitals=True),
            Pattern("« le nommé », « un certain », « alias »… suivi d'un nom",
                    rf"{INTRODUCER}\s?\"?\s?{UPPER_WORD}", capitals=True),
            Pattern(
                "un prénom suivi d'un nom ou d'une initiale (Sébastien Roux, Mickaël D.), hors noms de communes, "
                "de rues et de brigades",
                finder=persons.find_names,
            ),
            Pattern(
                "l'âge d'une personne (« 41 ans », « âgé de », « une quarantaine d'années », « octogénaire »)",
                rf"\b{AGED}\s+(?:\w+\s+)?(?:de|d'environ|d'une|d'un|âgée?s?\s+de)\s?(?:\d{{1,3}}\s?ans"
                r"|(?:vingt|trent|quarant|cinquant|soixant|soixante-dix|quatre-vingt)aine)"
                r"|\b(?:âgée?s?|agée?s?)\s+(?:de\s+|d'environ\s+|d'une\s+)?(?:\d{1,3}|\w+aine)\b"
                r"|\b(?:un|une|l'|le|la|deux|trois)\s?(?:\w+\s+)?(?:quadra|quinqua|sexa|septua|octo|nona)génaires?\b"
                r"|\b(?:trentenaires?|quadras?|quinquas?|sexas?)\b",
            ),
            Pattern("un âge après un nom (« Roux, 41 ans », « (41 ans) »)",
                    r"[A-Za-zÀ-ÿ]\.?,\s\d{1,3}\s?ans\b|\(\d{1,3}\s?ans\)", capitals=True),
        ),
        refused_examples=(
            "Cambriolage chez M. Dupont", "Cambriolage chez Madame Martin",
            "Un certain Mickaël D. interpellé après les cambriolages de Lunel",
            "Sébastien Roux, 41 ans, placé en garde à vue pour cambriolages",
            "Le nommé Kevin Durand a été interpellé à Agde",
            "Cambriolage : un homme de 35 ans interpellé à Sète",
        ),
        accepted_examples=(
            "Cambriolages à Saint-Clément-de-Rivière et Saint-Jean-de-Védas : fermez à clé.",
            "Cambriolages rue Victor Hugo à Sète, fermez vos volets.",
            "Cambriolages près du collège Jean Moulin à Béziers",
            "Cambriolages dans les maisons de plus de 50 ans à Lodève : vérifiez vos serrures.",
            "Un certain nombre de cambriolages à Pierre-Bénite : verrouillez vos portes.",
        ),
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
                r"\b\d{1,4}\s?(?:bis|ter)?,?\s+(?:rue|avenue|av\.|boulevard|bd|chemin|impasse|allée|place"
                r"|route|quai|cours|square|lotissement|résidence|lieu-dit)\b",
            ),
        ),
        refused_examples=("Cambriolage au 12 rue des Lilas", "Cambriolage 3 bis avenue Foch"),
        accepted_examples=("Cambriolages rue des Lilas à Sète ce 12 mars, fermez vos volets.",),
    ),
    # --- Nothing that stigmatises anyone ----------------------------------------------------
    Rule(
        id="origin",
        title="Origine, nationalité, religion",
        message=(
            "Une alerte ne désigne jamais des personnes par leur origine, leur nationalité, leur "
            "apparence, leur religion ou leur communauté : c'est stigmatisant et interdit."
        ),
        patterns=(
            Pattern(
                "« de type … », « d'origine … », « de nationalité … », « ressortissant »",
                rf"\bde\s+type\s+(?:{NATIONALITY}|nord-af\w*|est-europ\w*|europ\w*|cauca\w*|médit\w*|latin\w*"
                r"|orient\w*|de l'est|des pays de l'est|ethnique|physique)"
                rf"|\bd'origines?\s+(?:{NATIONALITY}|ethnique|de l'est|des pays|nord-af\w*|subsah\w*|extra-europ\w*)"
                r"|\bde\s+nationalités?\b|\bressortissante?s?\b|\borigine\s+ethnique\b|\bethnies?\b|\bethniques?\b",
            ),
            Pattern(
                "des personnes désignées par une nationalité ou une communauté (« des Roumains », "
                "« individus albanais »)",
                rf"\b(?:{SOME}|des|les|de|d'|de\s+jeunes)\s?{NATIONALITY}\b"
                rf"|\b{PERSON}\s+(?:\w+\s+)?{NATIONALITY}\b"
                r"|\b(?:auteurs?|cambrioleurs?|voleurs?|malfaiteurs?|bandes?|équipes?|réseaux?|gangs?|clans?)\s+"
                rf"{NATIONALITY}\b|\bcommunautés?\s+(?:des\s+)?{NATIONALITY}\b",
            ),
            words(
                "communautés et gens du voyage", "gens du voyage", "rom", "rrom", "gitan", "gitane", "manouche",
                "tsigane", "tzigane", "romanichel", "yéniche", "bohémien", "bohémienne", "nomade",
                "communauté des voyageurs", "communauté rom",
            ),
            Pattern(
                "l'apparence ou la religion (« de couleur », « peau mate », « femme voilée », « musulmans »)",
                r"\bde\s+couleur\b(?!\s+(?:grise?|noire?|blanche|bleue?|rouge|verte?|claire|foncée|sombre))"
                r"|\bpeaux?\s+(?:noires?|mates?|blanches?|foncées?|claires?|bronzées?)\b|\bvoilée?s?\b"
                r"|\b(?:musulmane?s?|juives?|juifs?|chrétienne?s?|catholiques?|protestante?s?|islamistes?"
                r"|bouddhistes?|hindoue?s?|sikhs?|évangéliques?)\b",
            ),
            Pattern(
                "une langue ou un accent (« parlant une langue étrangère », « accent de l'Est »)",
                r"\bparl\w*\s+(?:une\s+langue\s+(?:étrangère|inconnue)|avec\s+un\s+(?:fort\s+)?accent"
                rf"|le\s+{NATIONALITY}|l'arabe|l'albanais|(?:le\s+)?romani)\b"
                rf"|\baccents?\s+(?:étrangers?|{NATIONALITY}|de l'est|slaves?)\b",
            ),
            Pattern(
                "un véhicule désigné par son pays (« immatriculé en Roumanie », « plaques étrangères »)",
                r"\bimmatricul\w*\s+(?:en|au|aux|à l'étranger|hors de france|dans un autre pays)\b(?!\s?\d)"
                rf"|\bplaques?\s+(?:étrangères?|{NATIONALITY})\b",
            ),
        ),
        refused_examples=(
            "Cambriolages à Agde : individus de type est-européen",
            "Auteurs d'origine étrangère, cambriolages à Lunel",
            "Des roms soupçonnés à Sète",
            "Cambriolages : gens du voyage installés à Mèze",
            "Cambriolages à Béziers par des Albanais",
            "Cambriolages à Lattes, véhicule immatriculé en Roumanie",
        ),
        accepted_examples=(
            "Cambriolage de l'épicerie italienne de Sète cette nuit : commerçants, vérifiez vos alarmes.",
            "Cambriolages à Agde : serrures de type A2P conseillées.",
            "Cambriolages à Lunel, un utilitaire de couleur blanche utilisé par les auteurs.",
            "Cambriolages dans le secteur de la communauté de communes du Clermontais.",
        ),
    ),
    # --- Scope: burglary only -----------------------------------------------------------------
    Rule(
        id="off_topic",
        title="Hors sujet",
        message=(
            "Ce sujet sort du champ de l'application, réservée aux cambriolages de logements et de "
            "commerces (ni circulation, ni vols de ou dans les véhicules, ni vols à la tire, ni "
            "dégradations, ni stupéfiants, ni animaux, ni météo, ni événements…)."
        ),
        patterns=(
            words(
                "route et circulation", "sécurité routière", "accident", "accidenté", "carambolage", "collision",
                "sortie de route", "embouteillage", "bouchon", "déviation", "excès de vitesse", "contrôle routier",
                "contrôle de vitesse", "radar", "alcool au volant", "alcoolémie", "permis de conduire",
                "ceinture de sécurité", "poids lourd", "piéton renversé", "route barrée", "route coupée",
                "circulation perturbée", "circulation interrompue", "circulation alternée", "circulation difficile",
                "trafic perturbé", "trafic routier", "trafic ralenti", "trafic interrompu",
            ),
            Pattern(
                "vols de véhicules ou dans les véhicules (voiture, scooter, catalyseur, autoradio, carburant…)",
                r"\bvols?\s+(?:de|d'|dans|à\s+bord\s+de)\s?(?:la\s+|les\s+|une\s+|des\s+|un\s+|leurs?\s+)?"
                r"(?:voitures?|véhicules?|autos?|automobiles?|scooters?|motos?|deux-roues|vélos?|trottinettes?"
                r"|camping-cars?|camions?|fourgons?|utilitaires?|remorques?|bateaux?|quads?|catalyseurs?"
                r"|pots?\s+catalytiques?|carburant|gazole|gasoil|essence|autoradios?|gps|roues?|jantes?|pneus?)\b"
                r"|\bvols?\s+à\s+la\s+roulotte\b|\bautoradios?\b|\bcatalyseurs?\b|\bsiphonn\w*"
                r"|\bvitres?\s+(?:brisée|cassée)s?\s+(?:de|d'une|des|sur\s+des)\s+(?:voitures?|véhicules?)"
                r"|\bcar-?jacking\b",
            ),
            Pattern(
                "un véhicule volé, fracturé, dégradé (sauf quand le message parle de cambriolages)",
                r"\b(?:voitures?|véhicules?|autos?|scooters?|motos?|vélos?|camionnettes?|utilitaires?|trottinettes?"
                r"|quads?|camping-cars?|remorques?|bateaux?|camions?|deux-roues)\s+"
                r"(?:volée?s?|fracturée?s?|forcée?s?|dépouillée?s?|vandalisée?s?|dégradée?s?|incendiée?s?|brûlée?s?"
                r"|visitée?s?)\b",
                unless=(BURGLARY,),
            ),
            words(
                "vols à la tire et à l'arraché", "vol à la tire", "vol à l'arraché", "pickpocket", "tire-laine",
                "arrachage de sac", "arrachage de collier", "vol de sac à main", "dans la foule",
                "dans les transports",
            ),
            Pattern(
                "vols de portefeuilles, sacs ou téléphones dans la rue, les transports, un marché",
                r"\bvols?\s+(?:de|d')\s?(?:portefeuilles?|sacs?(?:\s+à\s+main)?|téléphones?(?:\s+portables?)?|smartphones?"
                r"|portables?|bijoux|colliers?|chaînes?)\s+(?:dans|sur|au|à\s+la|en)\s+(?:le\s+|la\s+|les\s+|l')?"
                r"(?:bus|trams?|tramways?|métro|trains?|marchés?|foule|rues?|plages?|terrasses?|gares?|transports?"
                r"|parkings?|voie\s+publique)\b",
            ),
            words(
                "mineurs, dégradations, graffitis, rodéos", "délinquance juvénile", "délinquance des mineurs",
                "mineur délinquant", "bande de jeunes", "groupe de jeunes", "rassemblement de jeunes",
                "jeunes du quartier", "graffiti",
                "graffitis", "tag", "tagueur", "tagué", "taguée", "vandalisme", "vandale", "vandalisé",
                "vandalisée", "mobilier urbain", "abribus", "incivilité", "rixe", "bagarre", "harcèlement scolaire",
                "rodéo", "rodéo urbain", "rodéo motorisé", "pétard", "mortier d'artifice",
            ),
            words(
                "stupéfiants", "drogue", "stupéfiant", "stups", "cannabis", "résine de cannabis", "shit", "cocaïne",
                "héroïne", "crack", "ecstasy", "mdma", "point de deal", "deal", "dealer", "dealeur", "trafiquant",
                "trafic de drogue", "trafic de stupéfiants", "toxicomane", "seringue",
            ),
            words(
                "météo et catastrophes", "météo", "vigilance jaune", "vigilance orange", "vigilance rouge",
                "alerte météo", "orage", "orageux", "grêle", "tempête", "inondation", "inondé", "inondée", "crue",
                "neige", "verglas", "intempérie", "vent violent", "fortes pluies", "épisode cévenol",
                "épisode méditerranéen", "incendie", "feu de forêt", "feux de forêt", "séisme",
            ),
            Pattern(
                "animaux perdus, errants, trouvés",
                r"\b(?:chiens?|chiennes?|chiots?|chats?|chattes?|chatons?|animal|animaux|chevaux|cheval|juments?"
                r"|vaches?|moutons?|chèvres?|perroquets?|tortues?|lapins?|furets?|nac)\s+(?:\w+\s+)?"
                r"(?:perdue?s?|égarée?s?|errante?s?|disparue?s?|trouvée?s?|retrouvée?s?|blessée?s?|écrasée?s?"
                r"|abandonnée?s?|en\s+divagation|échappée?s?|en\s+fuite)\b"
                r"|\bfourrière\b|\bdivagation\b|\bperdu\s+(?:son|leur|notre|mon)\s+(?:chien|chat|animal)",
            ),
            words(
                "autres sujets qui ont leurs propres canaux", "disparition inquiétante", "alerte enlèvement",
                "attentat", "terrorisme", "terroriste", "violences conjugales", "violences intrafamiliales",
                "escroquerie", "arnaque", "hameçonnage", "phishing", "agression", "homicide", "meurtre",
            ),
            words(
                "événements, chaleur, adolescents (sauf quand le message parle de cambriolages)", "festival", "feria",
                "féria", "concert", "fête de la musique", "fête foraine", "fête votive", "fête du village",
                "carnaval", "marché de noël", "brocante", "vide-grenier", "match", "feu d'artifice",
                "feux d'artifice", "manifestation", "cérémonie", "commémoration", "défilé", "course cycliste",
                "marathon", "braderie", "canicule", "fortes chaleurs", "animal", "animaux", "adolescent",
                "adolescente", "ados", "collégien", "lycéen",
                unless=(BURGLARY,),
            ),
        ),
        refused_examples=(
            "Sécurité routière : contrôles renforcés ce week-end", "Délinquance juvénile en hausse",
            "Trafic de stupéfiants démantelé", "Saisie de drogue à Béziers", "Rodéos urbains signalés cette nuit",
            "Arnaques aux faux conseillers bancaires", "Chat perdu à Lunel, quartier des Arènes",
            "Carambolage sur l'A9 ce matin", "Autoradio volé à Sète cette nuit",
            "Graffitis sur la mairie de Mèze", "Vigilance orange orages sur l'Hérault",
            "Feria de Béziers : programme du week-end",
        ),
        accepted_examples=(
            "Pendant la feria, cambriolages de maisons à Béziers : fermez portes et volets.",
            "Cambriolage : les auteurs sont repartis à bord d'un utilitaire blanc, à Lunel.",
            "Cambriolages à Agde : les voleurs ont pris des radiateurs et des bijoux.",
            "Cambriolages : drogueries et quincailleries visées à Pézenas",
            "Cambriolages : maison incendiée après le vol à Mèze, fermez à clé.",
        ),
    ),
)
# fmt: on

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
IDENTIFYING_RULES = ("licence_plate", "phone_number", "email", "url", "named_person", "street_address")
