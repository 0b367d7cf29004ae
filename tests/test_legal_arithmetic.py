import datetime as dt

import pytest

from models.checks.identity import id_birth_date, id_check_char
from models.sentencing.dates import add_months, age_on, term_end


def test_term_end_from_real_judgment():
    # （2017）沪0120刑初684号: 有期徒刑七个月, 自2017年4月28日起至2017年11月27日止
    assert term_end(dt.date(2017, 4, 28), 7) == dt.date(2017, 11, 27)


def test_term_end_crosses_year_and_month_end():
    assert term_end(dt.date(2020, 3, 10), 18) == dt.date(2021, 9, 9)
    assert add_months(dt.date(2019, 1, 31), 1) == dt.date(2019, 2, 28)
    assert add_months(dt.date(2020, 1, 31), 1) == dt.date(2020, 2, 29)


# 法释〔2006〕1号 第二条: "刑法第十七条规定的'周岁'，按照公历的年、月、日计算，从周岁生日的第二天起算。"
# So on the N-th birthday one is still N-1 周岁 and 已满N周岁 from the next day. Expected values below
# are that sentence applied by hand: (birth, day, 周岁).
_ZHOUSUI = [
    # 12 (刑法第十七条第三款): born 2005-04-20
    ("2005-04-20", "2017-04-19", 11), ("2005-04-20", "2017-04-20", 11), ("2005-04-20", "2017-04-21", 12),
    # 14 (第十七条第二款): born 2003-04-20
    ("2003-04-20", "2017-04-19", 13), ("2003-04-20", "2017-04-20", 13), ("2003-04-20", "2017-04-21", 14),
    # 16 (第十七条第一款)
    ("2001-04-20", "2017-04-19", 15), ("2001-04-20", "2017-04-20", 15), ("2001-04-20", "2017-04-21", 16),
    # 18 (第十七条第四款, 第四十九条)
    ("2000-03-02", "2018-03-01", 17), ("2000-03-02", "2018-03-02", 17), ("2000-03-02", "2018-03-03", 18),
    # 18 across a month end and a year end
    ("1999-12-31", "2017-12-31", 17), ("1999-12-31", "2018-01-01", 18),
    ("1999-04-30", "2017-04-30", 17), ("1999-04-30", "2017-05-01", 18),
    # 75 (第十七条之一, 第四十九条第二款)
    ("1942-06-28", "2017-06-27", 74), ("1942-06-28", "2017-06-28", 74), ("1942-06-28", "2017-06-29", 75),
    # born on 29 February: in a common year the birthday falls at the end of February
    ("2000-02-29", "2018-02-28", 17), ("2000-02-29", "2018-03-01", 18),
    ("2000-02-29", "2016-02-29", 15), ("2000-02-29", "2016-03-01", 16),
]


@pytest.mark.parametrize(("birth", "day", "expected"), _ZHOUSUI)
def test_zhousui_counts_from_the_day_after_the_birthday(birth, day, expected):
    assert age_on(dt.date.fromisoformat(birth), dt.date.fromisoformat(day)) == expected


def test_age_on_the_day_of_birth_is_zero():
    assert age_on(dt.date(2000, 3, 2), dt.date(2000, 3, 2)) == 0
    assert age_on(dt.date(2000, 3, 2), dt.date(2001, 3, 2)) == 0
    assert age_on(dt.date(2000, 3, 2), dt.date(2001, 3, 3)) == 1


def test_id_check_digit():
    # the two worked examples printed in GB 11643-1999
    assert id_check_char("11010519491231002") == "X"
    assert id_check_char("44052418800101001") == "4"
    assert id_check_char("31012019850302123") == "4"
    assert id_birth_date("310120198503021234") == dt.date(1985, 3, 2)
    assert id_birth_date("310120198502301234") is None
