import difflib
from tests.scenario import *
def test_p(client_for, rcmp):
    c = client_for(rcmp)
    a = text_of(c.get(page("milestone-detail", mou_review().pk)))
    b = text_of(c.get(page("milestone-detail", 99999)))
    print("\n".join(difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="")))
