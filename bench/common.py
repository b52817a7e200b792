"""What the Django benchmarks share: a database of their own, created and migrated on demand."""


def ensure_database() -> None:
    """Create the PostgreSQL database named by the settings if it is missing, then migrate."""
    from django.conf import settings
    from django.core.management import call_command

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        import psycopg

        conninfo = dict(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432,
                        user=db["USER"], dbname="postgres", autocommit=True)
        if db["PASSWORD"]:
            conninfo["password"] = db["PASSWORD"]
        with psycopg.connect(**conninfo) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                  [db["NAME"]]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{db["NAME"]}"')
    call_command("migrate", verbosity=0)


# --- Fictional articles ---------------------------------------------------------------------
# Every word is made up for the benchmarks: nothing is copied from a real article.
SPEAKERS = ["The harbour ministry", "Mayor Ada Quill", "The coastal guard", "Residents",
            "Union leader Tomas Brel", "The port authority", "A local official",
            "The weather office", "Councillor Ines Varga", "The ferry company",
            "The regional hospital", "Fishermen on the north quay"]
CUES = ["said", "claimed", "announced", "denied", "told reporters", "insisted", "warned",
        "confirmed", "argued"]
CONTENTS = ["the road to the harbour had been closed since dawn",
            "no convoy would pass before the talks resumed",
            "the new pier would open in the spring",
            "water levels on the river had fallen by half a metre",
            "two ferries had been withdrawn for repairs",
            "the night curfew would be lifted on Monday",
            "the budget for the sea wall had doubled",
            "fewer boats had left the port this season than last"]
FILLERS = ["Rain fell over the town for most of the week.",
           "The market square was quieter than usual.",
           "Talks between the two sides are expected to continue.",
           "The council meets again at the end of the month.",
           "Traffic on the coast road was light in the afternoon."]

# (speaker, source span, cue span, content span), spans as (start, end) offsets into the text
ClaimPlan = tuple[str, tuple[int, int], tuple[int, int], tuple[int, int]]


def fictional_article(n_claims: int, rng, *, tag: str = "", speakers=SPEAKERS, cues=CUES,
                      contents=CONTENTS, fillers=FILLERS) -> tuple[str, list[ClaimPlan]]:
    """A fictional article of `n_claims` attributed sentences ("<speaker> <cue> that
    <content> (<tag>item <i>). "), a plain sentence from `fillers` before every third one
    (none if empty) and a paragraph break after every sixth; returns the text and each claim's
    speaker and spans. The content span leaves out "that" and the closing parenthesis's
    full stop; `tag` makes sentences differ between articles."""
    parts, plans, at = [], [], 0
    for i in range(n_claims):
        if fillers and i % 3 == 0:
            filler = rng.choice(fillers) + " "
            parts.append(filler)
            at += len(filler)
        speaker, cue, content = rng.choice(speakers), rng.choice(cues), rng.choice(contents)
        sentence = f"{speaker} {cue} that {content} ({tag}item {i}). "
        source = (at, at + len(speaker))
        cue_span = (source[1] + 1, source[1] + 1 + len(cue))
        content_span = (cue_span[1] + len(" that "), at + len(sentence) - 2)
        plans.append((speaker, source, cue_span, content_span))
        parts.append(sentence)
        at += len(sentence)
        if i % 6 == 5:
            parts.append("\n\n")
            at += 2
    return "".join(parts), plans
