"""Lambda entry point `tapstack_validator.handler.handler` (the image's CMD).

Environment (set by the compute stack and the image; names and paths only, never secrets):
  DATABASE_PARAMETERS_PATH  SSM path of the connection facts, `/tapstack/{env}/db` (the host
                            is its `writer-dns`, the stable writer name: database.py)
  DATABASE_SECRET_ID        name of its own database user's secret,
                            `tapstack/{env}/{suffix}/db/validator` (migrations stack)
  SESSIONS_TABLE            the DynamoDB sessions table
  DATABASE_CA_BUNDLE        CA bundle that verifies the database's TLS certificate (the image
                            sets it to the RDS bundle it ships; empty: no TLS)
  SESSION_TTL_SECONDS       optional, how long a session is kept (default one day)
Event: {"session_id", "transaction_id", "amount", "currency", "merchant_category",
"occurred_at"}. Answer: {"valid": bool, "problems": [...], "fee": "…" or null, "session": {…}}.
A malformed payload is answered with its problems and is not recorded.
"""

import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from tapstack_validator.database import load_settings
from tapstack_validator.reference_data import ReferenceData
from tapstack_validator.sessions import DEFAULT_TTL_SECONDS, SessionStore
from tapstack_validator.transaction import Transaction
from tapstack_validator.validation import Outcome, validate

logger = Logger(service="tapstack-validator")
metrics = Metrics(namespace="tapstack", service="tapstack-validator")

PARAMETERS_PATH = os.environ["DATABASE_PARAMETERS_PATH"]
SECRET_ID = os.environ["DATABASE_SECRET_ID"]
CA_BUNDLE = os.environ["DATABASE_CA_BUNDLE"]
sessions = SessionStore(
    boto3.resource("dynamodb").Table(os.environ["SESSIONS_TABLE"]),
    ttl_seconds=int(os.environ.get("SESSION_TTL_SECONDS", DEFAULT_TTL_SECONDS)),
)


def check(transaction: Transaction) -> Outcome:
    """Validate against the database the SSM parameters point at (through the writer name)."""
    connection = load_settings(PARAMETERS_PATH, SECRET_ID, CA_BUNDLE).connect()
    try:
        return validate(transaction, ReferenceData(connection))
    finally:
        connection.close()


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    """Validate one transaction and record the outcome in its session."""
    try:
        transaction = Transaction.model_validate(event)
    except ValidationError as err:
        problems = [
            f"{'.'.join(str(p) for p in problem['loc']) or 'payload'}: {problem['msg']}"
            for problem in err.errors()
        ]
        logger.info("malformed payload", extra={"problems": problems})
        metrics.add_metric(name="MalformedPayloads", unit=MetricUnit.Count, value=1)
        return {"valid": False, "problems": problems, "fee": None, "session": None}
    outcome = check(transaction)
    session = sessions.record(transaction, outcome)
    metrics.add_metric(
        name="ValidTransactions" if outcome.valid else "InvalidTransactions",
        unit=MetricUnit.Count,
        value=1,
    )
    logger.info(
        "validated",
        extra={
            "transaction_id": transaction.transaction_id,
            "valid": outcome.valid,
            "problems": outcome.problems,
        },
    )
    return {
        "valid": outcome.valid,
        "problems": outcome.problems,
        "fee": None if outcome.fee is None else str(outcome.fee),
        "session": session,
    }
