"""Form helpers shared by features."""

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from core import regions


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms SelectChoice objects (tuples are deprecated in 3.3)."""
    return [SelectChoice(str(value), label) for value, label in pairs]


def show_service_error(form, error, renames: dict | None = None,
                       with_details: bool = False) -> None:
    """Put a ServiceError's field messages on the form's fields (`renames` maps API field names
    to form field names); flash the message when no field could show it."""
    from flask import flash

    def as_list(messages):
        return messages if isinstance(messages, list) else [messages]

    shown = False
    for name, messages in error.fields.items():
        target = (renames or {}).get(name, name)
        if target in form:
            form[target].errors = list(form[target].errors) + [str(m) for m in as_list(messages)]
            shown = True
    if not shown:
        details = "; ".join(str(m) for ms in error.fields.values() for m in as_list(ms))
        flash(error.message + (f" {details}" if with_details and details else ""), "error")


class RegionFields:
    """Province → city → district selects (GB/T 2260), the chosen code in `region_code`;
    `fill_region_choices` fills them from what was picked so far, so they work without
    JavaScript (static/js/regions.js fills them as the user picks). Templates render them
    with the `region_picker` macro."""

    province = SelectField(_l("Province"), validate_choice=False)
    city = SelectField(_l("City"), validate_choice=False)
    region_code = SelectField(_l("District or county"), validate_choice=False, validators=[
        DataRequired(message=_l("Choose the province, city and district."))])


class AnyLevelRegionFields(RegionFields):
    """Where a course, an institution, an order or a target is: a district, a whole city or a
    whole province (fill the choices with `whole_areas=True`)."""

    region_code = SelectField(_l("District, whole city or whole province"),
                              validate_choice=False, validators=[DataRequired(message=_l(
                                  "Choose the province, then a district, a whole city or "
                                  "the whole province."))])


def picking_region() -> bool:
    """The `region_picker` macro's no-JS button ("show cities and districts") was pressed:
    the form comes back with the next level's choices and nothing is saved."""
    return "pick_region" in request.form


def fill_region_choices(form, whole_areas: bool = False) -> None:
    """Choices of a form's RegionFields; a `region_code` outside them is cleared, so that
    DataRequired refuses it (only codes of the tree are accepted). `whole_areas`: the district
    select also offers the whole city or, before a city is chosen, the whole province (a
    course or a training institution may cover one; a trainee lives in a district)."""
    code = form.region_code.data or ""
    known = regions.is_code(code)
    province = form.province.data or (code[:2] + "0000" if known else "")
    city = form.city.data or (code[:4] + "00" if known and not code.endswith("0000") else "")
    pick = [("", _("Choose…"))]
    provinces = regions.children()
    if province not in dict(provinces):  # only codes of the tree lead anywhere
        province = ""
    form.province.choices = choices(pick + provinces)
    cities = regions.children(province) if province else []
    if city not in dict(cities):  # also a city of another province
        city = ""
    form.city.choices = choices(pick + cities)
    districts = regions.children(city) if city else []
    if city and not districts:  # cities without districts (e.g. Dongguan) are the region
        districts = [(city, regions.name(city))]
    elif whole_areas and city:
        districts = [(city, _("Whole city: %(name)s", name=regions.name(city)))] + districts
    elif whole_areas and province:
        districts = [(province, _("Whole province: %(name)s", name=regions.name(province)))]
    form.region_code.choices = choices(pick + districts)
    form.province.data, form.city.data = province, city
    if form.region_code.data not in {c for c, _n in districts}:
        form.region_code.data = ""
