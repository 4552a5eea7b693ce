"""`make test`'s second pass (PostgreSQL) runs only the tests that reach the database
(`--database-tests-only`, tests/conftest.py): a test that never opens it gives the same result
on either, and ran in the first pass. These hold which tests count as reaching it."""

from __future__ import annotations

import pytest

from tests.conftest import reaches_the_database


def test_a_test_that_never_opens_the_database_is_left_to_the_first_pass(request):
    assert not reaches_the_database(request.node)


def test_a_test_asking_for_the_database_reaches_it(request, db):
    assert reaches_the_database(request.node)


@pytest.mark.django_db
def test_a_test_marked_for_the_database_reaches_it(request):
    assert reaches_the_database(request.node)


def test_a_test_whose_fixture_asks_for_the_database_reaches_it(request, wales_areas):
    assert reaches_the_database(request.node)


@pytest.fixture(scope="module")
def _module_rows(django_db_setup, django_db_blocker):
    # As tests/browser/conftest.py's directory_data: unblocked by hand for a whole module.
    with django_db_blocker.unblock():
        yield


def test_a_test_whose_module_fixture_unblocks_the_database_reaches_it(request, _module_rows):
    assert reaches_the_database(request.node)
