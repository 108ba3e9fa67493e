"""GOV.UK Frontend's built files as this service serves them."""

import re
from functools import lru_cache

from app.web.pages import GOVUK_FRONTEND

FONT_FACE = re.compile(r"@font-face\{[^}]*\}")


@lru_cache
def govuk_css_without_fonts() -> str:
    """The package's compiled stylesheet less its @font-face rules (GDS Transport is for GOV.UK only)."""
    path = GOVUK_FRONTEND / "govuk-frontend.min.css"
    if not path.exists():
        return "/* govuk-frontend is not installed: run make install (npm ci) */"
    return FONT_FACE.sub("", path.read_text(encoding="utf-8"))
