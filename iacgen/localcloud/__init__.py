"""The offline AWS: moto extended with the CloudFormation IaC generator and real IMPORT semantics.

It never imports iacgen.core: an emulator that shares the code under test cannot catch its bugs.
"""

from __future__ import annotations

_installed = False


def install() -> None:
    """Extend moto in this process (idempotent). Call before mock_aws() or before starting a moto server."""
    global _installed
    if _installed:
        return
    from iacgen.localcloud import accounts, catalog, drift_responses, ec2, faults, import_responses, responses

    catalog.register()  # the resource types beyond the original 16
    faults.install()
    accounts.install()
    ec2.install()
    import_responses.install()
    drift_responses.install()
    responses.install()  # last: it answers a clean error for whatever is still missing
    _installed = True
