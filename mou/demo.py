"""The agreements of the demo, from the briefing note: the CBFTF Terms of Reference signed August 12,
2021; the CBSA–ATF MOU in CBSA approvals (restricted to the two agencies); the CMAA, SMU and MLAT; and
the domestic and police-to-police channels through which the CBSA reaches the ATF and DEA today."""

import datetime

from members.models import Classification

from . import services
from .models import STANDARD_CATEGORIES, Agreement, InformationCategory

TOR_TEXT = """Terms of Reference — Canada–United States Cross Border Firearms Task Force

1. Mandate
The Task Force tackles the illegal movement of firearms through cross-border travel and trade, while ensuring that the movement of essential workers and goods continues unimpeded.

2. Leadership
The Task Force is co-led by the Canada Border Services Agency for Canada and jointly by the Bureau of Alcohol, Tobacco, Firearms and Explosives and U.S. Immigration and Customs Enforcement Homeland Security Investigations for the United States.

3. Membership
Members are senior-level officials with appropriate expertise and security clearance from the ATF, ICE/HSI, U.S. Customs and Border Protection, the Royal Canadian Mounted Police and the CBSA.

4. Reporting
The Task Force supports and informs the work of the Cross-Border Crime Forum: it considers issues the Forum requests, recommends issues for its consideration and provides progress updates.
"""

MOU_V1 = """Memorandum of Understanding between the Canada Border Services Agency and the Bureau of Alcohol, Tobacco, Firearms and Explosives

1. Purpose
This Memorandum sets out how the Participants share information directly on border-related activities involving firearms.

2. Information shared
The Participants may share customs and traveller information relevant to firearms smuggling.

3. Safeguards
Information is used only for the purposes set out in this Memorandum.
"""

MOU_V2 = """Memorandum of Understanding between the Canada Border Services Agency and the Bureau of Alcohol, Tobacco, Firearms and Explosives

1. Purpose
This Memorandum sets out how the Participants share information directly and in a timely manner on border-related activities involving firearms and firearms-related materials.

2. Information shared
The Participants may share customs, traveller and intelligence information relevant to the smuggling of firearms, firearms parts and prohibited devices.

3. Safeguards
Information is used only for the purposes set out in this Memorandum, in accordance with each Participant's domestic law, and is protected as set out in the Privacy Impact Assessment.

4. Review
The Participants review this Memorandum every two years.
"""

TOR_TEXT_FR = """Mandat — Groupe de travail transfrontalier Canada–États-Unis sur les armes à feu

1. Mandat
Le Groupe de travail lutte contre le mouvement illégal d'armes à feu par les déplacements et le commerce transfrontaliers, tout en veillant à ce que la circulation des travailleurs essentiels et des marchandises se poursuive sans entrave.

2. Direction
Le Groupe de travail est codirigé, pour le Canada, par l'Agence des services frontaliers du Canada et, pour les États-Unis, conjointement par le Bureau de l'alcool, du tabac, des armes à feu et des explosifs et par les Enquêtes de la sécurité intérieure du Service de l'immigration et des douanes des États-Unis.

3. Composition
Les membres sont des cadres supérieurs possédant l'expertise et la cote de sécurité voulues, issus de l'ATF, de l'ICE/HSI, du Service des douanes et de la protection des frontières des États-Unis, de la Gendarmerie royale du Canada et de l'ASFC.

4. Rapports
Le Groupe de travail appuie et éclaire les travaux du Forum sur la criminalité transfrontalière : il examine les questions que le Forum lui soumet, lui recommande des questions à étudier et lui fait rapport de l'avancement de ses travaux.
"""

