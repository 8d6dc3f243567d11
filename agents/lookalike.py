"""Names that look the same: a human may not post as "Неlеn Park" (Cyrillic е, н) next to the
persona Helen Park. `skeleton` maps a name to what it looks like, in the spirit of Unicode TR39:
compatibility forms folded (NFKC: "Ｈｅｌｅｎ", "𝐇𝐞𝐥𝐞𝐧"), case folded, accents, spaces and invisible
characters dropped, and the Cyrillic and Greek letters that pass for Latin ones mapped to them."""

from __future__ import annotations

import unicodedata

# Look-alikes by their case before folding it (capital Eta "Η" looks like H, small "η" like n),
# and the ASCII pairs fonts confuse. A table of the common cases, not all of TR39's confusables.txt: the libraries that
# carry the whole table offer only an exponential normalise or a slow pairwise compare.
_LOOKS_LIKE = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "һ": "h", "н": "h", "і": "i", "ї": "i", "ј": "j",
    "к": "k", "м": "m", "о": "o", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s",
    "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ɡ": "g", "ı": "i",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "μ": "u", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ϲ": "c", "ω": "w",
    "А": "a", "В": "b", "Е": "e", "К": "k", "М": "m", "Н": "h", "О": "o", "Р": "p", "С": "c",
    "Т": "t", "У": "y", "Х": "x", "Ѕ": "s", "І": "i", "Ј": "j",
    "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "i", "Κ": "k", "Μ": "m", "Ν": "n",
    "Ο": "o", "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x",
    "0": "o", "1": "l", "|": "l", "!": "l", "5": "s", "$": "s", "@": "a",
})
_DIGRAPHS = (("rn", "m"), ("vv", "w"), ("cl", "d"))


def skeleton(name: str) -> str:
    """What `name` looks like; two names with one skeleton pass for each other."""
    folded = unicodedata.normalize("NFKC", name).translate(_LOOKS_LIKE).casefold()
    bare = "".join(c for c in unicodedata.normalize("NFD", folded) if not unicodedata.combining(c))
    kept = "".join(c for c in bare.translate(_LOOKS_LIKE) if c.isalnum())
    for pair, single in _DIGRAPHS:
        kept = kept.replace(pair, single)
    return kept.replace("i", "l")  # "He1en", "HeIen" and "Helen" read alike in most fonts
