import pytest

from services.guardrails.code import check_python
from services.guardrails.sql import check_sql
from services.guardrails.triggers import Layer
from services.guardrails.urls import check_url, parse_legacy_ipv4
from ._data import verdict_accuracy


@pytest.mark.parametrize("name,kind", [("sql.jsonl", "sql"), ("url.jsonl", "url"), ("json.jsonl", "json")])
def test_verdicts_are_all_correct(name, kind):
    acc = verdict_accuracy(name, kind)
    print(f"{kind} verdict accuracy={acc:.3f}")
    assert acc == 1.0


@pytest.mark.parametrize("sql,label", [
    ("SELECT 1; DROP TABLE t", "multiple_statements"),
    ("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", "write_in_subquery"),
    ("GRANT SELECT ON t TO bob", "dcl"),
    ("DROP TABLE t", "ddl"),
    ("INSERT INTO t VALUES (1)", "dml"),
])
def test_sql_write_labels(sql, label):
    (t,) = check_sql(sql, "postgres")
    assert (t.layer, t.code, t.label) == (Layer.SYNTACTIC, "sql_write", label)


def test_sql_syntax_and_unknown_dialect():
    (t,) = check_sql("SELECT * FROM", "sqlite")
    assert t.code == "sql_syntax"
    assert check_sql("SELECT * FROM t", "sqlite") == []
    with pytest.raises(ValueError):
        check_sql("SELECT 1", "no-such-dialect")


@pytest.mark.parametrize("host,ip", [("2130706433", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"),
                                     ("0x7f.1", "127.0.0.1"), ("10.1", "10.0.0.1"), ("192.168.257", "192.168.1.1")])
def test_legacy_ipv4_spellings(host, ip):
    assert str(parse_legacy_ipv4(host)) == ip


@pytest.mark.parametrize("url,code", [
    ("http://[::ffff:169.254.169.254]/", "url_private"), ("http://10-0-0-1.sslip.io/", "url_private"),
    ("https://a.com@b.com/", "url_userinfo"), ("vbscript:msgbox", "url_scheme"), ("http://a b/", "url_malformed"),
])
def test_url_codes(url, code):
    assert code in {t.code for t in check_url(url)}


def test_url_span_points_at_host():
    url = "http://localhost:8080/x"
    (t,) = check_url(url)
    assert url[t.span_start:t.span_end] == "localhost"


def test_python_code_syntax():
    assert check_python("def f(x):\n    return x\n") == []
    text = "Here:\n```python\nx = 1\nif x\n    print(x)\n```"
    (t,) = check_python(text)
    assert t.code == "code_syntax" and text[t.span_start:t.span_end] == "if x"
