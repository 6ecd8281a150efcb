from datetime import date

from oxtom.core.calendar import Calendar, add_working_days, is_working_day, working_days_between


def test_weekend_is_not_a_working_day():
    assert not is_working_day(date(2026, 11, 21))  # Saturday
    assert is_working_day(date(2026, 11, 23))  # Monday


def test_friday_plus_one_is_monday():
    assert add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 23)


def test_christmas_and_boxing_day_skipped():
    # Thu 24 Dec 2026 + 1 working day: Fri 25 (Christmas) and Mon 28 (Boxing Day substitute) skipped.
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)


def test_st_andrews_day_counts_for_foi_but_not_for_service_slas():
    # Mon 30 Nov 2026 is St Andrew's Day, a Scottish bank holiday.
    assert is_working_day(date(2026, 11, 30), Calendar.ENGLAND_AND_WALES)
    assert not is_working_day(date(2026, 11, 30), Calendar.ANY_UK_NATION)
    assert add_working_days(date(2026, 11, 27), 1, Calendar.ANY_UK_NATION) == date(2026, 12, 1)


def test_foi_twenty_working_days_over_easter_any_nation():
    # Received Thu 26 Mar 2026; Good Friday 3 Apr and Easter Monday 6 Apr excluded.
    assert add_working_days(date(2026, 3, 26), 20, Calendar.ANY_UK_NATION) == date(2026, 4, 27)


def test_working_days_between_inverts_add():
    start = date(2026, 12, 18)
    for n in (0, 1, 5, 12, 30):
        assert working_days_between(start, add_working_days(start, n)) == n
    assert working_days_between(date(2026, 11, 24), date(2026, 11, 23)) == -1


def test_negative_counts_go_back():
    assert add_working_days(date(2026, 11, 23), -1) == date(2026, 11, 20)
