"""Word lists the rules use, kept as data so they can be read and extended without code.

Entries are lower-case lemmas as spaCy's English lemmatizer produces them. The verb classes
say what complement carries the content: a clause ("said that ..."), an infinitive
("vowed to ..."), a noun phrase ("denied the report") or a prepositional object
("called for ...").
"""


def _words(block: str) -> frozenset[str]:
    """A whitespace-separated word list (kept as text blocks so the lists stay readable)."""
    return frozenset(block.split())


# Forms the model's lemmatizer gets wrong ("hoped" -> "hop"), by their lower-cased surface
# form: rules look cues up by lemma(), which reads this table first.
LEMMA_FIXES = {
    **dict.fromkeys(("hoped", "hopes", "hoping"), "hope"),
    "tweeting": "tweet",
    "underlining": "underline",
}

# Verbs whose clause complement (ccomp, "that ...", a quotation) is the attributed content.
# Speech, writing, belief, intention and evidence all count (PolNeAR guidelines).
CLAUSE_VERBS = _words("""
say tell claim affirm announce reveal emphasise emphasize insist deny warn allege mention add
state confirm report argue believe think expect show suggest find note write ask respond reply
acknowledge agree explain vow promise declare assert concede admit predict estimate stress
conclude indicate recall tweet post comment observe remark contend maintain complain charge
testify doubt fear hope worry urge demand propose reiterate repeat echo recount joke quip
boast brag lament bemoan signal hint imply highlight disclose learn hear know feel understand
assure guarantee speculate surmise reckon guess predict forecast caution counter retort rebut
protest object announce proclaim pledge threaten suppose suspect acknowledge recognize
recognise realize realise notice point complain allege pronounce certify verify prove
demonstrate illustrate reflect underline underscore reaffirm reassure inform notify advise
recommend instruct order decide determine rule conclude figure calculate project anticipate
envision imagine wonder question insinuate posit theorize hypothesize contend accept
concur confess divulge leak cite quote read tout trumpet herald celebrate describe portray
characterize acknowledge
""")

# Clause verbs that name whom they address before the clause: "told the crew that ...".
RECIPIENT_VERBS = _words("""
tell inform assure reassure remind warn notify advise convince persuade promise teach show
""")

# Verbs whose to-infinitive (xcomp) is the content: "claiming to gain", "vowed to fight".
INFINITIVE_VERBS = _words("""
claim vow promise pledge threaten plan want hope expect intend aim seek refuse decline agree
offer ask urge demand propose call push press
""")
# Not listed on purpose: try, need, wish, prefer (effort and necessity, not a claim or an
# announced intention; annotators almost never mark them).

# Verbs whose direct object is the content: "all mention clashes", "denied the report".
OBJECT_VERBS = _words("""
mention announce deny confirm reveal reject dismiss criticize criticise praise blast slam blame
cite propose demand question endorse highlight acknowledge report release publish discuss
describe condemn denounce decry welcome applaud hail tout defend dispute contest challenge
predict promise pledge vow warn underline stress emphasize emphasise reiterate repeat echo
bemoan lament express voice outline recommend oppose attack accuse call show note
""")

# Verbs whose passive carries a judgement or report about its subject: "X is seen as Y",
# "X is said to Y", "X was charged with Y" (OBJECT_VERBS count too).
PASSIVE_VERBS = _words("""
consider regard see view know describe portray characterize characterise label brand dub call
deem believe think expect say report rumor rumour suspect accuse charge criticize criticise
praise blame celebrate hail credit
""")
PASSIVE_PREPS = _words("for as with of over")

# Prepositions that continue an object content: "accused X of Y", "blamed X for Y",
# "described X as Y", "released X to Y".
OBJECT_CONTINUATIONS = _words("of for as over about to")

# Where or in what a report was made ("said in an interview", "announced at a rally"): a
# phrase on one of these is the setting of the report, not part of what it says.
VENUE_NOUNS = _words("""
interview statement speech briefing conference hearing meeting rally event debate ruling
appearance address remarks letter email post tweet video broadcast podcast program show
session summit forum stop visit trip lobby campaign
""")

