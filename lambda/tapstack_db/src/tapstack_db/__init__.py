"""What every database Lambda connects with: the Amazon RDS CA bundle, packaged once here, and
the TLS options that make a driver verify the server's certificate chain against it and the
host name against the certificate (VERIFY_IDENTITY).

    pymysql.connect(host=..., user=..., **pymysql_options(RDS_CA_BUNDLE, connect_timeout=10))
    MySQLdb.connect(host=..., **mysqlclient_tls(RDS_CA_BUNDLE))

Each function's image copies this package beside its own (`COPY --from=tapstack_db ...`, a named
build context; hooks/README.md), so every image holds these exact bytes.
"""

from tapstack_db.tls import RDS_CA_BUNDLE, mysqlclient_tls, pymysql_options, pymysql_tls

__all__ = ["RDS_CA_BUNDLE", "mysqlclient_tls", "pymysql_options", "pymysql_tls"]
