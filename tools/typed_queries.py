"""Build and check tests/fixtures/typed_queries.jsonl: communes typed the way people type them.

Each line of `QUERIES` below is `habit | query | commune (département)[, another (dept)] | rank`,
written by hand across every habit of issue 18 and all of France. The script finds each commune
in `DATA_DIR/communes.csv` (or `communes_deleguees.csv` for a former commune, written
`Former name (dept) -> current`), refuses a name or département that does not exist or is
ambiguous, and writes one JSON object per query:
`{"habit", "query", "insee": [...], "names": [...], "rank"}`: the search must give one of these
INSEE codes within the first `rank` answers.

    .venv/bin/python -m tools.typed_queries            # rewrite the fixture
    .venv/bin/python -m tools.typed_queries --check    # only check it is up to date
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[1]
FIXTURE = PROJECT / "tests" / "fixtures" / "typed_queries.jsonl"

QUERIES = """
exact | besancon | Besançon (25)
exact | ORLEANS | Orléans (45)
exact | nimes | Nîmes (30)
exact | Évry-Courcouronnes | Évry-Courcouronnes (91)
exact | ales | Alès (30)
exact | chalon sur saone | Chalon-sur-Saône (71)
exact | pontoise | Pontoise (95)
exact | porto vecchio | Porto-Vecchio (2A)
exact | calvi | Calvi (2B)
exact | corte | Corte (2B)
exact | le lamentin | Le Lamentin (972)
exact | saint-pierre | Saint-Pierre (974) | 2
exact | kourou | Kourou (973)
exact | dzaoudzi | Dzaoudzi (976)
exact | papeete | Papeete (987)
exact | noumea | Nouméa (988)
exact | saint barthelemy | Saint-Barthélemy (977)
exact | les abymes | Les Abymes (971)
exact | saint-benoit | Saint-Benoît (974) | 2
exact | chambery | Chambéry (73)
exact | la rochelle | La Rochelle (17)
exact | saint-nazaire | Saint-Nazaire (44)
exact | cagnes sur mer | Cagnes-sur-Mer (06)
exact | vitry-le-francois | Vitry-le-François (51)
exact | chateauroux | Châteauroux (36)
exact | épinal | Épinal (88)
exact | BAR LE DUC | Bar-le-Duc (55)
exact | salon de provence | Salon-de-Provence (13)
exact | foix | Foix (09)
exact | mende | Mende (48)
exact | gueret | Guéret (23)
prefix | toulo | Toulouse (31)
prefix | marse | Marseille (13)
prefix | stras | Strasbourg (67)
prefix | greno | Grenoble (38)
prefix | dijo | Dijon (21)
prefix | perpi | Perpignan (66)
prefix | clermont f | Clermont-Ferrand (63)
prefix | villeur | Villeurbanne (69)
prefix | aix en | Aix-en-Provence (13)
prefix | boulogne b | Boulogne-Billancourt (92)
prefix | boulogne s | Boulogne-sur-Mer (62)
prefix | saint-den | Saint-Denis (974), Saint-Denis (93) | 2
prefix | saint nazai | Saint-Nazaire (44)
prefix | la roche s | La Roche-sur-Yon (85)
prefix | chartr | Chartres (28)
prefix | poitie | Poitiers (86)
prefix | limog | Limoges (87)
prefix | brive | Brive-la-Gaillarde (19)
prefix | pointe a | Pointe-à-Pitre (971)
prefix | fort de | Fort-de-France (972)
prefix | saint-lau | Saint-Laurent-du-Maroni (973), Saint-Laurent-du-Var (06) | 3
prefix | miquelon | Miquelon-Langlade (975)
prefix | mamou | Mamoudzou (976)
prefix | bast | Bastia (2B)
prefix | montbel | Montbéliard (25) | 3
prefix | cherbourg | Cherbourg-en-Cotentin (50)
prefix | ville d avr | Ville-d'Avray (92)
postal_code | 21000 dijon | Dijon (21)
postal_code | dijon 21000 | Dijon (21)
postal_code | saint-denis 97400 | Saint-Denis (974)
postal_code | 93200 saint denis | Saint-Denis (93)
postal_code | saint-pierre 97500 | Saint-Pierre (975)
postal_code | 97410 saint pierre | Saint-Pierre (974)
postal_code | 20200 bastia | Bastia (2B)
postal_code | saint-martin 97150 | Saint-Martin (978)
postal_code | saint-paul 97460 | Saint-Paul (974)
postal_code | 40990 saint paul les dax | Saint-Paul-lès-Dax (40)
postal_code | bourg 33710 | Bourg (33)
postal_code | 01000 bourg en bresse | Bourg-en-Bresse (01)
postal_code | lyon 69003 | Lyon 3e Arrondissement (69)
postal_code | 13008 marseille | Marseille 8e Arrondissement (13)
postal_code | paris 75011 | Paris 11e Arrondissement (75)
postal_code | sainte-marie 97230 | Sainte-Marie (972)
postal_code | sainte marie 97438 | Sainte-Marie (974)
postal_code | 29200 brest | Brest (29)
postal_code | quimper 29000 | Quimper (29)
postal_code | 74000 annecy | Annecy (74)
postal_code | valence 26000 | Valence (26)
postal_code | 16100 cognac | Cognac (16)
postal_code | vienne 38200 | Vienne (38)
postal_code | 64100 bayonne | Bayonne (64)
postal_code | lens 62300 | Lens (62)
postal_code | 98714 papeete | Papeete (987)
postal_code | noumea 98800 | Nouméa (988)
postal_code | 97300 cayenne | Cayenne (973)
postal_code | saint-joseph 97480 | Saint-Joseph (974)
postal_code | saint-joseph 97212 | Saint-Joseph (972)
postal_code | montreuil 93100 | Montreuil (93)
postal_code | montreuil 62170 | Montreuil-sur-Mer (62)
postal_code | villeneuve 04180 | Villeneuve (04)
postal_code | 20137 porto vecchio | Porto-Vecchio (2A)
department | saint-joseph 974 | Saint-Joseph (974)
department | montreuil (62) | Montreuil-sur-Mer (62)
department | montreuil 93 | Montreuil (93)
department | valence 26 | Valence (26)
department | saint-pierre 972 | Saint-Pierre (972)
department | saint-paul (974) | Saint-Paul (974)
department | saint-esteve 66 | Saint-Estève (66)
department | bourg 33 | Bourg (33)
department | porto-vecchio 2a | Porto-Vecchio (2A)
department | lucciana 2B | Lucciana (2B)
department | propriano (2A) | Propriano (2A)
department | sarlat 24 | Sarlat-la-Canéda (24)
department | le cannet 06 | Le Cannet (06)
department | 38 vienne | Vienne (38)
department | 8 charleville | Charleville-Mézières (08)
department | dept 35 vitre | Vitré (35)
department | saint-cyr 37 | Saint-Cyr-sur-Loire (37)
department | saint-amand 18 | Saint-Amand-Montrond (18)
department | saint-amand 59 | Saint-Amand-les-Eaux (59)
department | chatillon 92 | Châtillon (92)
department | la fleche 72 | La Flèche (72)
department | issoire (63) | Issoire (63)
department | moulins 03 | Moulins (03)
department | villeneuve 47 | Villeneuve-sur-Lot (47)
department | villeneuve 89 | Villeneuve-sur-Yonne (89)
department | saint-germain 78 | Saint-Germain-en-Laye (78)
department | saint-maur 94 | Saint-Maur-des-Fossés (94)
department | saint-malo 35 | Saint-Malo (35)
department | brest finistere | Brest (29)
department | auch gers | Auch (32)
department | mont de marsan landes | Mont-de-Marsan (40)
department | albertville savoie | Albertville (73)
department | thonon haute savoie | Thonon-les-Bains (74)
department | saint-flour cantal | Saint-Flour (15)
department | tulle (correze) | Tulle (19)
department | hyeres var | Hyères (83)
department | bergerac dordogne | Bergerac (24)
department | saint-claude jura | Saint-Claude (39)
department | rochefort charente maritime | Rochefort (17)
department | montfort 35 | Montfort-sur-Meu (35)
department | saint-georges 973 | Saint-Georges (973)
department | sainte-anne 971 | Sainte-Anne (971)
department | sainte-anne (972) | Sainte-Anne (972)
department | saint-leu 974 | Saint-Leu (974)
department | bastia haute corse | Bastia (2B)
region_territory | saint-claude guadeloupe | Saint-Claude (971)
region_territory | le robert martinique | Le Robert (972)
region_territory | saint-louis reunion | Saint-Louis (974)
region_territory | saint louis la réunion | Saint-Louis (974)
region_territory | le port ile de la reunion | Le Port (974)
region_territory | saint-laurent guyane | Saint-Laurent-du-Maroni (973)
region_territory | matoury guyane | Matoury (973)
region_territory | sada mayotte | Sada (976)
region_territory | saint-pierre saint pierre et miquelon | Saint-Pierre (975)
region_territory | faaa tahiti | Faaa (987)
region_territory | punaauia polynesie | Punaauia (987)
region_territory | dumbea nouvelle caledonie | Dumbéa (988)
region_territory | sartene corse | Sartène (2A)
region_territory | calvi corse | Calvi (2B)
region_territory | lannion bretagne | Lannion (22)
region_territory | vannes bretagne | Vannes (56)
region_territory | saint-lo normandie | Saint-Lô (50)
region_territory | alencon normandie | Alençon (61)
region_territory | colmar alsace | Colmar (68)
region_territory | saint-die lorraine | Saint-Dié-des-Vosges (88)
region_territory | beauvais picardie | Beauvais (60)
region_territory | saint-jean-de-luz pays basque | Saint-Jean-de-Luz (64)
region_territory | antibes cote d azur | Antibes (06)
region_territory | cahors occitanie | Cahors (46)
region_territory | saint-gaudens occitanie | Saint-Gaudens (31)
region_territory | montargis centre | Montargis (45)
region_territory | meaux ile de france | Meaux (77)
region_territory | riom auvergne | Riom (63)
region_territory | le moule guadeloupe | Le Moule (971)
region_territory | saint-francois guadeloupe | Saint-François (971)
region_territory | sainte-rose (guadeloupe) | Sainte-Rose (971)
region_territory | saint-paul provence | Saint-Paul-de-Vence (06)
arrondissement | paris 7eme | Paris 7e Arrondissement (75)
arrondissement | paris 18ème | Paris 18e Arrondissement (75)
arrondissement | paris 1er arrondissement | Paris 1er Arrondissement (75)
arrondissement | paris xvie | Paris 16e Arrondissement (75)
arrondissement | paris 20e arr | Paris 20e Arrondissement (75)
arrondissement | paris 9 | Paris 9e Arrondissement (75)
arrondissement | 14e arrondissement paris | Paris 14e Arrondissement (75)
arrondissement | lyon 7 | Lyon 7e Arrondissement (69)
arrondissement | lyon 2eme | Lyon 2e Arrondissement (69)
arrondissement | lyon 9ème arrondissement | Lyon 9e Arrondissement (69)
arrondissement | lyon 1er | Lyon 1er Arrondissement (69)
arrondissement | lyon 5e arrdt | Lyon 5e Arrondissement (69)
arrondissement | marseille 13eme | Marseille 13e Arrondissement (13)
arrondissement | marseille 16e | Marseille 16e Arrondissement (13)
arrondissement | marseille 8ème arr | Marseille 8e Arrondissement (13)
arrondissement | marseille 4 | Marseille 4e Arrondissement (13)
arrondissement | marseille 12 eme | Marseille 12e Arrondissement (13)
arrondissement | paris 3e | Paris 3e Arrondissement (75)
arrondissement | paris 10eme arrondissement | Paris 10e Arrondissement (75)
arrondissement | PARIS 2EME | Paris 2e Arrondissement (75)
arrondissement | Paris 19ème | Paris 19e Arrondissement (75)
arrondissement | lyon 4e arrondissement | Lyon 4e Arrondissement (69)
arrondissement | paris 17 arr | Paris 17e Arrondissement (75)
arrondissement | paris arrondissement 6 | Paris 6e Arrondissement (75)
arrondissement | marseille 6eme | Marseille 6e Arrondissement (13)
arrondissement | paris 13 | Paris 13e Arrondissement (75)
arrondissement | lyon 8ème | Lyon 8e Arrondissement (69)
arrondissement | paris ive | Paris 4e Arrondissement (75)
arrondissement | marseille 2ème arrondissement | Marseille 2e Arrondissement (13)
abbreviation | st malo | Saint-Malo (35)
abbreviation | st-brieuc | Saint-Brieuc (22)
abbreviation | ste genevieve des bois | Sainte-Geneviève-des-Bois (91)
abbreviation | stes maries de la mer | Saintes-Maries-de-la-Mer (13)
abbreviation | sts geosmes | Saints-Geosmes (52)
abbreviation | st jean de luz | Saint-Jean-de-Luz (64)
abbreviation | ste-rose | Sainte-Rose (971), Sainte-Rose (974) | 2
abbreviation | st andre 97440 | Saint-André (974)
abbreviation | mt st aignan | Mont-Saint-Aignan (76)
abbreviation | mt st michel | Le Mont-Saint-Michel (50)
abbreviation | mt louis | Mont-Louis (66)
abbreviation | boulogne s/ mer | Boulogne-sur-Mer (62)
abbreviation | chalon s/ saone | Chalon-sur-Saône (71)
abbreviation | villeneuve s/ lot | Villeneuve-sur-Lot (47)
abbreviation | bar s/aube | Bar-sur-Aube (10)
abbreviation | clichy s/s bois | Clichy-sous-Bois (93)
abbreviation | st germain en laye | Saint-Germain-en-Laye (78)
abbreviation | st-pol s/ ternoise | Saint-Pol-sur-Ternoise (62)
abbreviation | ste foy les lyon | Sainte-Foy-lès-Lyon (69)
abbreviation | st etienne du rouvray | Saint-Étienne-du-Rouvray (76)
abbreviation | st-raphael | Saint-Raphaël (83)
abbreviation | st tropez | Saint-Tropez (83)
abbreviation | st-gilles croix de vie | Saint-Gilles-Croix-de-Vie (85)
abbreviation | st martin d heres | Saint-Martin-d'Hères (38)
abbreviation | st herblain | Saint-Herblain (44)
abbreviation | st ouen s/ seine | Saint-Ouen-sur-Seine (93)
abbreviation | chateauneuf s/ loire | Châteauneuf-sur-Loire (45)
abbreviation | st laurent du maroni | Saint-Laurent-du-Maroni (973)
abbreviation | st pierre 97410 | Saint-Pierre (974)
abbreviation | st florent 2b | Saint-Florent (2B)
abbreviation | ste lucie de tallano | Sainte-Lucie-de-Tallano (2A)
abbreviation | mt-pres-chambord | Mont-près-Chambord (41)
abbreviation | ST-DIZIER | Saint-Dizier (52)
abbreviation | ste-marie-aux-mines | Sainte-Marie-aux-Mines (68)
abbreviation | st amand les eaux | Saint-Amand-les-Eaux (59)
separators_articles | le puy en velay | Le Puy-en-Velay (43)
separators_articles | puy en velay | Le Puy-en-Velay (43)
separators_articles | lepuy en velay | Le Puy-en-Velay (43)
separators_articles | les sables d olonne | Les Sables-d'Olonne (85)
separators_articles | sables d'olonne | Les Sables-d'Olonne (85)
separators_articles | lisle sur la sorgue | L'Isle-sur-la-Sorgue (84)
separators_articles | lisle adam | L'Isle-Adam (95)
separators_articles | la ciotat | La Ciotat (13)
separators_articles | laciotat | La Ciotat (13)
separators_articles | ciotat | La Ciotat (13)
separators_articles | les mureaux | Les Mureaux (78)
separators_articles | lesmureaux | Les Mureaux (78)
separators_articles | villeneuve les avignon | Villeneuve-lès-Avignon (30)
separators_articles | villeneuve lez avignon | Villeneuve-lès-Avignon (30)
separators_articles | nissan les enserune | Nissan-lez-Enserune (34)
separators_articles | saint christol les ales | Saint-Christol-lez-Alès (30)
separators_articles | cœuvres et valsery | Cœuvres-et-Valsery (02)
separators_articles | coeuvres | Cœuvres-et-Valsery (02)
separators_articles | saint germain des fosses | Saint-Germain-des-Fossés (03)
separators_articles | chalons champagne | Châlons-en-Champagne (51)
separators_articles | bourg bresse | Bourg-en-Bresse (01)
separators_articles | charleville mezieres | Charleville-Mézières (08)
separators_articles | sainte foy grande | Sainte-Foy-la-Grande (33)
separators_articles | villefranche saone | Villefranche-sur-Saône (69)
separators_articles | lile rousse | L'Île-Rousse (2B)
separators_articles | l ile d yeu | L'Île-d'Yeu (85)
separators_articles | saint-jean  d'angély | Saint-Jean-d'Angély (17)
separators_articles | chateau-thierry / | Château-Thierry (02)
separators_articles | pont-a-mousson | Pont-à-Mousson (54)
separators_articles | pont a mousson | Pont-à-Mousson (54)
separators_articles | lehavre | Le Havre (76)
separators_articles | saint-leu-la-foret | Saint-Leu-la-Forêt (95)
separators_articles | ile rousse | L'Île-Rousse (2B)
separators_articles | ST’MAXIMIN | Saint-Maximin-la-Sainte-Baume (83) | 3
separators_articles | la-roche/yon | La Roche-sur-Yon (85)
typo | toulousse | Toulouse (31)
typo | marsielle | Marseille (13)
typo | grenble | Grenoble (38)
typo | bordaux | Bordeaux (33)
typo | nantess | Nantes (44)
typo | strasbuorg | Strasbourg (67)
typo | lile | Lille (59)
typo | rennnes | Rennes (35)
typo | amiems | Amiens (80)
typo | reimss | Reims (51)
typo | angerss | Angers (49)
typo | tourss | Tours (37)
typo | limogess | Limoges (87)
typo | perpigan | Perpignan (66)
typo | villeurbane | Villeurbanne (69)
typo | argenteuill | Argenteuil (95)
typo | montreuill | Montreuil (93)
typo | sant nazaire | Saint-Nazaire (44)
typo | aix en provance | Aix-en-Provence (13)
typo | clermon ferrant | Clermont-Ferrand (63)
typo | chambry | Chambéry (73) | 3
typo | besancn | Besançon (25)
typo | saint ettienne | Saint-Étienne (42)
typo | dunkerke | Dunkerque (59)
typo | avigon | Avignon (84)
typo | nimmes | Nîmes (30)
typo | valencienes | Valenciennes (59)
typo | carcasone | Carcassonne (11)
typo | perigeux | Périgueux (24)
typo | ajacio | Ajaccio (2A)
typo | bastai | Bastia (2B)
typo | pointe a pittre | Pointe-à-Pitre (971)
typo | fort de frane | Fort-de-France (972)
typo | cayene | Cayenne (973)
typo | mamoudsou | Mamoudzou (976)
typo | noumae | Nouméa (988)
typo | papette | Papeete (987)
typo | boulogne billancour | Boulogne-Billancourt (92)
typo | issy les moulineau | Issy-les-Moulineaux (92)
typo | la rochele | La Rochelle (17)
typo | montaubant | Montauban (82)
typo | sartrouvile | Sartrouville (78)
phonetic | bordo | Bordeaux (33)
phonetic | sceau | Sceaux (92)
phonetic | oxerre | Auxerre (89)
phonetic | fontenblo | Fontainebleau (77)
phonetic | vilerbane | Villeurbanne (69)
phonetic | dunkerk | Dunkerque (59)
phonetic | cahor | Cahors (46)
phonetic | tarbe | Tarbes (65)
phonetic | perigueu | Périgueux (24)
phonetic | roubé | Roubaix (59)
phonetic | calai | Calais (62)
phonetic | bovais | Beauvais (60)
phonetic | haguenot | Haguenau (67)
phonetic | epernet | Épernay (51)
phonetic | ajen | Agen (47)
phonetic | jex | Gex (01)
phonetic | cette | Sète (34)
phonetic | quimperlai | Quimperlé (29)
phonetic | lorian | Lorient (56)
phonetic | roscof | Roscoff (29)
phonetic | sarreguemine | Sarreguemines (57)
phonetic | mon de marsan | Mont-de-Marsan (40)
phonetic | chamoni | Chamonix-Mont-Blanc (74)
phonetic | bayone | Bayonne (64)
phonetic | biaritz | Biarritz (64)
phonetic | saint-jean pié de port | Saint-Jean-Pied-de-Port (64)
phonetic | mon saint michel | Le Mont-Saint-Michel (50)
phonetic | chalon en champagne | Châlons-en-Champagne (51)
phonetic | saint quantin | Saint-Quentin (02)
phonetic | sainte maxim | Sainte-Maxime (83)
phonetic | le creuzo | Le Creusot (71)
phonetic | vitrai | Vitré (35)
phonetic | obagne | Aubagne (13)
phonetic | orlean | Orléans (45)
phonetic | besanson | Besançon (25)
phonetic | anecy | Annecy (74)
phonetic | thionvile | Thionville (57)
phonetic | sarcelle | Sarcelles (95)
phonetic | kemper | Quimper (29)
phonetic | pontarlié | Pontarlier (25)
big_city_first | saint et | Saint-Étienne (42)
big_city_first | saint n | Saint-Nazaire (44) | 2
big_city_first | nic | Nice (06)
big_city_first | mont | Montpellier (34) | 2
big_city_first | ver | Versailles (78) | 3
big_city_first | nan | Nantes (44) | 2
big_city_first | bre | Brest (29) | 2
big_city_first | bou | Boulogne-Billancourt (92) | 3
big_city_first | villen | Villeneuve-d'Ascq (59) | 2
big_city_first | saint m | Saint-Maur-des-Fossés (94) | 3
big_city_first | sainte g | Sainte-Geneviève-des-Bois (91) | 3
big_city_first | le h | Le Havre (76)
big_city_first | la r | La Rochelle (17) | 2
big_city_first | saint-paul | Saint-Paul (974)
big_city_first | saint-andre | Saint-André (974)
big_city_first | sainte-marie | Sainte-Marie (974)
big_city_first | le port | Le Port (974)
big_city_first | saint-laurent-du | Saint-Laurent-du-Maroni (973), Saint-Laurent-du-Var (06) | 2
big_city_first | saint-julien | Saint-Julien-en-Genevois (74) | 5
big_city_first | saint-germain | Saint-Germain-en-Laye (78) | 5
big_city_first | villeneuve | Villeneuve-d'Ascq (59) | 5
big_city_first | bourg | Bourg-en-Bresse (01) | 3
big_city_first | chateau | Châteauroux (36) | 3
big_city_first | cler | Clermont-Ferrand (63)
big_city_first | saint q | Saint-Quentin (02) | 2
former_name | annecy le vieux | Annecy (74)
former_name | cran gevrier | Annecy (74)
former_name | seynod | Annecy (74)
former_name | tourlaville | Cherbourg-en-Cotentin (50)
former_name | equeurdreville | Cherbourg-en-Cotentin (50)
former_name | lomme | Lille (59)
former_name | hellemmes | Lille (59)
former_name | fort mardyck | Dunkerque (59)
former_name | saint pol sur mer | Dunkerque (59)
former_name | pierrefitte sur seine | Saint-Denis (93)
former_name | fourqueux | Saint-Germain-en-Laye (78)
former_name | la glacerie | Cherbourg-en-Cotentin (50)
former_name | querqueville | Cherbourg-en-Cotentin (50)
former_name | sennece les macon | Mâcon (71)
former_name | rocquencourt | Le Chesnay-Rocquencourt (78) | 2
former_name | saint-macaire-en-mauges | Sèvremoine (49)
former_name | la pommeraye | Mauges-sur-Loire (49) | 2
former_name | equeurdrevile | Cherbourg-en-Cotentin (50)
codes | 34000 | Montpellier (34)
codes | 2a004 | Ajaccio (2A)
codes | 2B033 | Bastia (2B)
codes | 75018 | Paris 18e Arrondissement (75)
codes | 13005 | Marseille 5e Arrondissement (13)
codes | 69001 | Lyon 1er Arrondissement (69)
codes | 97200 | Fort-de-France (972)
codes | 98800 | Nouméa (988)
codes | 35000 | Rennes (35)
codes | 74182 | Annecy (74)
inner_word | hossegor | Soorts-Hossegor (40)
inner_word | courcouronnes | Évry-Courcouronnes (91)
inner_word | cap martin | Roquebrune-Cap-Martin (06)
inner_word | cotentin | Cherbourg-en-Cotentin (50)
inner_word | bigorre 65 | Bagnères-de-Bigorre (65), Vic-en-Bigorre (65) | 2
typo | fleuy sur orne | Fleury-sur-Orne (14)
typo | chalnnes sur loire | Chalonnes-sur-Loire (49)
typo | ey sur eure | Ézy-sur-Eure (27)
phonetic | fontenes saint martin | Fontaines-Saint-Martin (69)
phonetic | fleuri sur orne 14 | Fleury-sur-Orne (14)
phonetic | trenou | Traînou (45) | 3
department | fontaines saint martin 69 | Fontaines-Saint-Martin (69)
postal_code | fontaines saint martin 69270 | Fontaines-Saint-Martin (69)
separators_articles | conde sur vire | Condé-sur-Vire (50)
separators_articles | saint gilles croix de vie | Saint-Gilles-Croix-de-Vie (85)
big_city_first | saint | Saint-Étienne (42), Saint-Denis (974), Saint-Denis (93) | 3
arrondissement | paris xve | Paris 15e Arrondissement (75)
"""


def rows(data_dir: Path) -> list[dict[str, object]]:
    """The fixture's rows, every commune checked against the data files."""
    sys.path.insert(0, str(PROJECT))
    from rapidfuzz.distance import Levenshtein

    from chalicelib.names import fold

    with (data_dir / "communes.csv").open(encoding="utf-8") as communes:
        by_name: dict[tuple[str, str], list[dict[str, str]]] = {}
        for row in csv.DictReader(communes):
            by_name.setdefault((fold(row["nom"]), row["departement"]), []).append(row)
    with (data_dir / "communes_deleguees.csv").open(encoding="utf-8") as deleguees:
        former = {(fold(r["nom"]), r["commune_code_insee"]) for r in csv.DictReader(deleguees)}
    found: list[dict[str, object]] = []
    problems: list[str] = []
    for line in QUERIES.strip().splitlines():
        habit, query, meant, *rank = (part.strip() for part in line.split(" | "))
        codes, names = [], []
        for commune in meant.split(", "):
            name, _, department = commune.rpartition(" (")
            matches = by_name.get((fold(name), department.rstrip(")")), [])
            if len(matches) != 1:
                problems.append(f"{line}: {commune} is {'ambiguous' if matches else 'not in communes.csv'}")
                continue
            codes.append(matches[0]["code_insee"])
            names.append(matches[0]["nom"])
        typed = fold(query)  # a former name, or its start, give or take two typos
        if habit == "former_name" and not any(
            Levenshtein.distance(typed, n[: len(typed)]) <= 2 for n, c in former if c in codes
        ):
            problems.append(f"{line}: no former commune of {meant} is named so in communes_deleguees.csv")
        row_rank = int(rank[0]) if rank else 1
        found.append({"habit": habit, "query": query, "insee": codes, "names": names, "rank": row_rank})
    if problems:
        raise SystemExit("\n".join(problems))
    return found