# Verb + preposition cues whose prepositional object is the content ("called for a repeal").
PREP_VERBS = {
    "call": frozenset({"for"}),
    "warn": frozenset({"of", "about", "against"}),
    "talk": frozenset({"about"}),
    "speak": frozenset({"about", "of"}),
    "complain": frozenset({"about", "of"}),
    "comment": frozenset({"on"}),
    "argue": frozenset({"for", "against"}),
    "push": frozenset({"for"}),
    "press": frozenset({"for"}),
    "ask": frozenset({"for", "about"}),
    "focus": frozenset({"on"}),
    "boast": frozenset({"about", "of"}),
    "brag": frozenset({"about"}),
    "joke": frozenset({"about"}),
    "insist": frozenset({"on"}),
    "agree": frozenset({"with", "on"}),
}

# Verbs that only count with a particle: "pointed out that", "spelled out".
PARTICLE_VERBS = {"point": frozenset({"out"}), "spell": frozenset({"out"}),
                  "lay": frozenset({"out"}), "set": frozenset({"out"})}

# Verbs whose subject is never the speaker but part of the content: an impression with no
# named holder ("the plan seems too risky": content = subject + complement, no source), or a
# hedge on an embedded cue ("appeared to suggest that ...": one cue).
RAISING_VERBS = frozenset({"seem", "appear"})

# The say/tell family: strongest cues, direct speech is common after them.
SPEECH_VERBS = _words("""
say tell add state declare announce insist reply respond write tweet post explain
note remark answer continue quip joke
""")

# Verbs that report a quotation even when the parser leaves it unattached:
# '"Why now?" she asked.', '"Thanks!" responded the director.'
QUOTE_VERBS = SPEECH_VERBS | _words("ask respond reply say write add tell wonder exclaim shout")

# Adjectives of belief, feeling and intention after a copula: "is confident that ...",
# "were willing to ...", "is worried about ...". The content is the clause, the infinitive or
# the object of one of CUE_ADJ_PREPS; the source is the copula's subject.
CUE_ADJECTIVES = _words("""
afraid optimistic pessimistic confident convinced certain sure unsure uncertain hopeful
worried concerned determined eager reluctant skeptical sceptical adamant
nervous supportive critical wary fearful aware doubtful anxious keen
""")
CUE_ADJ_PREPS = _words("about of that on over")

# Nouns that introduce content with a "that" clause or an "of" phrase: "the claim that ...".
CUE_NOUNS = _words("""
claim statement announcement report allegation assertion argument belief view warning promise
pledge vow denial assurance admission suggestion prediction estimate forecast accusation
charge insistence contention concern fear hope expectation news word rumor rumour testimony
comment remark message conclusion finding opinion
""")

# Nouns whose to-infinitive is the content: "her decision to resign", "his plan to build".
INFINITIVE_NOUNS = _words("""
decision plan proposal promise pledge vow threat call agreement refusal reluctance eagerness
determination desire willingness intention offer request demand bid commitment
""")

# Nouns whose prepositional object is the content, with the prepositions they take:
# "his criticism of the plan", "their worries about the cost", "her call for a recount".
PREP_NOUNS = {
    **dict.fromkeys(_words("criticism allegation accusation announcement denial"),
                    frozenset({"of"})),
    **dict.fromkeys(_words("question worry concern warning complaint doubt fear"),
                    frozenset({"about", "over", "of"})),
    **dict.fromkeys(_words("call demand request appeal"), frozenset({"for"})),
    **dict.fromkeys(_words("support opposition"), frozenset({"for", "to"})),
}

# Pronouns that may be a source; resolved to the nearest fitting earlier named source.
PERSON_PRONOUNS = frozenset({"he", "she", "him", "her"})
THING_PRONOUNS = frozenset({"it"})
PLURAL_PRONOUNS = frozenset({"they", "them"})
OTHER_PRONOUNS = frozenset({"i", "we", "you", "me", "us", "who", "which", "that", "this",
                            "these", "those", "one", "someone", "anyone", "everyone", "nobody"})

