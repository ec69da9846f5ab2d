from drf_spectacular.generators import SchemaGenerator


def test_the_schema_offers_json_and_pdf_statements_and_documents_missing_for_approval():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    statement = schema["paths"]["/api/v1/retailers/statement"]["get"]
    format_param = next(p for p in statement["parameters"] if p["name"] == "format")
    assert format_param["schema"]["enum"] == ["json", "pdf"]
    assert set(statement["responses"]["200"]["content"]) == {"application/json", "application/pdf"}
    assert statement["responses"]["200"]["content"]["application/pdf"]["schema"] == {
        "type": "string",
        "format": "binary",
    }
    assert {"limit", "offset"} <= {p["name"] for p in statement["parameters"]}
    json_data = statement["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["data"]
    assert json_data == {"$ref": "#/components/schemas/Statement"}
    assert "entries_pagination" in schema["components"]["schemas"]["Statement"]["required"]
    assert "400" in statement["responses"]
    profile = schema["components"]["schemas"]["RetailerProfileResponse"]["properties"]
    signup = schema["components"]["schemas"]["RetailerProfile"]["properties"]
    for properties in (profile, signup):
        assert properties["missing_for_approval"]["type"] == "array"
