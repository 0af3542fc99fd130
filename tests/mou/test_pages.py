"""The agreement pages as each persona uses them: the register, an agreement and its workflow, drafting,
comparing, commenting, signing, and the sharing map. Assertions are on what the reader sees."""

import datetime
import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from members.models import Agency, User
from mou import services
from mou.demo import MOU_V1, MOU_V2
from mou.models import Agreement, AgreementVersion, WorkflowStep
from tests.mou.conftest import MOU, Workflow, category, stored
from tests.support.scenario import GRANTED, MOU_REVIEW, NOT_GRANTED, page, text_of

Status = Agreement.Status

# What of the MOU a reader who may not see it must find nowhere: its name (in either language), its texts, its
# comments, its steps and their deadlines.
MOU_TRACES = (
    MOU,
    "PE ASFC–ATF",
    "direct information sharing",
    "Revised after CBSA legal review",
    "timeliness is the point of the MOU",
    "keep this reference in step with it",
    "Shared with ATF for review",
    "Before mid-February 2022",
    "Before the end of fiscal year 2021–2022",
    "Once the",
)
NOT_GRANTED_OR_OUTSIDE = (*NOT_GRANTED, "outsider")


def traces_in(text: str) -> list[str]:
    return [trace for trace in MOU_TRACES if trace in text]


def status_shown(html: str) -> str:
    """The agreement's status, as the box under its title says it."""
    return re.search(r'<span class="mou-status[^"]*">([^<]+)</span>', html).group(1)


def mou_step(mou: Agreement, title: str) -> WorkflowStep:
    return mou.steps.get(title_en=title)


def persona(demo, outsider, username: str) -> User:
    return outsider if username == "outsider" else demo.users[username]


# The MOU's own addresses, GET and POST: not found for anyone it is not shared with.
MOU_URLS: dict[str, tuple[str, Callable[[Agreement], str]]] = {
    "agreement-detail": ("get", lambda mou: page("agreement-detail", mou.pk)),
    "version-detail": ("get", lambda mou: page("version-detail", mou.pk, 1)),
    "version-create": ("get", lambda mou: page("version-create", mou.pk)),
    "version-compare": ("get", lambda mou: page("version-compare", mou.pk) + "?from=1&to=2"),
    "version-comment": ("post", lambda mou: page("version-comment", mou.pk, 2)),
    "version-restore": ("post", lambda mou: page("version-restore", mou.pk, 1)),
    "step-act": ("post", lambda mou: page("step-act", mou_step(mou, "CBSA internal approval").pk)),
    "step-create": ("post", lambda mou: page("step-create", mou.pk)),
    "agreement-submit": ("post", lambda mou: page("agreement-submit", mou.pk)),
    "agreement-transition": ("post", lambda mou: page("agreement-transition", mou.pk)),
    "signature-create": ("post", lambda mou: page("signature-create", mou.pk)),
}
FILLED_IN = {
    "version-comment": {"text": "Agreed.", "passage": ""},
    "version-restore": {"base_number": "2"},
    "step-act": {"outcome": "approved"},
    "step-create": {"title_en": "Legal review", "owner_agency": "CBSA"},
    "agreement-transition": {"transition": "return_to_drafting"},
    "signature-create": {"party": "CBSA", "signatory_name": "Someone", "signed_on": "2022-01-05", "version_number": "2"},
}


# The register -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", NOT_GRANTED_OR_OUTSIDE)
def test_the_register_hides_the_mou_from_agencies_it_is_not_shared_with(demo, outsider, client_for, username):
    text = text_of(client_for(persona(demo, outsider, username)).get(page("agreement-list")))

    assert traces_in(text) == []


@pytest.mark.parametrize("username", ["rcmp", "hsi", "cbp"])
def test_task_force_members_see_the_standing_instruments_and_the_terms_of_reference(client_for, demo, username):
    text = text_of(client_for(demo.users[username]).get(page("agreement-list")))

    for short_name in ("CBFTF ToR", "CMAA", "SMU", "MLAT"):
        assert f">{short_name}</a>" in text
    assert "Only in conjunction with criminal proceedings" in text  # the MLAT's condition


@pytest.mark.parametrize("username", GRANTED)
def test_the_register_lists_the_mou_with_its_parties_status_and_overdue_steps(client_for, demo, username):
    html = client_for(demo.users[username]).get(page("agreement-list")).content.decode()
    row = text_of_row(html, MOU)

    assert "Memorandum of Understanding" in row
    assert "ATF, CBSA" in row
    assert "In approval" in row
    assert "Customs information, Intelligence, Traveller information" in row
    # Shared with ATF before mid-February 2022, the PIA submitted before 2022-03-31: both late.
    assert "2 overdue" in row