MOU_V1_FR = """Protocole d'entente entre l'Agence des services frontaliers du Canada et le Bureau de l'alcool, du tabac, des armes à feu et des explosifs

1. Objet
Le présent protocole établit la façon dont les participants échangent directement des renseignements sur les activités frontalières liées aux armes à feu.

2. Renseignements échangés
Les participants peuvent échanger des renseignements douaniers et des renseignements sur les voyageurs utiles à la lutte contre la contrebande d'armes à feu.

3. Mesures de protection
Les renseignements ne sont utilisés qu'aux fins énoncées dans le présent protocole.
"""

MOU_V2_FR = """Protocole d'entente entre l'Agence des services frontaliers du Canada et le Bureau de l'alcool, du tabac, des armes à feu et des explosifs

1. Objet
Le présent protocole établit la façon dont les participants échangent directement et en temps opportun des renseignements sur les activités frontalières liées aux armes à feu et au matériel connexe.

2. Renseignements échangés
Les participants peuvent échanger des renseignements douaniers, des renseignements sur les voyageurs et des renseignements criminels utiles à la lutte contre la contrebande d'armes à feu, de pièces d'armes à feu et de dispositifs prohibés.

3. Mesures de protection
Les renseignements ne sont utilisés qu'aux fins énoncées dans le présent protocole, conformément au droit interne de chaque participant, et sont protégés selon les modalités prévues dans l'évaluation des facteurs relatifs à la vie privée.

4. Examen
Les participants examinent le présent protocole tous les deux ans.
"""

MOU_SUMMARY_FR = "Permettra à l'ASFC et à l'ATF d'échanger des renseignements directement, sans intermédiaire."


MOU_STEPS = [
    # title, French, owner, concurring, target date, how its target is worded (see _target_label), moves to
    ("CBSA internal approval", "Approbation interne de l'ASFC", "CBSA", [], None, "", ""),
    ("Shared with ATF for review", "Transmis à l'ATF pour examen", "ATF", [], datetime.date(2022, 2, 15),
     "mid_month", ""),
    ("Privacy Impact Assessment prepared", "Évaluation des facteurs relatifs à la vie privée préparée", "CBSA", [],
     None, "", ""),
    ("PIA submitted to the Office of the Privacy Commissioner",
     "ÉFVP soumise au Commissariat à la protection de la vie privée", "CBSA", [], datetime.date(2022, 3, 31),
     "fiscal_year_end", ""),
    ("Office of the Privacy Commissioner approval", "Approbation du Commissariat à la protection de la vie privée",
     "CBSA", [], None, "", ""),
    ("Ready for signature", "Prêt pour la signature", "CBSA", ["ATF"], None, "", "ready_for_signature"),
    ("Signed", "Signé", "CBSA", ["ATF"], None, "", "signed"),
]

# The MOU's milestones, each following the approval step that has the same deadline.
STEP_MILESTONES = {
    "Shared with ATF for review": "CBSA–ATF MOU shared with ATF for review",
    "PIA submitted to the Office of the Privacy Commissioner":
        "Privacy Impact Assessment submitted to the Office of the Privacy Commissioner",
}

TOR_SIGNED = datetime.date(2021, 8, 12)

