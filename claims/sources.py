"""Normalising speaker names so that variants of one source merge into one entity.

"the Mali army", "Mali's army" and "the Malian army" all normalise to "mali army". What rules
cannot know (that "the junta" is the military government) admins record as aliases.
"""

import re
import unicodedata

_DETERMINERS = {"the", "a", "an", "this", "that", "these", "those"}
_POSSESSIVE = re.compile(r"(\w)['’]s?\b")
_NON_WORD = re.compile(r"[^\w\s-]+")
_SPACE = re.compile(r"[\s-]+")

# Demonym -> country for the common cases; "Malian army" and "Mali army" are the same speaker.
DEMONYMS = {
    "afghan": "afghanistan", "algerian": "algeria", "american": "united states",
    "argentine": "argentina", "australian": "australia", "austrian": "austria",
    "belgian": "belgium", "brazilian": "brazil", "british": "united kingdom",
    "burkinabe": "burkina faso", "cameroonian": "cameroon", "canadian": "canada",
    "chadian": "chad", "chilean": "chile", "chinese": "china", "colombian": "colombia",
    "congolese": "congo", "cuban": "cuba", "danish": "denmark", "dutch": "netherlands",
    "egyptian": "egypt", "ethiopian": "ethiopia", "french": "france", "german": "germany",
    "ghanaian": "ghana", "greek": "greece", "indian": "india", "indonesian": "indonesia",
    "iranian": "iran", "iraqi": "iraq", "irish": "ireland", "israeli": "israel",
    "italian": "italy", "ivorian": "ivory coast", "japanese": "japan", "jordanian": "jordan",
    "kenyan": "kenya", "korean": "korea", "lebanese": "lebanon", "libyan": "libya",
    "malian": "mali", "mauritanian": "mauritania", "mexican": "mexico",
    "moroccan": "morocco", "nigerian": "nigeria", "nigerien": "niger",
    "norwegian": "norway", "pakistani": "pakistan", "palestinian": "palestine",
    "polish": "poland", "portuguese": "portugal", "russian": "russia", "saudi": "saudi arabia",
    "senegalese": "senegal", "somali": "somalia", "spanish": "spain", "sudanese": "sudan",
    "swedish": "sweden", "swiss": "switzerland", "syrian": "syria", "tunisian": "tunisia",
    "turkish": "turkey", "ugandan": "uganda", "ukrainian": "ukraine", "venezuelan": "venezuela",
    "vietnamese": "vietnam", "yemeni": "yemen",
}


def normalise_source_name(name: str) -> str:
    """The merge key of a source name: casefolded, no determiners, possessives or demonyms."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = _POSSESSIVE.sub(r"\1", text)
    text = _NON_WORD.sub(" ", text)
    words = [w for w in _SPACE.split(text) if w]
    while words and words[0] in _DETERMINERS:
        words.pop(0)
    return " ".join(DEMONYMS.get(w, w) for w in words)