def text_of_row(html: str, short_name: str) -> str:
    row = next(r for r in re.findall(r"<tr>.*?</tr>", html, flags=re.S) if f">{short_name}</a>" in r)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text_of_html(row)))


def text_of_html(html: str) -> str:
    import html as html_module

    return html_module.unescape(html)


@pytest.mark.parametrize(
    ("query", "listed", "left_out"),
    [
        ("kind=treaty", ["MLAT"], ["CMAA", "CBFTF ToR", MOU]),
        ("status=in_approval", [MOU], ["CMAA", "CBFTF ToR"]),
        ("party=DEA", ["MLAT", "U.S. federal sharing"], ["CMAA", MOU, "CBFTF ToR"]),
        ("kind=mou&party=ATF", [MOU], ["CBSA–RCMP MOU", "MLAT"]),
    ],
)
def test_the_register_filters_by_kind_status_and_party(client_for, cbsa, query, listed, left_out):
    text = text_of(client_for(cbsa).get(page("agreement-list") + "?" + query))

    for short_name in listed:
        assert f">{short_name}</a>" in text
    for short_name in left_out:
        assert f">{short_name}</a>" not in text


def test_the_register_offers_only_parties_to_agreements_the_reader_can_see(client_for, dea, rcmp):
    def parties_offered(user: User) -> list[str]:
        html = client_for(user).get(page("agreement-list")).content.decode()
        return re.findall(r'<option value="([A-Z]+)"', html.split('name="party"')[1].split("</gcds-select>")[0])

    # DEA takes part in the forum only, where no agreement is held.
    assert parties_offered(dea) == []
    assert parties_offered(rcmp) == ["ATF", "CBP", "CBSA", "DEA", "HSI", "ICE", "RCMP"]


# The agreement page ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", NOT_GRANTED_OR_OUTSIDE)
@pytest.mark.parametrize("name", MOU_URLS)
def test_the_mous_own_pages_are_not_found_for_agencies_it_is_not_shared_with(
    demo, outsider, client_for, mou, name, username
):
    method, url = MOU_URLS[name]

    response = getattr(client_for(persona(demo, outsider, username)), method)(url(mou), FILLED_IN.get(name, {}))

    assert response.status_code == 404
    assert traces_in(text_of(response)) == []


@pytest.mark.parametrize("username", GRANTED)
def test_the_mou_page_shows_its_versions_steps_deadlines_and_milestones_to_its_parties(
    client_for, demo, mou, username
):
    response = client_for(demo.users[username]).get(page("agreement-detail", mou.pk))
    text = text_of(response)

    assert response.status_code == 200
    assert status_shown(response.content.decode()) == "In approval"
    assert "Current text (version 2)" in text
    assert "4. Review" in text  # the current text, version 2
    assert "Revised after CBSA legal review" in text  # version 2's note
    assert "First draft" in text
    assert text.index("CBSA internal approval") < text.index("Shared with ATF for review") < text.index(
        "Ready for signature"
    )
    assert "Before mid-February 2022" in text
    workflow = text[text.index("Approval workflow"):text.index('id="signatures"')]
    assert workflow.count(">Overdue<") == 2
    assert MOU_REVIEW in text  # the milestone the MOU is linked to
    assert "Draft into CBSA approvals" in text  # the status history: the secretariat's note on submitting


def test_the_current_text_is_shown_escaped_with_its_line_breaks(client_for, cbsa, atf, draft):
    services.version_create(
        actor=cbsa, agreement=draft, base_number=1, text="1. Scope\n<b>Bold</b> & <script>alert(1)</script>"
    )

    html = client_for(atf).get(page("agreement-detail", draft.pk)).content.decode()

    assert "<p>1. Scope<br>&lt;b&gt;Bold&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;</p>" in html
    assert "<script>alert(1)" not in html


def test_members_see_no_form_they_may_not_use(client_for, rcmp, cbsa, workflow: Workflow):
    agreement = workflow.agreement
    rcmp_html = client_for(rcmp).get(page("agreement-detail", agreement.pk)).content.decode()
    cbsa_html = client_for(cbsa).get(page("agreement-detail", agreement.pk)).content.decode()

    # RCMP reads the draft but is no party: no answer, no new version, no secretariat move.
    assert page("step-act", workflow.cbsa_review.pk) not in rcmp_html
    assert page("version-create", agreement.pk) not in rcmp_html
    assert page("step-create", agreement.pk) not in rcmp_html
    # CBSA owns the current step and is a party; the moves stay the secretariat's.
    assert page("step-act", workflow.cbsa_review.pk) in cbsa_html
    assert page("version-create", agreement.pk) in cbsa_html
    assert page("step-create", agreement.pk) not in cbsa_html
    assert page("agreement-transition", agreement.pk) not in cbsa_html


