"""The open data API (/api/v1/): HSDS organisations, the OpenAPI document and the data package."""