# short name, kind, English title, French title, parties, categories, condition, in force from, summary
INSTRUMENTS = [
    ("CMAA", "cmaa", "Canada–United States Customs Mutual Assistance Agreement",
     "Accord d'assistance mutuelle en matière douanière Canada–États-Unis", ["CBSA", "CBP", "ICE"], ["customs"], "",
     datetime.date(1985, 6, 20), "Exchange of customs information between the CBSA and U.S. CBP and ICE."),
    ("SMU", "smu", "Statement of Mutual Understanding on Information Sharing",
     "Déclaration d'entente mutuelle sur l'échange de renseignements", ["CBSA", "CBP", "ICE"], ["traveller"], "",
     datetime.date(2003, 6, 26), "Exchange of traveller information between the CBSA and U.S. CBP and ICE."),
    ("MLAT", "treaty", "Treaty between Canada and the United States on Mutual Legal Assistance in Criminal Matters",
     "Traité d'entraide juridique en matière pénale entre le Canada et les États-Unis",
     ["CBSA", "RCMP", "ATF", "DEA", "CBP", "ICE", "HSI"], ["criminal_evidence"], "criminal_proceedings",
     datetime.date(1990, 1, 24), "Exchange of criminal evidence, used only in conjunction with criminal proceedings."),
    ("CBSA–RCMP MOU", "mou", "CBSA–RCMP Memorandum of Understanding on the exchange of information",
     "Protocole d'entente ASFC–GRC sur l'échange de renseignements", ["CBSA", "RCMP"],
     ["customs", "traveller", "intelligence"], "", datetime.date(2010, 5, 5),
     "Domestic channel: the RCMP is the CBSA's usual intermediary to U.S. law enforcement."),
    ("RCMP–U.S. cooperation", "other", "RCMP cooperation arrangements with U.S. federal law enforcement",
     "Ententes de coopération de la GRC avec les organismes fédéraux d'application de la loi des États-Unis",
     ["RCMP", "ATF", "DEA"], ["customs", "intelligence"], "", datetime.date(2012, 9, 1),
     "Police-to-police channel through which information reaches the ATF and DEA."),
    ("U.S. federal sharing", "other", "U.S. federal law enforcement information sharing",
     "Échange de renseignements entre organismes fédéraux d'application de la loi des États-Unis",
     ["CBP", "ICE", "HSI", "ATF", "DEA"], ["customs", "traveller", "intelligence"], "", datetime.date(2008, 1, 1),
     "Domestic U.S. channel between DHS and DOJ components."),
]


# The short names French readers know the agreements by (Government of Canada usage: a protocole d'entente is a PE,
# the customs mutual assistance agreement an AAMD, the mutual legal assistance treaty a TEJ, the statement of mutual
# understanding a DEM).
SHORT_NAMES_FR = {
    "CBFTF ToR": "Mandat du GTTAF",
    "CBSA–ATF MOU": "PE ASFC–ATF",
    "CMAA": "AAMD",
    "SMU": "DEM",
    "MLAT": "TEJ",
    "CBSA–RCMP MOU": "PE ASFC–GRC",
    "RCMP–U.S. cooperation": "Coopération GRC–États-Unis",
    "U.S. federal sharing": "Échange fédéral américain",
}


# Each instrument's summary, in French.
SUMMARIES_FR = {
    "CMAA": "Échange de renseignements douaniers entre l'ASFC et le CBP et l'ICE des États-Unis.",
    "SMU": "Échange de renseignements sur les voyageurs entre l'ASFC et le CBP et l'ICE des États-Unis.",
    "MLAT": "Échange d'éléments de preuve en matière pénale, utilisés uniquement dans le cadre de poursuites pénales.",
    "CBSA–RCMP MOU": "Canal national : la GRC est l'intermédiaire habituel de l'ASFC auprès des organismes "
                     "d'application de la loi des États-Unis.",
    "RCMP–U.S. cooperation": "Canal de police à police par lequel les renseignements parviennent à l'ATF et à la DEA.",
    "U.S. federal sharing": "Canal intérieur américain entre les composantes du DHS et du DOJ.",
}


def _categories() -> dict[str, InformationCategory]:
    # Normally there from the migration; a test that flushes the database removes them.
    for code, name_en, name_fr in STANDARD_CATEGORIES:
        InformationCategory.objects.get_or_create(code=code, defaults={"name_en": name_en, "name_fr": name_fr})
    return {c.code: c for c in InformationCategory.objects.all()}


def _target_label(timeline, wording: str, target: datetime.date | None, language: str) -> str:
    """The note's wording of a deadline, with the story's moved dates: "Before mid-February 2022", "Avant la
    mi-février 2022"."""
    if wording == "mid_month":
        month = timeline.month(target, language)
        return f"Avant la mi-{month}" if language == "fr" else f"Before mid-{month}"
    if wording == "fiscal_year_end":
        year = timeline.fiscal_year(target)
        return (f"Avant la fin de l'exercice {year.replace('–', '-')}" if language == "fr"
                else f"Before the end of fiscal year {year}")
    return ""


