"""The ISP back end: everything app.py calls into.

Layout: shared pieces at this level (config, container, errors, clock), the
HTTP edge in ``web/``, one package per capability (``auth``, ``customers``,
``technicians``, ``agenda``, ``billing``, ``notify``) and ``storage/``, the
only package that imports PynamoDB.
"""
