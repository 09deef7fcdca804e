"""Region names and the province → city → district tree come from the bundled division codes."""

from core import regions


def test_names_and_tree():
    assert regions.name("330482") == "平湖市"
    assert regions.full_name("330482") == "浙江省 嘉兴市 平湖市"
    assert regions.full_name("110101") == "北京市 东城区"   # no "市辖区" placeholder
    assert regions.full_name("33") == "浙江省"
    assert ("330400", "嘉兴市") in regions.children("330000")
    assert ("330482", "平湖市") in regions.children("3304")
    assert len(regions.children()) >= 31
    assert regions.name("999999") == "999999" and not regions.is_known("999999")


def test_scope_by_prefix():
    assert regions.within("330482", "330400") and regions.within("330482", "33")
    assert not regions.within("431002", "330000")


def test_a_full_code_of_the_list():
    assert all(regions.is_code(c) for c in ("330482", "330400", "330000"))
    assert not any(regions.is_code(c) for c in ("33", "3304", "339999", "990482", "33048a", "",
                                                None))
