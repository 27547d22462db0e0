"""Every page asks which process versions the user may work (the menu's link to the cases, the case lists):
the definitions come by their content hash, so the stored documents (kilobytes of JSON each) are not read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ketenzicht.workprocesses.definitions import definition_of
from ketenzicht.workprocesses.models import ProcessVersion
from ketenzicht.workprocesses.selectors import case_versions_for

pytestmark = pytest.mark.django_db

VERSIONS = '"workprocesses_processversion"'


def test_the_versions_a_user_may_work_are_read_without_their_documents(make_user: Callable[..., Any]) -> None:
    screener = make_user("case_screener")
    with CaptureQueriesContext(connection) as queries:
        versions = case_versions_for(screener)
    every = list(ProcessVersion.objects.all())
    assert len(every) >= 2 and versions  # the reference data's processes
    assert set(versions) == {pv.pk for pv in every if "case_screener" in definition_of(pv).roles}
    [read] = [query["sql"] for query in queries.captured_queries if VERSIONS in query["sql"]]
    assert '"document"' not in read


def test_a_page_reads_no_process_document_for_its_menu(make_user: Callable[..., Any]) -> None:
    client = Client()
    client.force_login(make_user("case_screener"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200 and 'href="/zaken/"' in response.content.decode()
    reads = [query["sql"] for query in queries.captured_queries if VERSIONS in query["sql"]]
    assert reads and not [sql for sql in reads if '"document"' in sql]
