from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination


class CursorPagination(pagination.CursorPagination):
    """Stable, cheap pagination at any depth: page 1,000 costs what page 1 does. A page size that is not a whole
    number from 1 to `max_page_size` is refused (400), not silently replaced."""

    ordering = "pk"
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        values = request.query_params.getlist(self.page_size_query_param)
        if not values:
            return self.page_size
        try:
            if len(values) > 1:
                raise ValueError
            size = int(values[0])
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            message = _("Give a whole number from 1 to %(max)s.") % {"max": self.max_page_size}
            raise exceptions.ValidationError({self.page_size_query_param: [message]})
        return size
