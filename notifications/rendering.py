"""Safe rendering: `{name}` is replaced by the context value of a declared variable, as text.
Nothing else in a template is interpreted, so a staff-edited template cannot reach any
attribute, method or setting."""

import logging
from dataclasses import dataclass

from django.utils.html import escape, linebreaks

from .models import LANGUAGES, PLACEHOLDER, NotificationTemplate

logger = logging.getLogger("livrili.notifications")


@dataclass(frozen=True)
class Rendered:
    language: str
    subject: str
    body: str

    @property
    def html(self) -> str:
        return linebreaks(escape(self.body))  # values are escaped with the text around them


def language_order(preferred: str) -> list[str]:
    """The recipient's language first, then ar → fr → en."""
    return [preferred, *(language for language in LANGUAGES if language != preferred)]


def substitute(text: str, variables: list[str], context: dict) -> str:
    def value(match):
        name = match.group(1)
        if name not in variables:  # cannot be saved; kept literally if it ever was
            return match.group(0)
        if context.get(name) is None:
            logger.warning("notification context has no value for {%s}", name)
            return ""
        return str(context[name])

    return PLACEHOLDER.sub(value, text)


def render(template: NotificationTemplate, preferred_language: str, context: dict) -> Rendered:
    """The template in the first language (preferred, then ar → fr → en) that has a body."""
    order = language_order(preferred_language if preferred_language in LANGUAGES else LANGUAGES[0])
    language = next((lang for lang in order if getattr(template, f"body_{lang}", "")), order[0])
    subject = next(
        (text for lang in [language, *order] if (text := getattr(template, f"subject_{lang}", ""))),
        "",
    )
    body = getattr(template, f"body_{language}", "") or ""
    return Rendered(
        language=language,
        # one line: an e-mail subject cannot hold a line break
        subject=" ".join(substitute(subject, template.variables, context).split()),
        body=substitute(body, template.variables, context),
    )
