"""Write `docs/rules.md`: the content rules of `chalicelib/rules/table.py` for a jurist, in French.

The table in the code is the source; this page is its rendering (a test fails when it is stale).
Usage: python -m tools.rules_doc [--check]
"""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

from chalicelib.rules import table

OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
_EXCEPTIONS = {
    table.ADVICE: "sauf dans un conseil, une phrase à l'impératif (« Signalez au 17 tout comportement suspect »)",
    table.OFFENCE: "sauf si le message annonce une infraction (vol, cambriolage, effraction, plainte…)",
    table.BURGLARY: "sauf si le message parle de cambriolages",
}
_INTRO = """\
# Règles de contenu des alertes

Page produite par `python -m tools.rules_doc` à partir de la table `chalicelib/rules/table.py` :
modifiez la table, puis régénérez la page (un test vérifie qu'elles concordent).

Doctrine (CONTENT.md, « Alert rules ») : une alerte n'annonce qu'une **infraction constatée** par la
gendarmerie (plainte ou procès-verbal), jamais un soupçon ; **rien n'identifie ni ne stigmatise** une
personne (présomption d'innocence, vie privée) ; le sujet est le **cambriolage** de logements et de
commerces, rien d'autre.

Lecture du texte : les caractères invisibles sont retirés (et refusés), les lettres d'autres
alphabets qui imitent les lettres latines sont lues comme elles (et refusées), la casse est ignorée
sauf mention contraire, une lettre accentuée d'une règle couvre aussi la lettre sans accent, jamais
l'inverse (« incendie » ne couvre pas « incendié »), seuls des mots entiers sont reconnus ; chaque
mot d'une liste couvre aussi son pluriel en -s ou -x.
"""


def render() -> str:
    lines = [_INTRO]
    for rule in table.RULES:
        lines += [f"## {rule.title} (`{rule.id}`)", "", rule.message.format(max=table.MAX_LENGTH, length="N"), ""]
        if rule.patterns:
            lines.append("Ce que la règle recherche :")
            for pattern in rule.patterns:
                exceptions = "".join(f" ; {_EXCEPTIONS[name]}" for name in pattern.unless)
                listed = f" : {', '.join(pattern.words[:40])}{'…' if len(pattern.words) > 40 else ''}"
                lines.append(f"- {pattern.label}{listed if pattern.words else ''}{exceptions}.")
            lines.append("")
        for heading, examples in (("Refusé", rule.refused_examples), ("Accepté", rule.accepted_examples)):
            if examples:
                lines.append(f"{heading} :")
                lines += [f"- {_quoted(example)}" for example in examples]
                lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _quoted(example: str) -> str:
    if not example:
        return "(message vide)"
    if len(set(example)) == 1:
        return f"« {example[0]} » répété {len(example)} fois"
    return f"« {_visible(example)} »"


def _visible(example: str) -> str:
    """Invisible characters and Greek or Cyrillic letters written as their code (« [U+200B] »), so
    the page shows what the example hides."""
    shown = []
    for ch in example:
        hidden = (unicodedata.category(ch) in ("Cf", "Cc") and ch != "\u200d") or (
            ch.isalpha() and 0x370 <= ord(ch) < 0x530
        )
        shown.append(f"[U+{ord(ch):04X}]" if hidden else ch)
    return "".join(shown)


def main(argv: list[str]) -> int:
    content = render()
    if "--check" in argv:
        stale = not OUTPUT.exists() or OUTPUT.read_text() != content
        print(f"{OUTPUT}: {'stale' if stale else 'up to date'}")
        return 1 if stale else 0
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text(content)
    print(f"written: {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
