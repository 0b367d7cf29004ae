import datetime as dt

from models.checks.identity import id_birth_date, id_check_char
from models.sentencing.dates import add_months, age_on, term_end


def test_term_end_from_real_judgment():
    # （2017）沪0120刑初684号: 有期徒刑七个月, 自2017年4月28日起至2017年11月27日止
    assert term_end(dt.date(2017, 4, 28), 7) == dt.date(2017, 11, 27)


def test_term_end_crosses_year_and_month_end():
    assert term_end(dt.date(2020, 3, 10), 18) == dt.date(2021, 9, 9)
    assert add_months(dt.date(2019, 1, 31), 1) == dt.date(2019, 2, 28)
    assert add_months(dt.date(2020, 1, 31), 1) == dt.date(2020, 2, 29)


def test_age_counts_full_years():
    birth = dt.date(2000, 3, 2)
    assert age_on(birth, dt.date(2018, 3, 1)) == 17
    assert age_on(birth, dt.date(2018, 3, 2)) == 18


def test_id_check_digit():
    assert id_check_char("11010519491231002") == "X"  # GB 11643 example
    assert id_check_char("31012019850302123") == "4"
    assert id_birth_date("310120198503021234") == dt.date(1985, 3, 2)
    assert id_birth_date("310120198502301234") is None
