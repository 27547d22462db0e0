"""Reference data: loaded from versioned files, repeatable, every bad row named, nothing half stored."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ketenzicht.organisations.models import Municipality, Organisation, ReferenceDataVersion
from ketenzicht.organisations.refdata import ReferenceDataError
from ketenzicht.organisations.services import DATA_DIR, reference_data_load_organisations
from ketenzicht.registrations.models import Offence

pytestmark = pytest.mark.django_db

EXCHANGE_FORMAT_MUNICIPALITIES = {
    "GM0363": "amsterdam",
    "GM0599": "rotterdam",
    "GM0518": "den-haag",
    "GM0344": "midden-nederland",
    "GM0772": "oost-brabant",
    "GM0014": "noord-nederland",
    "GM0855": "zeeland-west-brabant",
    "GM0034": "midden-nederland",
    "GM0758": "zeeland-west-brabant",
    "GM0268": "oost-nederland",
    "GM0200": "oost-nederland",
    "GM0394": "noord-holland",
    "GM0503": "den-haag",
    "GM0392": "noord-holland",
    "GM0202": "oost-nederland",
    "GM0153": "oost-nederland",
    "GM0307": "midden-nederland",
    "GM0479": "noord-holland",
    "GM0796": "oost-brabant",
    "GM0193": "oost-nederland",
    "GM0546": "den-haag",
    "GM0935": "limburg",
    "GM0505": "rotterdam",
    "GM0867": "zeeland-west-brabant",
    "GM1674": "zeeland-west-brabant",
    "GM0513": "den-haag",
}


def test_the_chain_is_complete() -> None:
    police = Organisation.objects.filter(kind="politie")
    assert police.count() == 11 and police.filter(code="landelijke-eenheid").exists()
    offices = Organisation.objects.filter(kind="om")
    assert offices.count() == 10
    assert all(o.police_unit is not None and o.code == f"om-{o.police_unit.code}" for o in offices)
    assert Organisation.objects.filter(kind="veilig_thuis").count() == 25
    assert {"138", "184a", "266", "285", "285b", "300", "350", "310", "311"} <= set(
        Offence.objects.values_list("article", flat=True)
    )


def test_every_municipality_of_the_exchange_format_maps_to_its_unit_and_matching_office() -> None:
    for code, unit in EXCHANGE_FORMAT_MUNICIPALITIES.items():
        m = Municipality.objects.select_related("police_unit", "district_office", "vt_region").get(code=code)
        assert m.police_unit.code == unit, code
        assert m.district_office.police_unit == m.police_unit, code
        assert m.vt_region.kind == "veilig_thuis", code
    assert Municipality.objects.get(code="GM0867").vt_region.region_code == "VR20"  # Waalwijk
    assert Municipality.objects.get(code="GM0034").vt_region.region_code == "VR25"  # Almere


def test_loading_twice_changes_nothing() -> None:
    before = (Organisation.objects.count(), Municipality.objects.count())
    result = reference_data_load_organisations()
    assert not result.changed
    assert (Organisation.objects.count(), Municipality.objects.count()) == before
    assert ReferenceDataVersion.objects.get(dataset="organisations").version == result.version


def _copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def test_a_bad_row_is_named_and_nothing_is_stored(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    with (data / "municipalities.csv").open("a", encoding="utf-8") as f:
        f.write("GM9001,Nieuwgemeente,oost-brabant,vt-brabant-noordoost,om-oost-brabant\n")
        f.write("GM9002,Fout,nergens,vt-brabant-noordoost,om-oost-brabant\n")
        f.write("9003,,oost-brabant,VR99,om-oost-brabant\n")
    with pytest.raises(ReferenceDataError) as caught:
        reference_data_load_organisations(data_dir=data)
    found = {(e.line, e.field) for e in caught.value.errors}
    assert {(64, "police_unit"), (65, "name"), (65, "vt_region")} <= found
    assert not Municipality.objects.filter(code="GM9001").exists()


def test_the_full_cbs_list_can_be_dropped_in_with_cbs_headers(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    (data / "municipalities.csv").write_text(
        "Gemeentecode;Gemeentenaam;Veiligheidsregiocode;police_unit;district_office\n"
        "0796;'s-Hertogenbosch;VR21;oost-brabant;om-oost-brabant\n"
        "GM0828;Oss;VR21;oost-brabant;om-oost-brabant\n",
        encoding="utf-8",
    )
    result = reference_data_load_organisations(data_dir=data)
    assert result.counts["municipalities"] == 2 and result.changed
    assert Municipality.objects.get(code="GM0796").vt_region.code == "vt-brabant-noordoost"
