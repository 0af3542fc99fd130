"""The admin shows the meeting record and agreements to superusers but changes none of it: every write there has
consequences (grants, reminders, notices) that only the services carry out."""

import pytest

from meetings.models import Invitation, Meeting, Rsvp
from mou.models import Agreement
from taskforce.models import Milestone

from .test_pages import december


@pytest.mark.parametrize("model", [Meeting, Invitation, Rsvp, Agreement, Milestone])
def test_the_admin_shows_records_whose_writes_have_consequences_but_refuses_to_change_them(
    demo, client_for, superuser, model
):
    obj = december() if model is Meeting else model.objects.first()
    if obj is None:
        obj = Rsvp.objects.create(meeting=december(), user=demo.users["rcmp"], response="yes")
    opts = model._meta
    url = f"/admin/{opts.app_label}/{opts.model_name}/{obj.pk}/change/"
    client = client_for(superuser)

    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(url, {}).status_code == 403
    assert client.get(f"/admin/{opts.app_label}/{opts.model_name}/add/").status_code == 403
    assert client.post(f"/admin/{opts.app_label}/{opts.model_name}/{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()
