"""Gunicorn settings read from the working directory (the Procfile and the load bench).

After a worker has loaded the app, its objects (SQLAlchemy mappers, compiled templates, locale
data, the holiday tables: about 180,000) are moved out of the garbage collector's view with
`gc.freeze()`. Otherwise each full collection walks them all: about 100 ms, once every dozen
requests, which is what set the 95th percentile of the main pages (see bench/RESULTS.md).
"""

import gc


def post_worker_init(worker):
    gc.freeze()
