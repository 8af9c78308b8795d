"""`make bench`: the key requests timed over HTTP against gunicorn on a scale database."""