# Head nouns that name a role rather than a person; without a proper noun in the source
# they mark an unnamed ("anonymous") source: "a local official", "sources", "aides".
ANONYMOUS_HEADS = _words("""
official officials source sources person people aide aides insider insiders diplomat diplomats
officer officers resident residents witness witnesses spokesman spokeswoman spokesperson
representative representatives member members analyst analysts expert experts observer
observers employee employees staffer staffers adviser advisers advisor advisors lawmaker
lawmakers activist activists someone somebody individual individuals figure figures
""")

# Phrases inside a source that make it anonymous whatever its head.
ANONYMITY_MARKERS = ("anonymity", "anonymous", "not to be named", "not be named",
                     "unnamed", "not authorized to", "not authorised to", "declined to be named",
                     "requested anonymity", "unidentified")

# Nouns that refer to people (he/she antecedents) vs. organisations (it antecedents).
PERSON_NOUNS = _words("""
official spokesman spokeswoman spokesperson minister president senator governor mayor leader
chief director secretary candidate nominee man woman general commander head chairman
chairwoman aide adviser advisor analyst expert witness resident lawyer attorney judge author
professor economist reporter journalist source officer diplomat ambassador representative
lawmaker member manager ceo founder king queen prince pope bishop priest doctor
""")
ORG_NOUNS = _words("""
ministry government army military company campaign party committee agency department
office council court commission administration force group alliance organisation
organization union bank firm board police service newspaper network paper report poll
survey study institute foundation university agency coalition movement team
""")

# Quotation marks. Curly quotes say which side they are on; straight ones alternate.
OPEN_QUOTES = frozenset({"“", "«", "„", "``"})
CLOSE_QUOTES = frozenset({"”", "»", "''"})
STRAIGHT_QUOTES = frozenset({'"'})

# Words that start "Label:" lines without naming a speaker.
NON_SPEAKER_LABELS = _words("""
update updated note editor abstract related photo photos video watch read more correction
advertisement source sources caption credit image graphic see also ps tags tag topics
breaking exclusive analysis opinion live the a an
""")

# What kind of speaker a source is (the values of claims.models.Source.Kind), by its head noun
# or a compound or modifier of it: "the army", "police officers", "rebel fighters". Words are
# matched as written and as lemmas. Unknown heads stay "other".
KIND_WORDS = {
    "military": _words("""
        army armies military militaries troop troops soldier soldiers force forces navy navies
        airforce
    """),
    "government": _words("""
        ministry ministries minister ministers government governments president presidency
        official officials authority authorities police mayor council cabinet governor
    """),
    "armed_group": _words("""
        rebel rebels militant militants insurgent insurgents jihadist jihadists militia militias
        guerrilla guerrillas
    """),
    "media": _words("""
        newspaper newspapers broadcaster broadcasters television radio reporter reporters
        journalist journalists
    """),
    "document": _words("""
        report reports study studies data figure figures survey surveys statement statements
        document documents
    """),
    "organisation": _words("""
        company companies firm firms party parties union unions organisation organisations
        organization organizations association charity bank foundation institute university
    """),
}
# Kinds a modifier can give its head ("army spokesman", "rebel commander", "police officers");
# a modifier naming an organisation or a document does not make the head one ("union leader").
MODIFIER_KINDS = frozenset({"military", "government", "armed_group", "media"})
# "news agency", "press service": media only with one of these modifiers.
MEDIA_MODIFIERS = _words("news press")
MEDIA_HEADS = _words("agency agencies service outlet outlets network channel")
# Heads that speak for the group in their "of"/"for" phrase: "a spokesman for the ministry",
# "an alliance of armed groups", "a coalition of rebels".
PROXY_HEADS = _words("""
spokesman spokeswoman spokesperson alliance coalition federation umbrella group groups
""")
