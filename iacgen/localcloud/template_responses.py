"""The six generated-template operations as methods of moto's CloudFormationResponse (wire only: parse with
`_get_param`, call generating.py, return `ActionResult` so botocore's output shape serialises the answer)."""

from __future__ import annotations

import io
import json
from typing import Any

from moto.core.responses import ActionResult, EmptyResult

from iacgen.localcloud import generating
from iacgen.localcloud.errors import ValidationError
from iacgen.localcloud.wire import install_operations, where, with_token


def _flag(value: Any) -> bool:
    return value.lower() == "true" if isinstance(value, str) else bool(value)


def create_generated_template(self: Any) -> ActionResult:
    template = generating.create(
        *where(self),
        name=self._get_param("GeneratedTemplateName"),
        resources=self._get_param("Resources", []),
        stack_name=self._get_param("StackName"),
        configuration=self._get_param("TemplateConfiguration"),
    )
    return ActionResult({"GeneratedTemplateId": template.id})


def update_generated_template(self: Any) -> ActionResult:
    template = generating.update(
        *where(self),
        self._get_param("GeneratedTemplateName"),
        new_name=self._get_param("NewGeneratedTemplateName"),
        add=self._get_param("AddResources"),
        remove=self._get_param("RemoveResources"),
        refresh=_flag(self._get_param("RefreshAllResources", False)),
        configuration=self._get_param("TemplateConfiguration"),
    )
    return ActionResult({"GeneratedTemplateId": template.id})


def describe_generated_template(self: Any) -> ActionResult:
    return ActionResult(generating.describe(*where(self), self._get_param("GeneratedTemplateName")))


def get_generated_template(self: Any) -> ActionResult:
    fmt = str(self._get_param("Format") or "JSON").upper()
    if fmt not in ("JSON", "YAML"):
        raise ValidationError(f"Format must be JSON or YAML (got {fmt})")
    status, document = generating.body(*where(self), self._get_param("GeneratedTemplateName"))
    return ActionResult(
        {"Status": status, "TemplateBody": to_yaml(document) if fmt == "YAML" else to_json(document)}
    )


def list_generated_templates(self: Any) -> ActionResult:
    summaries, token = generating.summaries(
        *where(self), self._get_param("MaxResults"), self._get_param("NextToken")
    )
    return ActionResult(with_token({"Summaries": summaries}, token))


def delete_generated_template(self: Any) -> EmptyResult:
    generating.delete(*where(self), self._get_param("GeneratedTemplateName"))
    return EmptyResult()


def to_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2)


def to_yaml(document: dict[str, Any]) -> str:
    """The service's YAML: a `---` line, block style, every string double-quoted (numbers and booleans bare),
    sequences not indented below their key, intrinsic functions in long form (`Ref:`, `Fn::GetAtt:`)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    def quote(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: quote(v) for k, v in value.items()}
        if isinstance(value, list):
            return [quote(v) for v in value]
        if isinstance(value, str):
            return DoubleQuotedScalarString(value)
        return value

    yaml = YAML()
    yaml.default_flow_style = False
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=2, offset=0)
    yaml.explicit_start = True
    out = io.StringIO()
    yaml.dump(quote(document), out)
    return out.getvalue()


OPERATIONS = {
    "create_generated_template": create_generated_template,
    "update_generated_template": update_generated_template,
    "describe_generated_template": describe_generated_template,
    "get_generated_template": get_generated_template,
    "list_generated_templates": list_generated_templates,
    "delete_generated_template": delete_generated_template,
}


def install() -> None:
    install_operations(OPERATIONS)