def load() -> list[dict[str, Any]]:
    """The fixture's rows."""
    with FIXTURE.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


# Spellings by ear a generated query may use: each sounds as the letters it replaces (never the
# nasals: `ain` is not `ein` before a consonant, nor `é` before a vowel).
_BY_EAR = (("eau", "o"), ("au", "o"), ("ph", "f"), ("qu", "k"), ("ss", "s"), ("tt", "t"), ("ll", "l"), ("nn", "n"),
           ("mm", "m"), ("rr", "r"), ("oux", "ou"), ("aux", "o"))  # fmt: skip
GENERATED_HABITS = ("typo", "by_ear", "postal_code", "department", "plain")


def generated(data_dir: Path, seed: int, count: int = 250) -> list[dict[str, Any]]:
    """Queries made up by rule from `count` random communes of 3,000 people or more, none of them
    written or tuned by hand: one typo, a sound spelt otherwise, a postal code or a département
    beside the name, the name without accents. A check of what the hand-written set cannot show:
    how the search does on names nobody looked at."""
    import random

    sys.path.insert(0, str(PROJECT))
    from chalicelib.names import fold

    rng = random.Random(seed)
    with (data_dir / "communes.csv").open(encoding="utf-8") as communes:
        big = [r for r in csv.DictReader(communes) if r["type"] == "commune" and int(r["population"] or 0) >= 3000]
    found: list[dict[str, Any]] = []
    for row in rng.sample(big, count):
        name, code, postal = fold(row["nom"]), row["code_insee"], row["codes_postaux"].split("|")[0]
        queries = [("postal_code", rng.choice([f"{name} {postal}", f"{postal} {name}"]), 1)]
        department = row["departement"]
        queries.append(("department", rng.choice([f"{name} {department}", f"{name} ({department})"]), 1))
        queries.append(("plain", name.upper() if rng.random() < 0.3 else name, 1))
        if len(name) >= 6:
            queries.append(("typo", _typo(name, rng), 3))
        heard = _by_ear(name, rng)
        if heard:
            queries.append(("by_ear", heard, 3))
        found += [{"habit": h, "query": q, "insee": [code], "names": [row["nom"]], "rank": r} for h, q, r in queries]
    return found