def test_the_secretariat_sees_the_forms_to_add_steps_and_move_the_agreement(client_for, secretariat, workflow: Workflow):
    html = client_for(secretariat).get(page("agreement-detail", workflow.agreement.pk)).content.decode()

    assert page("step-create", workflow.agreement.pk) in html
    assert page("agreement-transition", workflow.agreement.pk) in html
    assert "Return to drafting" in html
    # Ready for signature comes from the steps while any is open: no button to skip them.
    assert "Mark ready for signature" not in html
    # The secretariat answers for an agency the step needs.
    assert 'name="on_behalf_of"' in html


# The workflow, as the personas walk it ----------------------------------------------------------------------


def act(client: Client, step: WorkflowStep, **data) -> None:
    """Answer a step as its buttons do: the answer is shown to confirm, then confirmed."""
    asked = client.post(page("step-act", step.pk), {"outcome": "approved", **data})
    assert asked.status_code == 200, text_of(asked)
    assert 'name="confirmed"' in asked.content.decode()
    response = client.post(page("step-act", step.pk), {"outcome": "approved", **data, "confirmed": "1"})
    assert response.status_code == 302, text_of(response)
    assert response.url == page("agreement-detail", step.agreement_id) + f"#step-{step.pk}"


def sign(client: Client, agreement: Agreement, party: str, name: str, version: int = 2) -> None:
    """Record a signature as its button does: shown to confirm, then confirmed."""
    data = {
        "party": party, "signatory_name": name, "signatory_title": "", "version_number": version,
        "signed_on": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
    }
    asked = client.post(page("signature-create", agreement.pk), data)
    assert asked.status_code == 200, text_of(asked)
    assert 'name="confirmed"' in asked.content.decode()
    response = client.post(page("signature-create", agreement.pk), data | {"confirmed": "1"})
    assert response.status_code == 302, text_of(response)


def test_the_secretariat_and_the_parties_take_the_mou_from_approval_to_signature(
    client_for, secretariat, cbsa, atf, mou
):
    as_secretariat, as_cbsa, as_atf = client_for(secretariat), client_for(cbsa), client_for(atf)
    detail = page("agreement-detail", mou.pk)

    act(as_cbsa, mou_step(mou, "CBSA internal approval"))
    act(as_secretariat, mou_step(mou, "Shared with ATF for review"), on_behalf_of="ATF")  # ATF's answer, recorded
    act(as_cbsa, mou_step(mou, "Privacy Impact Assessment prepared"))
    act(as_cbsa, mou_step(mou, "PIA submitted to the Office of the Privacy Commissioner"))
    act(as_cbsa, mou_step(mou, "Office of the Privacy Commissioner approval"))
    act(as_cbsa, mou_step(mou, "Ready for signature"))
    waiting = as_cbsa.get(detail)
    assert status_shown(waiting.content.decode()) == "In approval"
    assert re.search(r"<strong>ATF</strong> \(concurring\):\s*awaiting", waiting.content.decode())
    act(as_atf, mou_step(mou, "Ready for signature"))
    assert status_shown(as_cbsa.get(detail).content.decode()) == "Ready for signature"

    sign(as_secretariat, mou, "CBSA", "Marc Gagnon")
    assert status_shown(as_cbsa.get(detail).content.decode()) == "Ready for signature"
    sign(as_secretariat, mou, "ATF", "Dana Miller")

    signed = as_cbsa.get(detail)
    html, text = signed.content.decode(), text_of(signed)
    assert status_shown(html) == "Signed"
    assert "Marc Gagnon" in text and "Dana Miller" in text
    assert text.count(">Version 2</a>") >= 2  # each signature binds to version 2
    assert "The agreement becomes “Signed”" in text
    assert "Signed by every party" in text  # the status history
    assert page("step-act", mou_step(mou, "Signed").pk) not in html  # the signing step completed itself


