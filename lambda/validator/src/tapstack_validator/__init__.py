"""The transaction validator: a payload checked against the reference data (currencies,
merchant categories, fee schedules), its outcome recorded in the session table."""
