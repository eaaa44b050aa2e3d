"""Reading submitted forms: text with the same limits the API's bodies have."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from starlette.datastructures import FormData

from tidings.errors import InvalidInput


@dataclass
class Form:
    data: FormData

    def text(self, name: str, *, max_length: int = 200, required: bool = False) -> str:
        raw = self.data.get(name)
        value = raw if isinstance(raw, str) else ""
        if "\x00" in value:
            raise InvalidInput("Text must not contain NUL characters", field=name)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidInput("Text must be valid Unicode", field=name) from None
        if len(value) > max_length:
            raise InvalidInput(f"At most {max_length} characters, please", field=name)
        if required and not value.strip():
            raise InvalidInput("This field is required", field=name)
        return value

    def optional(self, name: str, *, max_length: int = 200) -> str | None:
        value = self.text(name, max_length=max_length).strip()
        return value or None

    def flag(self, name: str) -> bool:
        return self.data.get(name) in ("1", "on", "true", "yes")

    def ids(self, name: str) -> list[int]:
        values = []
        for raw in self.data.getlist(name):
            if not isinstance(raw, str) or not raw.strip().isdigit() or len(raw.strip()) > 18:
                raise InvalidInput("Choose from the list", field=name)
            values.append(int(raw))
        return values

    def number(self, name: str) -> int | None:
        raw = self.text(name, max_length=18).strip()
        if not raw:
            return None
        if not raw.isdigit():
            raise InvalidInput("Give a whole number", field=name)
        return int(raw)

    def values(self) -> dict[str, str]:
        """What the user typed, to show again when the form is refused."""
        return {
            key: value
            for key, value in self.data.items()
            if isinstance(value, str) and "password" not in key and key != "csrf_token"
        }


async def read_form(request: Request) -> Form:
    return Form(await request.form())