def test_a_party_records_its_own_signature_but_not_the_other_partys(client_for, cbsa, ready_workflow: Workflow):
    agreement = ready_workflow.agreement
    html = client_for(cbsa).get(page("agreement-detail", agreement.pk)).content.decode()

    assert '<option value="CBSA">' in html
    assert '<option value="ATF">' not in html
    sign(client_for(cbsa), agreement, "CBSA", "Marc Gagnon", version=1)
    refused = client_for(cbsa).post(page("signature-create", agreement.pk), {
        "party": "ATF", "signatory_name": "Dana Miller", "signed_on": "2022-01-05", "version_number": 1,
    })
    assert refused.status_code == 200
    assert "Select a valid choice." in text_of(refused)
    assert stored(agreement).status == Status.READY_FOR_SIGNATURE


def test_the_page_says_when_the_text_changed_after_signing(client_for, cbsa, atf, ready_workflow: Workflow):
    agreement = ready_workflow.agreement
    sign(client_for(cbsa), agreement, "CBSA", "Marc Gagnon", version=1)
    sign(client_for(atf), agreement, "ATF", "Dana Miller", version=1)
    services.version_create(actor=cbsa, agreement=agreement, base_number=1, text="A text changed after signing.")

    text = text_of(client_for(atf).get(page("agreement-detail", agreement.pk)))

    assert "The signed text is version 1; the current text (version 2) has changed since." in text
    assert page("version-compare", agreement.pk) + "?from=1&to=2" in text


def test_returning_a_step_needs_a_comment_and_the_form_says_so(client_for, cbsa, workflow: Workflow):
    response = client_for(cbsa).post(page("step-act", workflow.cbsa_review.pk), {"outcome": "returned", "comment": ""})
    text = text_of(response)

    assert response.status_code == 200
    assert 'role="alert"' in text
    assert "Say what must change when returning a step." in text
    assert f'href="#act-{workflow.cbsa_review.pk}-comment"' in text  # the summary links to the field
    assert stored(workflow.agreement).status == Status.IN_APPROVAL


def test_returning_a_step_sends_the_draft_back_to_drafting(client_for, cbsa, workflow: Workflow):
    client = client_for(cbsa)

    response = client.post(
        page("step-act", workflow.cbsa_review.pk),
        {"outcome": "returned", "comment": "Name the contacts.", "confirmed": "1"},
    )

    assert response.status_code == 302
    text = text_of(client.get(response.url))
    assert status_shown(text) == "Drafting"
    assert "Returned with comments" in text and "Name the contacts." in text


def test_steps_are_acted_on_in_order(client_for, atf, workflow: Workflow):
    response = client_for(atf).post(page("step-act", workflow.atf_review.pk), {"outcome": "approved"})

    assert response.status_code == 200
    assert "Complete “CBSA review” first: the workflow moves in order." in text_of(response)


@pytest.mark.parametrize("username", ["rcmp", "hsi", "cbp"])
def test_a_member_of_another_agency_cannot_act_on_a_step_they_can_see(client_for, demo, username, workflow: Workflow):
    client = client_for(demo.users[username])

    assert workflow.agreement.short_name in text_of(client.get(page("agreement-detail", workflow.agreement.pk)))
    response = client.post(page("step-act", workflow.cbsa_review.pk), {"outcome": "approved"})

    assert response.status_code == 403
    assert not workflow.cbsa_review.actions.exists()


def test_a_party_cannot_act_on_a_step_its_agency_has_no_part_in(client_for, atf, workflow: Workflow):
    response = client_for(atf).post(page("step-act", workflow.cbsa_review.pk), {"outcome": "approved"})

    assert response.status_code == 403


@pytest.mark.parametrize("username", NOT_GRANTED)
def test_a_member_of_another_agency_cannot_act_on_a_step_they_cannot_see(client_for, demo, mou, username):
    step = mou_step(mou, "CBSA internal approval")

    response = client_for(demo.users[username]).post(page("step-act", step.pk), {"outcome": "approved"})

    assert response.status_code == 404
    assert not step.actions.exists()


@pytest.mark.parametrize("name", ["step-create", "agreement-submit", "agreement-transition"])
def test_only_the_secretariat_manages_an_agreement(client_for, cbsa, workflow: Workflow, name):
    response = client_for(cbsa).post(page(name, workflow.agreement.pk), FILLED_IN.get(name, {}))

    assert response.status_code == 403
    assert stored(workflow.agreement).status == Status.IN_APPROVAL
    assert workflow.agreement.steps.count() == 4


def test_the_secretariat_adds_a_step_with_its_owner_concurrence_and_target(client_for, secretariat, draft):
    client = client_for(secretariat)

    response = client.post(page("step-create", draft.pk), {
        "title_en": "Legal review", "owner_agency": "CBSA", "concurring_agencies": ["ATF", "RCMP"],
        "target_date": "2030-06-30", "target_label": "Before the end of June 2030", "moves_to": "",
    })

    assert response.status_code == 302
    step = draft.steps.get(title_en="Legal review")
    assert (step.owner_agency.acronym, step.target_date) == ("CBSA", datetime.date(2030, 6, 30))
    assert set(step.concurring_agencies.values_list("acronym", flat=True)) == {"ATF", "RCMP"}
    text = text_of(client.get(response.url))
    assert "Before the end of June 2030" in text and "The step “Legal review” is added." in text


