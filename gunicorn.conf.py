"""gunicorn settings read from the project folder (gunicorn's default `./gunicorn.conf.py`).

A request line longer than gunicorn's default 4,094 bytes got gunicorn's own HTML 414 page,
before the app could answer in the API's JSON (the API fuzzer sends long query strings and
reads that as an undocumented content type). 8,190 is gunicorn's largest bounded value and
matches the 8 KB header buffers of common reverse proxies; longer lines still get the 414.
"""

limit_request_line = 8190
