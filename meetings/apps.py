from django.apps import AppConfig
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings and agendas")

    def ready(self) -> None:
        from taskforce import demo, permissions
        from taskforce.permissions import Policy

        from . import models as m
        from .demo import load_meetings

        shown = [m.Meeting.AgendaStatus.CIRCULATED, m.Meeting.AgendaStatus.FINAL]
        permissions.register(m.MeetingSeries, Policy(body="body", restricted=None))
        # A meeting is seen by its invitees: the agencies and people it is shared with.
        permissions.register(m.Meeting, Policy(body="body", restricted=None, by_invitation=True))
        permissions.register(m.Invitation, Policy(body="meeting__body", restricted=None, parents=("meeting",)))
        # Members see agenda items once the agenda is circulated, and restricted ones only if named.
        permissions.register(
            m.AgendaItem,
            Policy(
                body="meeting__body", parents=("meeting",), members_see=Q(meeting__agenda_status__in=shown)
            ),
        )
        permissions.register(m.AgendaChange, Policy(body="item__meeting__body", restricted=None, parents=("item",)))
        permissions.register(
            m.Paper,
            Policy(body="item__meeting__body", restricted=None, parents=("item",), classification="classification"),
        )
        # A paper's earlier versions are read by exactly those who read the paper (its item, its marking).
        permissions.register(
            m.PaperVersion, Policy(body="paper__item__meeting__body", restricted=None, parents=("paper",))
        )
        # A package is read only by its reader's own key (meetings/package.py); following its meeting places its
        # entries in the audit trail (who downloaded which package) with the meeting's body.
        permissions.register(
            m.AgendaPackage,
            Policy(body="meeting__body", restricted=None, parents=("meeting",), classification="classification"),
        )
        permissions.register(m.Comment, Policy(body="item__meeting__body", restricted=None, parents=("item",)))
        # A comment on the draft minutes is read by the secretariat and its author (granted to them by name).
        permissions.register(
            m.MinutesComment,
            Policy(body="item__meeting__body", restricted=None, by_invitation=True, parents=("item",)),
        )
        permissions.register(m.Rsvp, Policy(body="meeting__body", restricted=None, parents=("meeting",)))
        permissions.register(m.Attendance, Policy(body="meeting__body", restricted=None, parents=("meeting",)))
        # A meeting's guests (people outside the member agencies) are seen by whoever sees the meeting: their names,
        # organisations, answers and attendance. Their email addresses are shown to the secretariat alone (the
        # meeting page, meetings.serializers.GuestSerializer).
        permissions.register(m.Guest, Policy(body="meeting__body", restricted=None, parents=("meeting",)))
        # Another time proposed from a calendar app is the secretariat's to weigh: no member sees it, not even its
        # author's agency (it is one person's wish, not the meeting's).
        permissions.register(
            m.TimeProposal,
            Policy(body="meeting__body", restricted=None, parents=("meeting",), members_see=Q(pk__isnull=True)),
        )
        # Decisions reach members with the approved minutes; action items as soon as they are recorded. Both are
        # as restricted as the agenda item they were recorded on, whenever that was restricted.
        permissions.register(
            m.Decision,
            Policy(
                body="meeting__body",
                parents=("meeting",),
                restricted_by=("item",),
                members_see=Q(meeting__minutes_status=m.Meeting.MinutesStatus.APPROVED),
            ),
        )
        permissions.register(m.ActionItem, Policy(body="meeting__body", parents=("meeting",), restricted_by=("item",)))
        # The reminders the secretariat sent, and to whom: its log, which no member sees.
        permissions.register(
            m.SentReminder,
            Policy(body="meeting__body", restricted=None, parents=("meeting",), members_see=Q(pk__isnull=True)),
        )
        permissions.register(
            m.SentReminderRecipient, Policy(body="reminder__meeting__body", restricted=None, parents=("reminder",))
        )
        # A body's agenda template is its secretariat's working tool: no member sees it.
        permissions.register(m.AgendaTemplate, Policy(body="body", restricted=None, members_see=Q(pk__isnull=True)))
        permissions.register(m.StandingItem, Policy(body="template__body", restricted=None, parents=("template",)))
        demo.register(load_meetings, order=10)

        from notifications.engine import register_reminder
        from taskforce import api_routes

        from . import api, notifications

        api_routes.register_viewset("meetings", api.MeetingViewSet, basename="meeting")
        api_routes.register_viewset(
            r"meetings/(?P<meeting_pk>[^/]+)/items", api.AgendaItemViewSet, basename="agenda-item"
        )
        api_routes.register_viewset(r"meetings/(?P<meeting_pk>[^/]+)/guests", api.GuestViewSet, basename="guest")
        api_routes.register_viewset("papers", api.PaperViewSet, basename="paper")
        api_routes.register_viewset(
            r"papers/(?P<paper_pk>[^/]+)/versions", api.PaperVersionViewSet, basename="paper-version"
        )
        api_routes.register_viewset("decisions", api.DecisionViewSet, basename="decision")
        api_routes.register_viewset("action-items", api.ActionItemViewSet, basename="action-item")
        api_routes.register_path(
            "bodies/<str:acronym>/agenda-template/", api.AgendaTemplateView.as_view(), name="api-agenda-template"
        )

        register_reminder(notifications.BEFORE, notifications.MeetingReminder())
        register_reminder(notifications.RSVP, notifications.RsvpReminder())
        register_reminder(notifications.ACTION_DUE, notifications.ActionItemReminder())
        register_reminder(notifications.REORDERED, notifications.AgendaReordered())
        register_reminder(notifications.MINUTES_COMMENTS, notifications.MinutesCommentReminder())

        from taskforce import schedule as core

        from . import schedule

        core.register("meeting", schedule.meeting_entries, schedule.meeting_rows)
        core.register("action_item", schedule.action_item_entries, schedule.action_item_rows)
        core.record_removals_of(m.Meeting, "meeting")
        core.record_removals_of(m.ActionItem, "action_item")

        from . import translations as untranslated

        untranslated.register()

        from . import calendar_replies

        calendar_replies.register()