def test_the_secretariat_submits_a_draft_and_brings_an_agreement_into_force(
    client_for, secretariat, draft, demo
):
    client = client_for(secretariat)
    detail = page("agreement-detail", draft.pk)

    assert client.post(page("agreement-submit", draft.pk), {"note": "To the co-leads"}).status_code == 302
    assert status_shown(client.get(detail).content.decode()) == "In approval"
    client.post(page("agreement-transition", draft.pk), {"transition": "make_ready_for_signature"})
    sign(client, draft, "CBSA", "Marc Gagnon", version=1)
    sign(client, draft, "ATF", "Dana Miller", version=1)
    missing_date = client.post(page("agreement-transition", draft.pk), {"transition": "bring_into_force", "on": ""})
    assert missing_date.status_code == 200 and "Give the date." in text_of(missing_date)

    before_signing = client.post(
        page("agreement-transition", draft.pk), {"transition": "bring_into_force", "on": "2022-02-01"})
    assert before_signing.status_code == 200
    signed = date_format(timezone.localdate() - datetime.timedelta(days=1), "DATE_FORMAT")
    assert f"An agreement cannot come into force before its last signature ({signed})." in text_of(before_signing)
    assert status_shown(client.get(detail).content.decode()) == "Signed"

    response = client.post(
        page("agreement-transition", draft.pk), {"transition": "bring_into_force", "on": timezone.localdate()})

    assert response.status_code == 302
    html = client.get(detail).content.decode()
    assert status_shown(html) == "In force"
    assert "Expires on" in html and "Record expiry" in html and "Mark superseded" in html


# Drafting --------------------------------------------------------------------------------------------------------


def test_the_new_version_form_starts_from_the_latest_text(client_for, cbsa, mou):
    html = client_for(cbsa).get(page("version-create", mou.pk)).content.decode()

    assert 'name="base_number" value="2"' in html
    assert "in a timely manner on border-related activities" in text_of_html(html)  # version 2's words


def test_a_second_save_from_the_same_base_is_refused_and_keeps_the_authors_text(client_for, cbsa, atf, mou):
    first = client_for(cbsa).post(page("version-create", mou.pk), {
        "text": MOU_V2 + "\n5. Contacts\nEach Participant names a contact.\n", "base_number": 2, "classification": 1,
        "note": "Contacts added",
    })
    assert first.status_code == 302
    assert first.url == page("version-detail", mou.pk, 3)

    second = client_for(atf).post(page("version-create", mou.pk), {
        "text": MOU_V2 + "\n5. Termination\nEither Participant may end this Memorandum.\n", "base_number": 2,
        "classification": 1, "note": "Termination added",
    })

    text = text_of(second)
    assert second.status_code == 200
    assert "Version 3 was saved after the version 2 you started from. Your text was not saved" in text
    assert "Either Participant may end this Memorandum." in text  # ATF's text is still in the form
    assert page("version-compare", mou.pk) + "?from=2&to=3" in text
    latest = AgreementVersion.objects.filter(agreement=mou).order_by("-number").first()
    assert (latest.number, latest.note) == (3, "Contacts added")
    assert "Each Participant names a contact." in latest.text


@pytest.mark.parametrize("username", ["rcmp", "hsi", "cbp"])
def test_a_member_whose_agency_is_not_a_party_reads_but_does_not_draft(client_for, demo, username, draft):
    client = client_for(demo.users[username])

    assert client.get(page("version-detail", draft.pk, 1)).status_code == 200
    assert client.get(page("version-create", draft.pk)).status_code == 403
    assert client.post(page("version-create", draft.pk), {"text": "Ours.", "base_number": 1}).status_code == 403
    assert client.post(page("version-restore", draft.pk, 1), {"base_number": 1}).status_code == 403


def test_restoring_a_version_makes_its_text_current_as_a_new_version(client_for, cbsa, mou):
    client = client_for(cbsa)
    version_1 = client.get(page("version-detail", mou.pk, 1))
    assert "Restore this version" in text_of(version_1)

    response = client.post(page("version-restore", mou.pk, 1), {"base_number": 2})

    assert response.status_code == 302
    assert response.url == page("version-detail", mou.pk, 3)
    text = text_of(client.get(response.url))
    assert "Version 1 is restored as version 3." in text
    assert "Restored from version 1" in text
    assert mou.versions.get(number=3).text == MOU_V1


