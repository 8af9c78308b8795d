"""The REST API's shared plumbing: authentication, errors, pagination, permissions, CSV,
throttles and the schema. Each app's endpoints live in its own apis.py."""