def _terms_of_reference(demo, categories) -> None:
    cbftf, a, sec, t = demo.bodies["CBFTF"], demo.agencies, demo.users["secretariat"], demo.timeline
    if Agreement.objects.filter(body=cbftf, short_name="CBFTF ToR").exists():
        return
    parties = [a["CBSA"], a["ATF"], a["HSI"], a["CBP"], a["RCMP"]]
    with t.stamped(datetime.date(2021, 7, 5), 9):
        tor = services.agreement_create(
            actor=sec, body=cbftf, kind=Agreement.Kind.TERMS_OF_REFERENCE, short_name="CBFTF ToR",
            short_name_fr=SHORT_NAMES_FR["CBFTF ToR"],
            title_en="Terms of Reference of the Canada–United States Cross Border Firearms Task Force",
            title_fr="Mandat du Groupe de travail transfrontalier Canada–États-Unis sur les armes à feu",
            parties=parties, text=TOR_TEXT, text_fr=TOR_TEXT_FR, written_at=t.moment(datetime.date(2021, 7, 5), 9),
        )
        step = services.step_add(
            actor=sec, agreement=tor, title_en="Co-leads approve the Terms of Reference",
            title_fr="Les coresponsables approuvent le mandat", owner_agency=a["CBSA"],
            concurring_agencies=[a["ATF"], a["HSI"]], target_date=t.day(datetime.date(2021, 8, 1)),
            moves_to=Agreement.Status.READY_FOR_SIGNATURE,
        )
        services.step_add(actor=sec, agreement=tor, title_en="Signed", title_fr="Signé", owner_agency=a["CBSA"],
                          moves_to=Agreement.Status.SIGNED)
        services.agreement_submit(actor=sec, agreement=tor)
    with t.stamped(datetime.date(2021, 7, 28), 15):
        for username in ["cbsa", "atf", "hsi"]:
            services.step_act(actor=demo.users[username], step=step, outcome="approved")
    signatories = {"CBSA": "Vice-President, Intelligence and Enforcement Branch",
                   "ATF": "Assistant Director, Field Operations", "HSI": "Executive Associate Director",
                   "CBP": "Executive Assistant Commissioner, Operations Support",
                   "RCMP": "Deputy Commissioner, Federal Policing"}
    with t.stamped(TOR_SIGNED, 14):
        for agency in parties:
            services.signature_record(
                actor=sec, agreement=tor, party=agency, signatory_name=f"For the {agency.acronym}",
                signatory_title=signatories[agency.acronym], signed_on=t.day(TOR_SIGNED),
            )