def test_restoring_from_a_stale_page_conflicts(client_for, cbsa, atf, mou):
    services.version_create(actor=atf, agreement=mou, base_number=2, text=MOU_V2 + "\nATF's addition.")

    response = client_for(cbsa).post(page("version-restore", mou.pk, 1), {"base_number": 2})

    assert response.status_code == 200
    assert "Version 3 was saved after the version 2 you started from." in text_of(response)
    assert mou.versions.count() == 3


# Comments ---------------------------------------------------------------------------------------------------------


def test_a_version_page_shows_its_comments_with_their_passages(client_for, atf, mou):
    text = text_of(client_for(atf).get(page("version-detail", mou.pk, 1)))

    assert "share information directly" in text
    assert "Add “in a timely manner”: timeliness is the point of the MOU." in text
    assert 'data-passage-field="comment-passage"' in text  # the script quotes selections into the passage field


def test_a_party_comments_on_a_passage_of_a_version(client_for, atf, cbsa, mou):
    response = client_for(atf).post(page("version-comment", mou.pk, 2), {
        "passage": "every two years", "text": "Every three years is enough.",
    })

    assert response.status_code == 302
    comment = mou.versions.get(number=2).comments.get(text="Every three years is enough.")
    assert response.url == page("version-detail", mou.pk, 2) + f"#comment-{comment.pk}"
    text = text_of(client_for(cbsa).get(page("version-detail", mou.pk, 2)))
    assert "every two years" in text and "Every three years is enough." in text
    agreement_page = client_for(cbsa).get(page("agreement-detail", mou.pk)).content.decode()
    versions_table = agreement_page.split('id="versions-heading"')[1].split("</table>")[0]
    row = next(r for r in re.findall(r"<tr>.*?</tr>", versions_table, flags=re.S) if ">Version 2</a>" in r)
    assert re.findall(r"<td>(.*?)</td>", row, flags=re.S)[-1] == "2"  # the demo's comment and this one


def test_a_passage_not_in_the_text_is_refused_and_the_comment_kept(client_for, atf, mou):
    response = client_for(atf).post(page("version-comment", mou.pk, 2), {
        "passage": "every ten years", "text": "Keep my words.",
    })

    text = text_of(response)
    assert response.status_code == 200
    assert "The passage must be quoted exactly from this version." in text
    assert 'href="#comment-passage"' in text
    assert "Keep my words." in text
    assert not mou.versions.get(number=2).comments.filter(text="Keep my words.").exists()


# Comparing -----------------------------------------------------------------------------------------------------


def test_the_compare_page_shows_the_latest_changes_by_default(client_for, cbsa, mou):
    html = client_for(cbsa).get(page("version-compare", mou.pk)).content.decode()

    assert "Changes from version 1 to version 2" in html
    assert '<ins class="redline-ins">' in html and '<del class="redline-del">' in html
    assert re.search(r"\d+ words inserted", html) and re.search(r"\d+ words? deleted", html)
    # Said in words too, not by styling alone.
    assert '<span class="sr-only">[inserted:] </span>' in html
    assert '<span class="sr-only">[deleted:] </span>' in html


def test_the_redline_escapes_what_a_user_typed(client_for, cbsa, mou):
    client = client_for(cbsa)
    client.post(page("version-create", mou.pk), {
        "text": MOU_V2 + "\n<script>alert(1)</script>\n", "base_number": 2, "classification": 1,
    })

    html = client.get(page("version-compare", mou.pk) + "?from=2&to=3").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert re.search(r'<ins class="redline-ins"><span class="sr-only">\[inserted:\] </span>[^<]*&lt;script&gt;alert\(1\)&lt;/script&gt;', html)
    assert "<script>alert(1)" not in client.get(page("version-detail", mou.pk, 3)).content.decode()


def test_comparing_a_version_with_itself_says_the_texts_are_the_same(client_for, cbsa, mou):
    text = text_of(client_for(cbsa).get(page("version-compare", mou.pk) + "?from=2&to=2"))

    assert "The two texts are the same." in text


def test_comparing_with_a_version_that_does_not_exist_is_an_error_on_the_form(client_for, cbsa, mou):
    response = client_for(cbsa).get(page("version-compare", mou.pk) + "?from=1&to=9")

    assert response.status_code == 200
    assert "Select a valid choice." in text_of(response)


# The sharing map --------------------------------------------------------------------------------------------------


