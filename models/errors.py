"""Errors that reach the user. ``BadInput`` means exit code 2 / HTTP 4xx with a one-line reason."""


class BadInput(Exception):
    """The input cannot be processed; the message is a one-line Chinese reason for the user."""
