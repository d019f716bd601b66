"""The S3 bucket iacgen keeps import templates in when a body is over 51,200 bytes (`import --create-bucket`):
one per account and Region, private (all public access blocked) and encrypted (SSE-S3), made only when a
body needs it and reused afterwards. The objects themselves are removed by the change set's clean-up."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from iacgen.core.errors import AwsError, UsageError, aws_error, error_code

if TYPE_CHECKING:
    from iacgen.core.session import Aws

PREFIX = "iacgen-templates"
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_IP_ADDRESS = re.compile(r"\d+\.\d+\.\d+\.\d+")


def check_bucket_name(name: str) -> None:
    """S3's naming rules for general purpose buckets, before any call: S3 would answer a bad name with an
    InvalidBucketName only when the body is uploaded, after the rest of the plan ran."""
    if not _BUCKET_NAME.fullmatch(name) or ".." in name or _IP_ADDRESS.fullmatch(name):
        raise UsageError(
            f"bucket name {name!r} is not valid: 3-63 lowercase letters, digits, dots and hyphens, "
            "starting and ending with a letter or digit (no '..', not an IP address)",
            "give {opt:s3_bucket} an existing bucket's name",
        )


def bucket_name(aws: Aws) -> str:
    """iacgen-templates-ACCOUNT-REGION (STS GetCallerIdentity): unique, and the same on every run."""
    try:
        account = str(aws.client("sts").get_caller_identity()["Account"])
    except Exception as exc:
        raise aws_error(exc, "find the account id for the templates bucket") from exc
    return f"{PREFIX}-{account}-{aws.region}"


def ensure_bucket(aws: Aws, name: str) -> bool:
    """Make the bucket private and encrypted if it does not exist yet; True when it was created now."""
    s3 = aws.s3
    try:
        s3.head_bucket(Bucket=name)
        return False
    except Exception as exc:
        code = error_code(exc)
        if code in ("403", "AccessDenied", "Forbidden"):
            raise AwsError(
                f"bucket {name} exists but this account cannot use it",
                "pass {opt:s3_bucket} with a bucket of your own instead",
            ) from exc
        if code not in ("404", "NoSuchBucket", "NotFound"):
            raise aws_error(exc, f"check bucket {name}") from exc
    try:
        if aws.region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(
                Bucket=name,
                CreateBucketConfiguration={"LocationConstraint": aws.region},  # type: ignore[typeddict-item]
            )
        s3.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
    except Exception as exc:
        raise aws_error(exc, f"create the templates bucket {name}") from exc
    return True
