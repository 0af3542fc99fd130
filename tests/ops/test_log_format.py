"""What the portal logs: one line per request with its id (never the address), failed tasks with their context, and
JSON objects when LOG_FORMAT=json."""

import json
import logging
import logging.config

from notifications import tasks as core_tasks
from taskforce import context
from taskforce.logs import RequestIdFilter, logging_config
from tests.support.scenario import page


def test_each_request_is_logged_with_the_id_it_answers_with_and_without_its_address(client_for, cbsa, caplog):
    caplog.set_level(logging.INFO, logger="taskforce.request")

    response = client_for(cbsa).get(page("home") + "?secret=calendar-token")

    [record] = [r for r in caplog.records if r.name == "taskforce.request"]
    assert record.request_id == response["X-Request-ID"]
    assert (record.method, record.status) == ("GET", 200)
    assert "calendar-token" not in record.getMessage() and page("home") not in record.getMessage()


def test_two_requests_have_different_ids(client_for, cbsa):
    client = client_for(cbsa)

    assert client.get(page("home"))["X-Request-ID"] != client.get(page("home"))["X-Request-ID"]


def test_a_failed_task_is_logged_with_its_name_arguments_and_the_id_of_what_queued_it(db, caplog):
    caplog.set_level(logging.ERROR, logger="notifications.tasks.failure")

    with context.context(context.Channel.COMMAND, source="test", request_id="0123456789abcdef0123456789abcdef"):
        core_tasks.send_delivery.apply(args=["not-a-delivery"])

    [record] = [r for r in caplog.records if r.name == "notifications.tasks.failure"]
    assert "notifications.tasks.send_delivery" in record.getMessage()
    assert record.task_args == ["not-a-delivery"]
    assert record.request_id == "0123456789abcdef0123456789abcdef"
    assert record.exc_info is not None


def test_json_format_writes_one_object_per_line_with_the_request_id(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "json")
    config = logging_config()
    formatter = logging.config.dictConfigClass(config).configure_custom(dict(config["formatters"]["portal"]))
    record = logging.LogRecord("taskforce.request", logging.INFO, __file__, 1, "GET %s", ("home",), None)

    with context.context(context.Channel.PAGE, request_id="feedfacefeedfacefeedfacefeedface"):
        RequestIdFilter().filter(record)
    line = json.loads(formatter.format(record))

    assert line["message"] == "GET home" and line["level"] == "INFO" and line["logger"] == "taskforce.request"
    assert line["request_id"] == "feedfacefeedfacefeedfacefeedface"
    assert line["time"].endswith("+00:00")


def test_text_format_stays_readable_for_make_run(monkeypatch):
    monkeypatch.delenv("LOG_FORMAT", raising=False)

    assert logging_config()["formatters"]["portal"] == {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
