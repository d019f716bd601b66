"""The IaC generator operations as methods on moto's CloudFormationResponse (wire only; state lives in
scanning.py and generating.py)."""

from __future__ import annotations


def install() -> None:
    from iacgen.localcloud import scan_responses, template_responses

    scan_responses.install()
    template_responses.install()
