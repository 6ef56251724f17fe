"""DynamoDB persistence. The only package that imports PynamoDB.

Each table holds several item types (single-table design per context); each
repository turns items into the contexts' frozen dataclasses and back, and
translates PynamoDB's errors into ``chalicelib.errors``.
"""
