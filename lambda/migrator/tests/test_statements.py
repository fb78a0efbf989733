"""Splitting a migration file into statements: quotes, comments and DELIMITER do not fool it."""

import re

import pytest
from tapstack_migrator.statements import StatementSyntaxError, split_statements


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        pytest.param("CREATE TABLE a (x INT);", ["CREATE TABLE a (x INT)"], id="one"),
        pytest.param("SELECT 1; SELECT 2", ["SELECT 1", "SELECT 2"], id="last-without-delimiter"),
        pytest.param("SELECT 'a;b', \"c;d\";", ["SELECT 'a;b', \"c;d\""], id="quotes"),
        pytest.param("SELECT 'it''s;', 'x\\';';", ["SELECT 'it''s;', 'x\\';'"], id="escapes"),
        pytest.param("CREATE TABLE `a;b` (x INT);", ["CREATE TABLE `a;b` (x INT)"], id="backticks"),
        pytest.param(
            "-- a; comment\nSELECT 1; # another; one\n/* block; */",
            ["-- a; comment\nSELECT 1"],
            id="comments-only-statements-dropped",
        ),
        pytest.param(
            "SELECT 1--;\n;", ["SELECT 1--"], id="double-dash-without-space-is-not-a-comment"
        ),
        pytest.param(
            "DELIMITER $$\nCREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN SET NEW.x = 1; "
            "END$$\nDELIMITER ;\nSELECT 1;",
            [
                "CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN SET NEW.x = 1; END",
                "SELECT 1",
            ],
            id="delimiter",
        ),
        pytest.param("  \n-- nothing\n", [], id="empty"),
    ],
)
def test_split(sql, expected):
    assert split_statements(sql) == expected


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        pytest.param("SELECT 'open;", "unterminated ' quote at offset 7", id="quote"),
        pytest.param("SELECT 1 /* open", "unterminated /* comment at offset 9", id="comment"),
        pytest.param(
            "SELECT 1\nDELIMITER $$\n",
            "DELIMITER at offset 9 follows a statement",
            id="delimiter-mid-statement",
        ),
    ],
)
def test_unsplittable_files_are_refused(sql, message):
    with pytest.raises(StatementSyntaxError, match="^" + re.escape(message)):
        split_statements(sql)
