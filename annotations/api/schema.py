"""The API's OpenAPI schema (drf-spectacular), with the errors every operation can answer
documented beside its successes: clients (and the schema-driven fuzzing test) then know what a
refusal looks like."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """A refusal with its reason: no credentials (401), no role or no right (403), nothing
    there or not yours to see (404)."""

    detail = serializers.CharField()


FIELD_ERRORS = {
    "type": "object",
    "description": "The reasons, by parameter or field name (non_field_errors for the whole "
                   "request): a list of messages, or for a list field its items' messages by "
                   "index.",
    "additionalProperties": {"anyOf": [
        {"type": "array", "items": {"type": "string"}},
        {"type": "object", "additionalProperties": {"type": "array",
                                                    "items": {"type": "string"}}},
    ]},
}


class AutoSchema(SpectacularAutoSchema):
    """Adds, where an operation does not name them itself: 400 with field errors when it takes
    query parameters or a body, 404 when its path names an object, 401 and 403 when it needs
    credentials."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        places = {parameter["in"] for parameter in operation.get("parameters", [])}
        errors = {}
        if "query" in places or "requestBody" in operation:
            errors["400"] = FIELD_ERRORS
        if "path" in places:
            errors["404"] = ErrorSerializer
        if {} not in operation.get("security", [{}]):
            errors["401"] = errors["403"] = ErrorSerializer
        responses = operation["responses"]
        # A view whose errors are rendered apart from its successes (the schema's own view,
        # annotations.api.views.SchemaView) documents their media types.
        error_media_types = [renderer.media_type for renderer
                             in getattr(self.view, "error_renderer_classes", ())] or None
        for code, body in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(body, code, error_media_types)
        return operation
