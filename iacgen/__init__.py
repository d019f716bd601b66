"""iacgen: adopt hand-made AWS resources into CloudFormation through the IaC generator."""

__version__ = "0.1.0"