def _mou(demo, categories) -> None:
    cbftf, a, u, t = demo.bodies["CBFTF"], demo.agencies, demo.users, demo.timeline
    if Agreement.objects.filter(body=cbftf, short_name="CBSA–ATF MOU").exists():
        return
    with t.stamped(datetime.date(2021, 9, 20), 9):
        mou = services.agreement_create(
            actor=u["secretariat"], body=cbftf, kind=Agreement.Kind.MOU, short_name="CBSA–ATF MOU",
            short_name_fr=SHORT_NAMES_FR["CBSA–ATF MOU"],
            title_en="Memorandum of Understanding between the CBSA and the ATF on direct information sharing",
            title_fr="Protocole d'entente entre l'ASFC et l'ATF sur l'échange direct de renseignements",
            parties=[a["CBSA"], a["ATF"]], text=MOU_V1, text_fr=MOU_V1_FR, categories=[categories[c] for c in
                                                                      ("customs", "traveller", "intelligence")],
            classification=Classification.PROTECTED_A, restricted_to=[a["CBSA"], a["ATF"]],
            summary="Will allow the CBSA and the ATF to share information directly, without an intermediary.",
            summary_fr=MOU_SUMMARY_FR, written_at=t.moment(datetime.date(2021, 9, 20), 9),
        )
    v1 = mou.versions.get(number=1)
    with t.stamped(datetime.date(2021, 9, 22), 11):
        services.comment_add(actor=u["cbsa"], version=v1, passage="share information directly",
                             text="Add “in a timely manner”: timeliness is the point of the MOU.")
    with t.stamped(datetime.date(2021, 10, 18), 14):
        v2 = services.version_create(actor=u["cbsa"], agreement=mou, text=MOU_V2, text_fr=MOU_V2_FR, base_number=1,
                                     note="Revised after CBSA legal review",
                                     written_at=t.moment(datetime.date(2021, 10, 18), 14))
    with t.stamped(datetime.date(2021, 10, 20), 10):
        services.comment_add(actor=u["secretariat"], version=v2,
                             passage="as set out in the Privacy Impact Assessment",
                             text="The PIA is still being prepared; keep this reference in step with it.")
    with t.stamped(datetime.date(2021, 10, 25), 9):
        mou.milestones.set(cbftf.milestones.filter(title_en__in=STEP_MILESTONES.values()))
        for title, title_fr, owner, concurring, target, wording, moves_to in MOU_STEPS:
            services.step_add(
                actor=u["secretariat"], agreement=mou, title_en=title, title_fr=title_fr, owner_agency=a[owner],
                concurring_agencies=[a[c] for c in concurring], target_date=target and t.day(target),
                target_label=_target_label(t, wording, target, "en"),
                target_label_fr=_target_label(t, wording, target, "fr"), moves_to=moves_to,
                milestone=mou.milestones.filter(title_en=STEP_MILESTONES.get(title)).first(),
            )
        services.agreement_submit(actor=u["secretariat"], agreement=mou, note="Draft into CBSA approvals")


def _instruments(demo, categories) -> None:
    cbftf, a, sec, t = demo.bodies["CBFTF"], demo.agencies, demo.users["secretariat"], demo.timeline
    for short, kind, title_en, title_fr, parties, cats, condition, in_force, summary in INSTRUMENTS:
        if Agreement.objects.filter(body=cbftf, short_name=short).exists():
            continue
        with t.stamped(in_force, 9):
            agreement = services.agreement_create(
                actor=sec, body=cbftf, kind=kind, short_name=short, short_name_fr=SHORT_NAMES_FR[short],
                title_en=title_en, title_fr=title_fr,
                parties=[a[p] for p in parties], categories=[categories[c] for c in cats], condition=condition,
                summary=summary, summary_fr=SUMMARIES_FR[short], text=f"{title_en}\n\n{summary}\n",
                text_fr=f"{title_fr}\n\n{SUMMARIES_FR[short]}\n", written_at=t.moment(in_force, 9),
            )
            services.agreement_submit(actor=sec, agreement=agreement)
            services.agreement_transition(actor=sec, agreement=agreement, transition="make_ready_for_signature")
            for party in agreement.parties.all():
                services.signature_record(actor=sec, agreement=agreement, party=party,
                                          signatory_name=f"For the {party.acronym}", signed_on=t.day(in_force))
            services.agreement_transition(actor=sec, agreement=agreement, transition="bring_into_force",
                                          on=t.day(in_force))


def _french_short_names(demo) -> None:
    """Agreements loaded before they had French short names get them; one changed since gets its own back."""
    for short, french in SHORT_NAMES_FR.items():
        Agreement.objects.filter(body=demo.bodies["CBFTF"], short_name=short).exclude(short_name_fr=french).update(
            short_name_fr=french
        )


def load_agreements(demo) -> None:
    categories = _categories()
    _terms_of_reference(demo, categories)
    _mou(demo, categories)
    _instruments(demo, categories)
    _french_short_names(demo)
