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


def fill_region_choices(form, whole_areas: bool = False, within=()) -> None:
    """Choices of a form's RegionFields; a `region_code` outside them is cleared, so that
    DataRequired refuses it (only codes of the tree are accepted). `whole_areas`: the district
    select also offers the whole city or, before a city is chosen, the whole province (a
    course or a training institution may cover one; a trainee lives in a district).
    `within`: region codes the user is limited to (an officer's scope); only the provinces
    and cities that reach into them are offered, and only the districts and whole areas
    inside them (the services check the scope again)."""
    province, city, tree = _region_tree(form.province.data, form.city.data,
                                        form.region_code.data, within)
    provinces, cities, districts = tree
    if city and not districts and not regions.children(city):
        districts = [(city, regions.name(city))]  # a city without districts (e.g. Dongguan)
    elif whole_areas and city and regions.covered(city, within):
        districts = [(city, _("Whole city: %(name)s", name=regions.name(city)))] + districts
    elif whole_areas and province and not city and regions.covered(province, within):
        districts = [(province, _("Whole province: %(name)s", name=regions.name(province)))]
    pick = [("", _("Choose…"))]
    form.province.choices = choices(pick + provinces)
    form.city.choices = choices(pick + cities)
    form.region_code.choices = choices(pick + districts)
    form.province.data, form.city.data = province, city
    if form.region_code.data not in {c for c, _n in districts}:
        form.region_code.data = ""


def _region_tree(province, city, code, within):
    """The province and city picked (a code's own when none was), each only if it is a node
    of the tree reaching into `within`, and the choices at each level: (province, city,
    (provinces, cities, districts))."""
    code = code or ""
    known = regions.is_code(code)
    province = province or (code[:2] + "0000" if known else "")
    city = city or (code[:4] + "00" if known and not code.endswith("0000") else "")
    provinces = [(c, n) for c, n in regions.children() if regions.overlaps(c, within)]
    if province not in dict(provinces):  # only codes of the tree lead anywhere
        province = ""
    cities = [(c, n) for c, n in regions.children(province) if regions.overlaps(c, within)] \
        if province else []
    if city not in dict(cities):  # also a city of another province
        city = ""
    districts = [(c, n) for c, n in regions.children(city) if regions.covered(c, within)] \
        if city else []
    if city and not districts and not regions.covered(city, within):
        city = ""  # its districts all lie outside the scope
    return province, city, (provinces, cities, districts)


class RegionFilterFields:
    """Province → city → district selects of a filter (or of a form whose region may be
    "everywhere", as a national subsidy policy), each optional: fill_region_filter returns the
    most specific level chosen, nothing chosen meaning every region (or the officer's own).
    Rendered with the `region_filter` macro; static/js/regions.js fills them as the user
    picks, and without JavaScript the filter button shows the next level."""

    province = SelectField(_l("Province"), validate_choice=False)
    city = SelectField(_l("City"), validate_choice=False)
    region = SelectField(_l("District or county"), validate_choice=False)


def fill_region_filter(form, within=(), everywhere: str | None = None) -> str:
    """Fills a RegionFilterFields form's choices from what was picked (a `region` of any
    level, as a link may carry, shows at its level) and returns the region to filter by:
    the district, else the city, else the province, else "". With `within` (an officer's
    scope), a province or city that only reaches into it is never the filter itself.
    `everywhere`: the label of choosing no province (default: all regions)."""
    form.region.data = regions.normalise(form.region.data or "")  # a prefix: `33` → 330000
    province, city, (provinces, cities, districts) = _region_tree(
        form.province.data, form.city.data, form.region.data, within)
    if city and not districts and not regions.children(city):
        districts = [(city, regions.name(city))]
    everywhere = everywhere or (_("All your regions") if within else _("All regions"))
    form.province.choices = choices([("", everywhere)] + provinces)
    form.city.choices = choices([("", _("All cities"))] + cities)
    form.region.choices = choices([("", _("All districts"))] + districts)
    form.province.data, form.city.data = province, city
    if form.region.data not in {c for c, _n in districts}:
        form.region.data = ""
    for code in (form.region.data, city, province):
        if code and regions.covered(code, within):
            return code
    return ""
