from drf_spectacular.generators import SchemaGenerator


def test_the_schema_offers_json_statements_only_and_documents_missing_for_approval():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    statement = schema["paths"]["/api/v1/retailers/statement"]["get"]
    format_param = next(p for p in statement["parameters"] if p["name"] == "format")
    assert format_param["schema"]["enum"] == ["json"]
    assert "400" in statement["responses"]
    profile = schema["components"]["schemas"]["RetailerProfileResponse"]["properties"]
    signup = schema["components"]["schemas"]["RetailerProfile"]["properties"]
    for properties in (profile, signup):
        assert properties["missing_for_approval"]["type"] == "array"
