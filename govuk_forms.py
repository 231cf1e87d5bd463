"""A thin layer between WTForms fields and the GOV.UK Frontend Jinja macros.

Each *_params function turns a bound field into the parameters its GOV.UK macro
takes, so templates stay one line per question and errors always carry the
field's own message and anchor.
"""

from datetime import date

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import Field, RadioField, SelectChoice, SelectMultipleField, ValidationError
from wtforms.utils import unset_value
from wtforms.validators import InputRequired, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

DATE_PARTS = ("day", "month", "year")


class DateInputField(Field):
    """Three boxes (day, month, year) posted as NAME-day, NAME-month and NAME-year."""

    def __init__(self, label=None, validators=None, what=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.what = what or label
        self.parts = dict.fromkeys(DATE_PARTS, "")
        self.error_parts: tuple[str, ...] = ()
        self._problem = None

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        if data is unset_value:
            data = self.default() if callable(self.default) else self.default
        self.object_data = data
        self.data = data if isinstance(data, date) else None
        if self.data:
            self.parts = {"day": str(data.day), "month": str(data.month), "year": str(data.year)}
        if formdata is not None and any(f"{self.name}-{p}" in formdata for p in DATE_PARTS):
            self.parts = {p: formdata.get(f"{self.name}-{p}", "").strip() for p in DATE_PARTS}
            self.raw_data = list(self.parts.values())
            self.data = self._parse()

    def _parse(self):
        missing = tuple(p for p in DATE_PARTS if not self.parts[p])
        if len(missing) == 3:
            self._problem, self.error_parts = _l("Enter %(what)s", what=self.what), DATE_PARTS
            return None
        if missing:
            messages = {
                "day": _l("The date must include a day"),
                "month": _l("The date must include a month"),
                "year": _l("The date must include a year"),
            }
            self._problem, self.error_parts = messages[missing[0]], missing
            return None
        if not all(self.parts[p].isdigit() for p in DATE_PARTS):
            self._problem = _l("The date must be a real date, written in numbers")
            self.error_parts = tuple(p for p in DATE_PARTS if not self.parts[p].isdigit())
            return None
        if len(self.parts["year"]) != 4:
            self._problem, self.error_parts = _l("The year must have 4 numbers"), ("year",)
            return None
        try:
            return date(*(int(self.parts[p]) for p in ("year", "month", "day")))
        except ValueError:
            self._problem = _l("The date must be a real date")
            self.error_parts = DATE_PARTS
            return None

    def pre_validate(self, form):
        # StopValidation, because InputRequired would otherwise run next, see three empty
        # boxes, wipe this message and put its own untranslated "This field is required."
        if self._problem:
            raise StopValidation(self._problem)
        if self.data is None and self.flags.required:
            self.error_parts = DATE_PARTS
            raise StopValidation(_l("Enter %(what)s", what=self.what))

    def anchor(self):
        return f"{self.id}-{self.error_parts[0] if self.error_parts else 'day'}"


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class ChoiceField(RadioField):
    """Radios whose every failure, a tampered value included, shows the question's own message."""

    def __init__(self, label=None, message=None, **kwargs):
        kwargs.setdefault("validators", [InputRequired(message=message)])
        super().__init__(label, **kwargs)
        self.message = message

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None

    def pre_validate(self, form):
        if self.raw_data and not any(choice.selected for choice in self.iter_choices()):
            raise ValidationError(self.message)


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        allowed = {choice.value for choice in self.iter_choices()}
        if any(value not in allowed for value in self.data or []):
            raise ValidationError(_l("Select from the options shown"))


def _merge(base: dict, extra: dict) -> dict:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = _merge(dict(base[key]), value)
        else:
            base[key] = value
    return base


def error_message(text) -> dict:
    # The macro's hidden "Error:" prefix is English unless given; the page title's
    # translated "Error:" is the same word, so no second catalogue entry is needed.
    return {"text": str(text), "visuallyHiddenText": gettext("Error:").rstrip(":")}


def _common(field, extra):
    params = {"id": field.id, "name": field.name}
    if field.description:
        params["hint"] = {"text": str(field.description)}
    if field.errors:
        params["errorMessage"] = error_message(field.errors[0])
    return _merge(params, extra)


def input_params(field, **extra):
    value = field._value() if hasattr(field, "_value") else (field.data or "")
    base = {"value": value, "label": {"text": str(field.label.text)}, "spellcheck": False}
    return _common(field, _merge(base, extra))


def textarea_params(field, **extra):
    base = {"value": field.data or "", "label": {"text": str(field.label.text)}}
    return _common(field, _merge(base, extra))


def _fieldset(field, extra):
    legend = {"text": str(field.label.text), "classes": "govuk-fieldset__legend--m"}
    return _merge({"fieldset": {"legend": legend}}, extra)


def radios_params(field, conditional=None, **extra):
    items = []
    for choice in field.iter_choices():
        item = {"value": choice.value, "text": str(choice.label), "checked": choice.selected}
        if conditional and choice.value in conditional:
            item["conditional"] = {"html": conditional[choice.value]}
        items.append(item)
    return _common(field, _merge({"idPrefix": field.id, "items": items}, _fieldset(field, extra)))


def checkboxes_params(field, **extra):
    items = [
        {"value": choice.value, "text": str(choice.label), "checked": choice.selected}
        for choice in field.iter_choices()
    ]
    return _common(field, _merge({"idPrefix": field.id, "items": items}, _fieldset(field, extra)))


def date_params(field, **extra):
    width = {"day": 2, "month": 2, "year": 4}
    labels = {"day": _l("Day"), "month": _l("Month"), "year": _l("Year")}
    items = [
        {
            "id": f"{field.id}-{part}",
            "name": part,
            "label": str(labels[part]),
            "value": field.parts[part],
            "classes": f"govuk-input--width-{width[part]}"
            + (" govuk-input--error" if part in field.error_parts and field.errors else ""),
            "inputmode": "numeric",
        }
        for part in DATE_PARTS
    ]
    params = _merge({"namePrefix": field.name, "items": items}, _fieldset(field, extra))
    return _common(field, params)


def error_anchor(field):
    if isinstance(field, DateInputField):
        return field.anchor()
    return field.id


def error_summary_items(form):
    items = [
        {"text": str(field.errors[0]), "href": f"#{error_anchor(field)}"}
        for field in form
        if field.errors
    ]
    items += [{"text": str(message)} for message in getattr(form, "form_errors", [])]
    return items


def init_app(app):
    app.jinja_env.globals.update(
        govuk_input=input_params,
        govuk_textarea=textarea_params,
        govuk_radios=radios_params,
        govuk_checkboxes=checkboxes_params,
        govuk_date=date_params,
        error_summary_items=error_summary_items,
        govuk_error_message=error_message,
    )
