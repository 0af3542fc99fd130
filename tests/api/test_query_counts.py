"""Every list the API serves has a test that its number of queries does not grow with its rows: a new list endpoint
without one fails here."""

import importlib

from tests.support.scenario import api_schema

SCHEMA = api_schema()

# operationId: (test module, test function, the key of the module's API_LISTS it is counted under, if any).
COUNTED = {
    "v1_action_items_list": ("tests.meetings.test_api", "test_api_lists_run_as_many_queries_for_many_rows_as_for_few",
                             "action-items/"),
    "v1_decisions_list": ("tests.meetings.test_api", "test_api_lists_run_as_many_queries_for_many_rows_as_for_few",
                          "decisions/"),
    "v1_meetings_list": ("tests.meetings.test_api", "test_api_lists_run_as_many_queries_for_many_rows_as_for_few",
                         "meetings/"),
    "v1_papers_list": ("tests.meetings.test_api", "test_api_lists_run_as_many_queries_for_many_rows_as_for_few",
                       "papers/"),
    "v1_meetings_items_list": ("tests.meetings.test_api",
                               "test_the_item_list_runs_as_many_queries_for_many_items_as_for_one", None),
    "v1_agencies_list": ("tests.taskforce.test_api", "test_api_lists_run_as_many_queries_for_many_rows_as_for_few",
                         "/api/v1/agencies/"),
    "v1_bodies_list": ("tests.taskforce.test_api", "test_api_lists_run_as_many_queries_for_many_rows_as_for_few",
                       "/api/v1/bodies/"),
    "v1_milestones_list": ("tests.taskforce.test_api", "test_api_lists_run_as_many_queries_for_many_rows_as_for_few",
                           "/api/v1/milestones/"),
    "v1_members_list": ("tests.taskforce.test_api",
                        "test_the_member_list_costs_the_same_queries_for_any_number_of_people", None),
    "schedule": ("tests.taskforce.test_schedule", "test_the_query_count_does_not_grow_with_the_entries", None),
    "v1_agreements_list": ("tests.mou.test_api",
                           "test_the_agreement_list_runs_as_many_queries_for_many_agreements_as_for_few", None),
    "v1_agreements_versions_list": ("tests.mou.test_api",
                                    "test_the_version_and_step_lists_run_as_many_queries_for_many_rows_as_for_few",
                                    None),
    "v1_agreements_steps_list": ("tests.mou.test_api",
                                 "test_the_version_and_step_lists_run_as_many_queries_for_many_rows_as_for_few", None),
    "agenda_template_retrieve": ("tests.meetings.test_agenda_building",
                                 "test_the_template_api_runs_as_many_queries_for_many_standing_items_as_for_few", None),
    "v1_meetings_minutes_comments_list": ("tests.meetings.test_minutes_for_comment",
                                          "test_the_comment_list_runs_as_many_queries_for_many_comments_as_for_few",
                                          None),
    "sharing": ("tests.mou.test_api", "test_the_sharing_answer_runs_as_many_queries_for_many_agreements_as_for_few",
                None),
    "v1_meetings_guests_list": ("tests.meetings.test_guests",
                                "test_the_guest_list_runs_as_many_queries_for_many_guests_as_for_few", None),
    "v1_papers_versions_list": ("tests.meetings.test_paper_versions",
                                "test_the_api_version_list_runs_as_many_queries_for_many_versions_as_for_few", None),
    "v1_meetings_responses_list": (
        "tests.meetings.test_calendar_replies",
        "test_the_responses_and_proposals_are_not_found_for_those_who_may_not_read_them", None,
    ),
    "v1_meetings_proposals_list": (
        "tests.meetings.test_calendar_replies",
        "test_the_responses_and_proposals_are_not_found_for_those_who_may_not_read_them", None,
    ),
    "v1_meetings_reminders_list": ("tests.meetings.test_aimed_reminders",
                                   "test_the_reminders_log_runs_as_many_queries_for_many_reminders_as_for_few", None),
    # Not lists, but read from every item and paper the caller sees of the meeting.
    "v1_meetings_package_retrieve": (
        "tests.meetings.test_package", "test_the_package_state_runs_as_many_queries_for_many_papers_as_for_few", None
    ),
}


def collections() -> set[str]:
    """The API's GET operations that answer with many rows: every GET whose path does not end at one object, but
    a file's download (which answers the file, not rows)."""
    return {
        operations["get"]["operationId"]
        for path, operations in SCHEMA["paths"].items()
        if "get" in operations and not path.rstrip("/").endswith("}")
        and "application/json" in operations["get"]["responses"]["200"].get("content", {})
    }


def test_every_list_of_the_api_has_a_query_count_test():
    assert collections() == set(COUNTED)


def test_each_named_query_count_test_exists_and_counts_that_list():
    for operation, (module_name, function, key) in COUNTED.items():
        module = importlib.import_module(module_name)
        assert callable(getattr(module, function, None)), (operation, function)
        if key is not None:
            assert key in module.API_LISTS, (operation, key)
