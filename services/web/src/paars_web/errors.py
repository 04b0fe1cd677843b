"""What a service refused, as messages beside the form fields they name, in the person's language."""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import grpc
from babel.support import NullTranslations

from paars_platform.errors import field_violations


def N_(message: str) -> str:
    """Marks a message for the catalogue; it is translated where it is shown."""
    return message


# The services' own words (English) for what they refuse, each a msgid translated when shown.
# A description not listed here is shown with the general message of its field.
KNOWN_DESCRIPTIONS = (
    N_("is required"),
    N_("is not a valid id"),
    N_("must be praise, constructive or suggestion"),
    N_("is required: your relation to the receiver"),
    N_("constructive feedback needs at least one concrete example: the situation, the behaviour and its impact"),
    N_("only praise can be public"),
    N_("cannot be in the future"),
    N_("is more than three years ago"),
    N_("self exactly when giver and receiver are the same person"),
    N_("you are not one of the receiver's managers"),
    N_("the receiver is not one of your managers"),
    N_("only HR gives feedback as HR"),
    N_("the request asks for feedback about someone else"),
    N_("must be a date YYYY-MM-DD"),
    N_("must be an e-mail address"),
    N_("is required (or an external_email)"),
    N_("you cannot ask yourself for feedback: ask someone else, or write a self-assessment"),
    N_("cannot be the person the feedback is about"),
    N_("must be performance, development or wellbeing"),
    N_("at least one measurable key result is required"),
    N_("must differ from start_value"),
    N_("must be after start_date"),
    N_("must be between 1 (low) and 5 (high)"),
    N_("a check-in needs key-result updates or a note"),
    N_("must be a finite number"),
    N_("does not match the link"),
    N_("is required (YYYY-MM-DD)"),
)
GENERAL = N_("Check this answer: %(reason)s")
NOT_ACCEPTED = N_("This was not accepted: %(reason)s")

_LENGTH = re.compile(r"must be at most (\d+) characters")
# Errors other than INVALID_ARGUMENT name their field as a "field: reason" prefix.
_PREFIXED = re.compile(r"^([a-z_]+(?:\[\d+\])?(?:\.[a-z_]+)?): (.+)$")


@dataclass
class FormErrors:
    """Field name -> message, in the order the form shows the fields; `general` for what names no field."""

    fields: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fields or self.general)

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, message)


def translate_reason(description: str, gettext: Callable[[str], str]) -> str:
    if description in KNOWN_DESCRIPTIONS:
        return gettext(description)
    length = _LENGTH.fullmatch(description)
    if length:
        return gettext("must be at most %(count)s characters") % {"count": length.group(1)}
    return gettext(GENERAL) % {"reason": description}


def from_rpc_error(
    err: grpc.aio.AioRpcError, field_names: Mapping[str, str], translations: NullTranslations, order: tuple[str, ...] = ()
) -> FormErrors:
    """Maps service field paths (examples[0].situation) to form fields (situation); unknown ones go to the summary."""
    gettext = translations.gettext
    pairs = field_violations(err)
    if not pairs:
        match = _PREFIXED.match(err.details() or "")
        if match:
            pairs = [(match.group(1), match.group(2))]
    errors = FormErrors()
    for service_field, description in pairs:
        normalised = re.sub(r"\[\d+\]", "", service_field)
        name = field_names.get(service_field) or field_names.get(normalised)
        if name:
            errors.add(name, translate_reason(description, gettext))
        else:
            errors.general.append(gettext(NOT_ACCEPTED) % {"reason": translate_reason(description, gettext)})
    if not pairs:
        errors.general.append(gettext(NOT_ACCEPTED) % {"reason": err.details() or err.code().name})
    if order:
        errors.fields = {k: errors.fields[k] for k in sorted(errors.fields, key=lambda k: order.index(k) if k in order else len(order))}
    return errors
