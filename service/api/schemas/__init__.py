"""Request and response schemas of the JSON API by feature (pydantic; the OpenAPI document is
generated from these); ``common`` holds what every feature shares."""
