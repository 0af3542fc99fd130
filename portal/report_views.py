"""Progress reports (page and PDF) and the registers as CSV: composition pages over the features."""

import datetime
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language

from meetings import selectors as meeting_selectors
from members.models import User
from taskforce import selectors, spreadsheet
from taskforce.models import Body

from . import reports
from .report_forms import PeriodForm, ReportForm

NO_STORE = spreadsheet.NO_STORE


@login_required
def report_builder(request: HttpRequest) -> HttpResponse:
    """Choose a body and a period; a valid choice opens the report."""
    form = ReportForm(request.GET or None, actor=request.user)
    if form.is_bound and form.is_valid():
        return redirect(_report_url("report-detail", form.cleaned_data["body"].acronym, form.period))
    return render(request, "portal/reports/builder.html", {"form": form}, status=400 if form.is_bound else 200)


def _report_url(name: str, acronym: str, period: reports.Period) -> str:
    query = urlencode({"start": period.start.isoformat(), "end": period.end.isoformat()})
    return f"{reverse(name, args=[acronym])}?{query}"


def _report(request: HttpRequest, acronym: str) -> tuple[reports.Report | None, HttpResponse | None]:
    """The report asked for, or the builder page saying what is wrong with the period (400)."""
    body = selectors.body_get(actor=request.user, acronym=acronym)
    period_form = PeriodForm(request.GET)
    if not period_form.is_valid():
        data = request.GET.copy()
        data["body"] = body.acronym
        form = ReportForm(data, actor=request.user)
        form.is_valid()
        return None, render(request, "portal/reports/builder.html", {"form": form}, status=400)
    return reports.build(actor=request.user, body=body, period=period_form.period), None


def _context(report: reports.Report) -> dict:
    return {
        "report": report,
        "action_chart": reports.action_chart(report),
        "timeline": reports.milestone_timeline(report),
    }


@login_required
def report_detail(request: HttpRequest, acronym: str) -> HttpResponse:
    report, refusal = _report(request, acronym)
    if refusal:
        return refusal
    context = _context(report) | {"pdf_url": _report_url("report-pdf", report.body.acronym, report.period)}
    response = render(request, "portal/reports/report.html", context)
    response["Cache-Control"] = NO_STORE
    return response


def _no_fetching(url: str, *args, **kwargs):
    """The PDF is drawn from the report alone: nothing it names is fetched, from the network or the disk."""
    raise ValueError(f"Not fetched: {url}")


@login_required
def report_pdf(request: HttpRequest, acronym: str) -> HttpResponse:
    report, refusal = _report(request, acronym)
    if refusal:
        return refusal
    # Imported here: WeasyPrint loads Pango, which only the PDF needs.
    from weasyprint import CSS, HTML

    html = render_to_string("portal/reports/report_pdf.html", _context(report), request=request)
    stylesheet = CSS(filename=finders.find("css/report-print.css"), url_fetcher=_no_fetching)
    pdf = HTML(string=html, url_fetcher=_no_fetching).write_pdf(stylesheets=[stylesheet])
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"{report.body.acronym}-{report.period.start:%Y%m%d}-{report.period.end:%Y%m%d}-{get_language()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="progress-report-{name}"'
    response["Cache-Control"] = NO_STORE
    return response


# The registers as CSV. Column names stay in English in every language: spreadsheets and scripts read them.


def _action_rows(actor: User, body: Body | None) -> Iterator[tuple]:
    filters = meeting_selectors.RegisterFilter(body=body)
    for action in meeting_selectors.action_register(actor=actor, filters=filters).iterator(chunk_size=500):
        yield (
            action.pk, action.meeting.body.acronym, action.meeting.title_en, action.meeting.start.date().isoformat(),
            action.text, action.owner_agency.acronym, action.owner.get_full_name() if action.owner else "",
            action.due_date.isoformat() if action.due_date else "", action.status,
            "yes" if action.is_overdue else "no", "yes" if action.restricted else "no",
        )


def _decision_rows(actor: User, body: Body | None) -> Iterator[tuple]:
    filters = meeting_selectors.RegisterFilter(body=body)
    for decision in meeting_selectors.decision_register(actor=actor, filters=filters).iterator(chunk_size=500):
        yield (
            decision.pk, decision.meeting.body.acronym, decision.meeting.title_en,
            decision.meeting.start.date().isoformat(), decision.item.title_en if decision.item_visible else "",
            decision.text, "yes" if decision.restricted else "no",
        )


def _meeting_rows(actor: User, body: Body | None) -> Iterator[tuple]:
    for meeting in meeting_selectors.meeting_list(actor=actor, body=body).iterator(chunk_size=500):
        yield (
            meeting.pk, meeting.body.acronym, meeting.title_en, meeting.title_fr,
            meeting.start.astimezone(datetime.UTC).isoformat(), meeting.end.astimezone(datetime.UTC).isoformat(),
            meeting.time_zone, meeting.host_agency.acronym if meeting.host_agency else "", meeting.place,
            meeting.status, meeting.agenda_status, meeting.minutes_status,
        )


def _milestone_rows(actor: User, body: Body | None) -> Iterator[tuple]:
    for milestone in selectors.milestone_list(actor=actor, body=body).iterator(chunk_size=500):
        yield (
            milestone.pk, milestone.body.acronym, milestone.title_en, milestone.title_fr,
            milestone.owner_agency.acronym, milestone.due_start.isoformat(), milestone.due_end.isoformat(),
            milestone.due_precision, milestone.status, "yes" if milestone.is_overdue else "no",
            "yes" if milestone.restricted else "no",
        )


REGISTERS = {
    "action-items": (
        ["id", "body", "meeting", "meeting_date", "action", "owner_agency", "owner", "due", "status", "overdue",
         "restricted"],
        _action_rows,
    ),
    "decisions": (["id", "body", "meeting", "meeting_date", "agenda_item", "decision", "restricted"], _decision_rows),
    "meetings": (
        ["id", "body", "title_en", "title_fr", "start_utc", "end_utc", "time_zone", "host", "place", "status",
         "agenda", "minutes"],
        _meeting_rows,
    ),
    "milestones": (
        ["id", "body", "title_en", "title_fr", "owner_agency", "due_from", "due_by", "precision", "status", "overdue",
         "restricted"],
        _milestone_rows,
    ),
}


@login_required
def register_export(request: HttpRequest, register: str) -> StreamingHttpResponse:
    """One register as CSV, all of it the reader may see (one body's with `?body=`)."""
    if register not in REGISTERS:
        raise Http404()
    acronym = request.GET.get("body", "")
    body = selectors.body_get(actor=request.user, acronym=acronym) if acronym else None
    header, rows = REGISTERS[register]
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M")
    prefix = f"{body.acronym}-" if body else ""
    return spreadsheet.csv_download(
        header=header, rows=rows(request.user, body), filename=f"{prefix}{register}-{stamp}.csv"
    )

