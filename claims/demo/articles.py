"""Fictional reports for the demo desk and the tests. Every place, person and group is invented."""

DEMO_ARTICLES = [
    {
        "title": "Clashes reported around Port Velan as both sides claim the upper hand",
        "outlet": "Harbour Wire (fictional)",
        "url": "https://example.org/demo/port-velan-clashes",
        "published_on": "2026-10-02",
        "text": (
            "PORT VELAN, Oct 2 (HW) — Fighting between the Estorian army and the Northern "
            "Liberation Front continued for a third day on Thursday, with both sides claiming "
            "to control the coastal road.\n\n"
            "The Estorian army said in a statement that its units had \u201cretaken every "
            "checkpoint\u201d south of the harbour. The Northern Liberation Front (NLF) announced "
            "that it had captured two armoured vehicles and denied losing any positions.\n\n"
            "A harbour official, who asked not to be named, said the port remained closed and "
            "that ships were waiting offshore. \u201cNobody is allowed in or out,\u201d the "
            "official told reporters.\n\n"
            "According to the regional health office, at least 14 people were treated for "
            "injuries on Wednesday. The figure could not be independently verified.\n\n"
            "Defence minister Lena Varsk insisted that the operation would end \u201cwithin "
            "days\u201d. Residents, however, reported hearing artillery through the night."
        ),
    },
    {
        "title": "Ministry and unions at odds over Drava mine closure",
        "outlet": "The Drava Courier (fictional)",
        "url": "https://example.org/demo/drava-mine",
        "published_on": "2026-09-18",
        "text": (
            "DRAVA, Sept 18 — The ministry of industry said on Monday that the Kessel copper "
            "mine would close by the end of the year because it was no longer profitable. It "
            "added that all 600 workers would be offered jobs elsewhere.\n\n"
            "The miners' union rejected that account. \u201cThe mine made money last year and "
            "the ministry knows it,\u201d union leader Tomas Brel said. \u201cThis is about "
            "selling the land.\u201d\n\n"
            "The mine's owner, Kessel Holdings, claimed that copper prices had fallen by a "
            "third, while an independent analyst, Mira Ostrova, warned that the closure would "
            "cut the town's tax income in half.\n\n"
            "Prices have risen since March, according to figures from the national statistics "
            "bureau."
        ),
    },
    {
        "title": "Flood defences held, says mayor; residents disagree",
        "outlet": "Lowmarsh Evening Post (fictional)",
        "url": "https://example.org/demo/lowmarsh-floods",
        "published_on": "2026-11-03",
        "text": (
            "LOWMARSH, Nov 3 — Mayor Ada Quill affirmed on Sunday that the new flood barrier "
            "had \u201cdone exactly what it was built to do\u201d and that no homes in the old "
            "town had been flooded.\n\n"
            "Residents of Mill Street told the Post that water had entered at least a dozen "
            "houses. One resident, who did not want her name published, said the barrier had "
            "been left open for two hours.\n\n"
            "The river authority revealed that water levels peaked at 4.2 metres, the highest "
            "in thirty years. A spokesman for the authority denied that any gate had been left "
            "open, saying the flooding came from drains, not the river."
        ),
    },
]
