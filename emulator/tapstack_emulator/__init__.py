"""tapstack's local AWS: moto server plus the CloudFormation models and behaviours moto lacks.

Everything here runs inside the moto server process; nothing in the project's templates,
hooks, resolvers or Lambdas knows about it.
"""

__version__ = "0.1.0"