def sharing(client: Client, source: str, target: str, code: str, criminal: bool = False) -> str:
    query = f"?source={source}&target={target}&category={code}" + ("&criminal_proceedings=on" if criminal else "")
    return text_of(client.get(page("sharing-map") + query))


def routes_in(text: str) -> list[str]:
    return re.findall(r"Via ([A-Z, ]+)</h[34]>", text)


def test_cbsa_learns_it_reaches_atf_through_intermediaries_and_directly_once_the_mou_is_signed(client_for, cbsa):
    text = sharing(client_for(cbsa), "CBSA", "ATF", "customs")

    assert "No direct instrument." in text
    assert routes_in(text.split("Once the")[0]) == ["CBP", "ICE", "RCMP"]
    assert re.search(r"CBSA <span [^>]*>→</span> RCMP</span>:\s*<a [^>]*>CBSA–RCMP MOU</a>", text)
    assert re.search(r"RCMP <span [^>]*>→</span> ATF</span>:\s*<a [^>]*>RCMP–U.S. cooperation</a>", text)
    assert "Once the CBSA–ATF MOU is signed: direct" in text


def test_once_both_parties_sign_the_map_says_the_mou_is_direct_from_its_in_force_date(client_for, secretariat, cbsa, mou):
    for step in mou.steps.exclude(moves_to=Agreement.Status.SIGNED).order_by("position"):
        for agency in services.required_agencies(step):
            services.step_act(actor=secretariat, step=step, outcome="approved",
                              on_behalf_of=Agency.objects.get(pk=agency))
    for party in mou.parties.all():
        services.signature_record(actor=secretariat, agreement=mou, party=party, signatory_name="For the party",
                                  signed_on=timezone.localdate())

    signed = sharing(client_for(cbsa), "CBSA", "ATF", "customs")
    assert "The CBSA–ATF MOU is signed: direct from its in-force date" in signed
    assert "Once the CBSA–ATF MOU is signed" not in signed
    assert routes_in(signed.split("is signed:")[0]) == ["CBP", "ICE", "RCMP"]
    with translation.override("fr"):
        french = text_of(client_for(cbsa).get(reverse("sharing-map") + "?source=CBSA&target=ATF&category=customs"))
    assert re.search(r"Signature de [^<]+ obtenue : voie directe dès la date d'entrée en vigueur", french)

    services.agreement_transition(actor=secretariat, agreement=mou, transition="bring_into_force",
                                  on=timezone.localdate())
    in_force = sharing(client_for(cbsa), "CBSA", "ATF", "customs")
    assert "Direct" in in_force and "is signed" not in in_force


@pytest.mark.parametrize("username", ["rcmp", "hsi", "cbp"])
def test_members_the_mou_is_not_shared_with_see_the_routes_but_not_the_mou(client_for, demo, username):
    text = sharing(client_for(demo.users[username]), "CBSA", "ATF", "customs")

    assert routes_in(text) == ["CBP", "ICE", "RCMP"]
    assert traces_in(text) == []


def test_criminal_evidence_in_criminal_proceedings_goes_directly_through_the_mlat_with_its_condition(client_for, cbsa):
    client = client_for(cbsa)

    text = sharing(client, "CBSA", "ATF", "criminal_evidence", criminal=True)

    assert "Direct" in text and ">MLAT</a>" in text
    assert "(only in conjunction with criminal proceedings)" in text
    outside_proceedings = sharing(client, "CBSA", "ATF", "criminal_evidence")
    assert "No route" in outside_proceedings and ">MLAT</a>" not in outside_proceedings


def test_the_sharing_map_offers_only_agencies_party_to_an_agreement_the_reader_sees(client_for, dea, cbsa):
    assert '<option value="CBSA">' not in client_for(dea).get(page("sharing-map")).content.decode()
    refused = client_for(dea).get(page("sharing-map") + "?source=CBSA&target=ATF&category=customs")
    assert refused.status_code == 200 and "Select a valid choice." in text_of(refused)
    same = client_for(cbsa).get(page("sharing-map") + "?source=CBSA&target=CBSA&category=customs")
    assert "Choose an agency other than the one sharing." in text_of(same)


def matrix_cell(html: str, source: str, target: str) -> str:
    header = re.search(r"<thead>.*?</thead>", html, flags=re.S).group(0)
    columns = re.findall(r'<th scope="col">([^<]+)</th>', header)
    row = re.search(rf'<th scope="row">{source}</th>(.*?)</tr>', html, flags=re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text_of_html(cells[columns.index(target)]))).strip()


