"""The IaC generator operations as methods on moto's CloudFormationResponse (wire only; state lives in
scanning.py and generating.py), and a clean error for every operation that is emulated by nobody."""

from __future__ import annotations


def install() -> None:
    from iacgen.localcloud import scan_responses, template_responses, wire

    scan_responses.install()
    template_responses.install()
    wire.install_not_emulated()
