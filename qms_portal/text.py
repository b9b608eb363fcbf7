"""Text folding so that every search in the portal ignores case and Vietnamese diacritics alike."""

import unicodedata
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

# đ/Đ are letters of their own, not d plus a combining mark, so NFD leaves them alone.
_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str | None) -> str:
    """`Tiến Dũng` → `tien dung`: lower case, no diacritics, single spaces."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.translate(_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())


class FoldedSearch:
    """For models with a `search_text` column: on save it becomes the folded text of `SEARCH_FIELDS`,
    so `search_text__contains=fold(query)` ignores case and diacritics on PostgreSQL and SQLite alike."""

    SEARCH_FIELDS: tuple[str, ...] = ()

    def folded_search(self) -> str:
        return fold(" ".join(str(getattr(self, name) or "") for name in self.SEARCH_FIELDS))

    def save(self, *args, **kwargs) -> None:
        self.search_text = self.folded_search()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)


def matching(query: str, *columns: str):
    """A filter for folded `search_text` columns (`agency__search_text`, …) holding the folded query;
    an empty query matches everything."""
    from django.db.models import Q

    folded = fold(query)
    condition = Q()
    if folded:
        for column in columns:
            condition |= Q(**{f"{column}__contains": folded})
    return condition


def person(user) -> str:
    if user is None:
        return _("unknown")
    return user.get_full_name() or user.get_username()


def as_text(value) -> str:
    """A stored value as a reader compares two of them: yes/no, dates dd/mm/yyyy, decimals without
    trailing zeros, an em dash for nothing. The history of changes and the edit conflicts both show it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)