def test_the_matrix_shows_direct_instruments_intermediaries_and_what_the_mou_would_improve(client_for, cbsa):
    html = client_for(cbsa).get(page("sharing-matrix") + "?category=customs").content.decode()

    assert '<th scope="row">CBSA</th>' in html and '<th scope="col">ATF</th>' in html
    assert matrix_cell(html, "CBSA", "CBP") == "CMAA"
    assert matrix_cell(html, "CBSA", "ATF") == "via CBP, ICE, RCMP * (better once a pending agreement is signed)"
    assert "Better once a pending agreement shared with you is signed" in html


@pytest.mark.parametrize("username", ["rcmp", "hsi", "cbp"])
def test_the_matrix_gives_no_hint_of_the_mou_to_those_it_is_not_shared_with(client_for, demo, username):
    html = client_for(demo.users[username]).get(page("sharing-matrix")).content.decode()

    assert matrix_cell(html, "CBSA", "ATF") == "via CBP, ICE, RCMP"
    assert "pending agreement" not in html
    assert traces_in(text_of_html(html)) == []


def test_the_matrix_with_criminal_proceedings_links_every_mlat_party_directly(client_for, rcmp):
    html = client_for(rcmp).get(page("sharing-matrix") + "?category=criminal_evidence&criminal_proceedings=on")

    assert matrix_cell(html.content.decode(), "CBSA", "DEA") == "MLAT"


# Query counts. Each page is requested once first, so per-process caches (content types) are warm. The counts
# must not grow with the number of rows.


def more_agreements(secretariat: User, demo, count: int) -> None:
    for n in range(count):
        agreement = services.agreement_create(
            actor=secretariat, body=demo.bodies["CBFTF"], kind=Agreement.Kind.MOU, short_name=f"Extra MOU {n}",
            title_en=f"Extra memorandum {n}", parties=[demo.agencies["CBSA"], demo.agencies["RCMP"]],
            categories=[category("customs"), category("intelligence")], text=f"Extra text {n}.",
        )
        services.step_add(actor=secretariat, agreement=agreement, title_en="Late step", owner_agency=demo.agencies["CBSA"],
                          target_date=datetime.date(2022, 1, 1))


def test_the_register_runs_a_fixed_number_of_queries(client_for, cbsa, secretariat, demo, django_assert_num_queries):
    client = client_for(cbsa)
    client.get(page("agreement-list"))

    # 1. the session; 2. the signed-in user; 3. the agencies party to an agreement the user sees (party filter);
    # 4. the agreements the user sees (body joined; latest readable version and overdue steps as subqueries);
    # 5. their parties; 6. their information categories; 7. the user's agency, for the header.
    with django_assert_num_queries(7):
        client.get(page("agreement-list") + "?party=CBSA")
    more_agreements(secretariat, demo, 3)
    with django_assert_num_queries(7):
        response = client.get(page("agreement-list") + "?party=CBSA")
    assert "Extra MOU 2" in text_of(response)


def test_the_agreement_page_runs_a_fixed_number_of_queries(
    client_for, cbsa, atf, secretariat, django_assert_num_queries, workflow: Workflow
):
    agreement = workflow.agreement
    client = client_for(cbsa)
    url = page("agreement-detail", agreement.pk)
    client.get(url)

    # 1. the session; 2. the signed-in user; 3. the agreement (body joined, latest version and overdue steps as
    # subqueries); 4. its parties; 5. its categories; 6. whether the user is of the secretariat; 7. the steps
    # (owner and completer joined); 8. their answers (agency and person joined); 9. their concurring agencies;
    # 10. the versions (author and agency joined, comment counts as a subquery); 11. the signatures (party and
    # version joined); 12. the status history (person joined); 13. the milestones (body and owner joined);
    # 14. the user's agency, for the header.
    with django_assert_num_queries(14):
        client.get(url)
    for n in range(3):
        latest = agreement.versions.order_by("-number").first()
        version = services.version_create(actor=atf, agreement=agreement, base_number=latest.number, text=f"Text {n}")
        services.comment_add(actor=cbsa, version=version, text=f"Comment {n}")
        services.step_add(actor=secretariat, agreement=agreement, title_en=f"Step {n}", owner_agency=atf.agency,
                          concurring_agencies=[cbsa.agency])
    services.step_act(actor=cbsa, step=workflow.cbsa_review, outcome="approved")
    services.step_act(actor=atf, step=workflow.atf_review, outcome="returned", comment="More")
    with django_assert_num_queries(14):
        response = client.get(url)
    assert "Step 2" in text_of(response) and "Version 4" in text_of(response)
