"""The one application error type that services raise; views and the API map it for users."""


class ApplicationError(Exception):
    """A rule of the product was broken; `message` is safe and meant for the user."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