def _typo(name: str, rng: Any) -> str:
    """One letter left out, doubled, swapped with the next or replaced (not the first)."""
    letters, at = list(name), rng.randrange(1, len(name) - 1)
    kind = rng.choice("dtsi")
    if kind == "d":
        del letters[at]
    elif kind == "t":
        letters[at], letters[at + 1] = letters[at + 1], letters[at]
    elif kind == "i":
        letters.insert(at, rng.choice("aeiourstnl"))
    else:
        letters[at] = rng.choice("aeiou")
    return "".join(letters)


def _by_ear(name: str, rng: Any) -> str | None:
    spellings = [(written, heard) for written, heard in _BY_EAR if written in name]
    if not spellings:
        return None
    written, heard = rng.choice(spellings)
    return name.replace(written, heard, 1)


def evaluate(rows: list[dict[str, Any]], search: Callable[[str], list[str]]) -> dict[str, dict[str, Any]]:
    """Per habit (and `all`): how many queries, how many found first, in the first 3, within their
    rank, and the queries that missed their rank. `search` gives the INSEE codes answered, best first."""
    stats: dict[str, dict[str, Any]] = {}
    for row in rows:
        answered = search(row["query"])
        position = next((i for i, code in enumerate(answered) if code in row["insee"]), None)
        for habit in (row["habit"], "all"):
            habit_stats = stats.setdefault(habit, {"count": 0, "top1": 0, "top3": 0, "topk": 0, "missed": []})
            habit_stats["count"] += 1
            habit_stats["top1"] += position == 0
            habit_stats["top3"] += position is not None and position < 3
            if position is not None and position < row["rank"]:
                habit_stats["topk"] += 1
            else:
                habit_stats["missed"].append(row["query"])
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the fixture is not up to date")
    parser.add_argument("--data-dir", type=Path, default=PROJECT.parent / "shared" / "data")
    args = parser.parse_args()
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows(args.data_dir))
    if args.check:
        if FIXTURE.read_text(encoding="utf-8") != text:
            raise SystemExit(f"{FIXTURE} is not up to date: run python -m tools.typed_queries")
        return
    FIXTURE.write_text(text, encoding="utf-8")
    print(f"{len(text.splitlines())} queries written to {FIXTURE.relative_to(PROJECT)}")


if __name__ == "__main__":
    main()
