"""The one place that builds boto3 clients: profile, Region, endpoint, retries, user agent, call counts."""

from __future__ import annotations

import os
import threading
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from iacgen import __version__
from iacgen.core import retries
from iacgen.core.errors import from_aws_exception
from iacgen.core.validation import check_endpoint_url

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_s3 import S3Client

DEFAULT_LOCAL_REGION = "us-east-1"
# boto3 sessions are not thread-safe, their clients are: derived factories build clients one at a time
_CLIENT_LOCK = threading.Lock()


@dataclass(frozen=True)
class AwsSettings:
    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    # The local cloud accepts any credentials; supplying dummy ones keeps a developer's real keys out of it.
    local: bool = False


@dataclass(frozen=True)
class Credentials:
    """Temporary credentials, e.g. from STS AssumeRole, for the clients of another account."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    @classmethod
    def from_api(cls, data: Any) -> Credentials:
        return cls(str(data["AccessKeyId"]), str(data["SecretAccessKey"]), data.get("SessionToken"))

    def client_kwargs(self) -> dict[str, Any]:
        return {
            "aws_access_key_id": self.access_key_id,
            "aws_secret_access_key": self.secret_access_key,
            "aws_session_token": self.session_token,
        }


@dataclass
class Aws:
    """Builds and caches clients; counts every API call by operation name (used by reports and benchmarks),
    and the retries granted by error code (`retry.retried`)."""

    settings: AwsSettings = field(default_factory=AwsSettings)
    calls: Counter[str] = field(default_factory=Counter)
    credentials: Credentials | None = None  # None: the profile's (or the local cloud's dummy) credentials
    _retry: retries.RetryPolicy | None = None
    _session: boto3.Session | None = None
    _clients: dict[str, Any] = field(default_factory=dict)

    def derive(self, region: str, credentials: Credentials | None = None) -> Aws:
        """A factory for another Region and, with credentials, another account: same endpoint and retry
        configuration, the parent's boto3 session (so service models load once), its own clients and call
        counts (a fan-out merges them back with `calls.update`)."""
        child = Aws(replace(self.settings, region=region), credentials=credentials or self.credentials)
        child._session = self.session
        return child

    @property
    def session(self) -> boto3.Session:
        if self._session is None:
            import boto3

            try:
                if self.settings.local:
                    import botocore.session

                    # the local cloud takes dummy keys: AWS_PROFILE (say, for the real account) must not be
                    # looked up, so the profile setting reads no environment variable here
                    no_profile = {"profile": (None, None, None, None)}
                    profile_free = botocore.session.Session(session_vars=no_profile)
                    self._session = boto3.Session(
                        botocore_session=profile_free,
                        aws_access_key_id="testing",
                        aws_secret_access_key="testing",
                        region_name=self.settings.region or DEFAULT_LOCAL_REGION,
                    )
                else:
                    # botocore reads AWS_DEFAULT_REGION; the SDKs' AWS_REGION is honoured too.
                    self._session = boto3.Session(
                        profile_name=self.settings.profile,
                        region_name=self.settings.region or os.environ.get("AWS_REGION") or None,
                    )
            except Exception as exc:
                raise (from_aws_exception(exc) or exc) from exc
        return self._session

    @property
    def region(self) -> str:
        region = self.settings.region or self.session.region_name
        if not region:
            from iacgen.core.errors import UsageError

            raise UsageError("no AWS Region is set", "pass {opt:region} or set AWS_REGION")
        from iacgen.core.regions import check_region

        check_region(region)
        return region

    @property
    def retry(self) -> retries.RetryPolicy:
        """One retry policy (attempts, budget, counts) for every client of this run."""
        if self._retry is None:
            _, attempts = retries.resolve(None, self._config_variable("max_attempts"))
            self._retry = retries.RetryPolicy(max_attempts=attempts)
        return self._retry

    def _config_variable(self, name: str) -> Any:
        """botocore's setting (environment, then profile); a malformed one (AWS_MAX_ATTEMPTS=abc) is bad
        input, not botocore's bare ValueError."""
        try:
            return self.session._session.get_config_variable(name)
        except ValueError as exc:
            from iacgen.core.errors import UsageError

            raise UsageError(
                f"the AWS setting {name} is not valid: {exc}",
                f"fix AWS_{name.upper()} or {name} in the profile",
            ) from None

    def client(self, service: str) -> Any:
        if service not in self._clients:
            from botocore.config import Config

            self._check_endpoints(service)
            mode, _ = retries.resolve(self._config_variable("retry_mode"), None)
            config = Config(
                # botocore's handler makes one attempt; retries.RetryPolicy decides the rest
                retries={"mode": mode, "total_max_attempts": 1},
                user_agent_extra=f"iacgen/{__version__}",
                connect_timeout=10,
                read_timeout=60,
            )
            keys = self.credentials.client_kwargs() if self.credentials else {}
            try:
                with _CLIENT_LOCK:
                    client = self.session.client(
                        service,  # type: ignore[call-overload]
                        region_name=self.region,
                        endpoint_url=self.settings.endpoint_url,
                        config=config,
                        **keys,
                    )
            except Exception as exc:
                raise (from_aws_exception(exc) or exc) from exc
            client.meta.events.register("before-call", self._count)
            retries.install(client, self.retry)
            self._clients[service] = client
        return self._clients[service]

    def _check_endpoints(self, service: str) -> None:
        """--endpoint-url and botocore's AWS_ENDPOINT_URL[_SERVICE]: a malformed one is bad input (exit 2),
        not botocore's bare ValueError."""
        candidates = [("--endpoint-url", self.settings.endpoint_url)]
        for var in ("AWS_ENDPOINT_URL", f"AWS_ENDPOINT_URL_{service.upper().replace('-', '_')}"):
            candidates.append((var, os.environ.get(var)))
        for option, url in candidates:
            if url:
                check_endpoint_url(url, option)

    def _count(self, model: Any, **_: Any) -> None:
        self.calls[f"{model.service_model.service_name}:{model.name}"] += 1

    @property
    def cloudformation(self) -> CloudFormationClient:
        client: CloudFormationClient = self.client("cloudformation")
        return client

    @property
    def s3(self) -> S3Client:
        client: S3Client = self.client("s3")
        return client
