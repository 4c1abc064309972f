"""What the pages and the API share about HTTP: how errors become statuses, file responses, body checks."""
