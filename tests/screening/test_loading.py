"""Instruments are loaded as versions that never change: the shipped ones with the reference data, a licensed
one from the file its licence holder supplies (`manage.py load_instrument FILE`)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from ketenzicht.screening.engine.instrument import InstrumentError, load_instrument
from ketenzicht.screening.instruments import (
    INSTRUMENTS_DIR,
    instrument_files,
    instrument_of,
    instruments_load,
)
from ketenzicht.screening.models import InstrumentVersion

pytestmark = pytest.mark.django_db

LICENSED_EXAMPLE = Path(__file__).resolve().parent / "data" / "licensed_example.yaml"
SHIPPED = {"ex_partner_stalking_open", "lethality_triggers", "marac_criteria"}


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_shipped_instruments_are_loaded_once_as_open_versions() -> None:
    rows = InstrumentVersion.objects.all()
    assert {row.code for row in rows} == SHIPPED
    assert {row.licence for row in rows} == {"open"}
    again = instruments_load()
    assert [created for _, created in again] == [False] * len(instrument_files())
    assert InstrumentVersion.objects.count() == len(instrument_files()) == 4
    # A new version of an instrument is a row beside the old one, which stays as it was loaded.
    assert list(
        InstrumentVersion.objects.filter(code="ex_partner_stalking_open").values_list("version", flat=True)
    ) == [1, 2]
    row = InstrumentVersion.objects.get(code="marac_criteria", version=1)
    assert instrument_of(row) == load_instrument(INSTRUMENTS_DIR / "marac_criteria.v1.yaml")


def test_load_reference_data_loads_the_instruments(capsys: pytest.CaptureFixture[str]) -> None:
    InstrumentVersion.objects.all().delete()
    output = _run("load_reference_data")
    assert "instrument marac_criteria v1\n" in output
    assert "instrument ex_partner_stalking_open v2\n" in output
    assert InstrumentVersion.objects.count() == 4
    assert "instrument marac_criteria v1 (unchanged)" in _run("load_reference_data")


def test_a_loaded_version_never_changes(tmp_path: Path) -> None:
    for path in instrument_files():
        shutil.copy(path, tmp_path / path.name)
    changed = tmp_path / "lethality_triggers.v1.yaml"
    changed.write_text(changed.read_text(encoding="utf-8").replace("Signalen van levensgevaar", "Anders"))
    with pytest.raises(InstrumentError) as refusal:
        instruments_load(tmp_path)
    assert refusal.value.problems == [
        "version: version 1 of lethality_triggers is already loaded with other content; "
        "publish the change as a new version"
    ]
    assert InstrumentVersion.objects.get(code="lethality_triggers").name == "Signalen van levensgevaar"


def test_a_licensed_instrument_is_never_shipped(tmp_path: Path) -> None:
    shutil.copy(LICENSED_EXAMPLE, tmp_path / "fictional_licensed_example.v1.yaml")
    with pytest.raises(InstrumentError, match=r"licence\.kind: a licensed instrument is not shipped"):
        instruments_load(tmp_path)
    assert not InstrumentVersion.objects.filter(licence="licensed").exists()


def test_load_instrument_loads_a_licensed_file_once() -> None:
    output = _run("load_instrument", str(LICENSED_EXAMPLE))
    assert "instrument fictional_licensed_example v1 (licensed, licence holder Stichting Fictief" in output
    row = InstrumentVersion.objects.get(code="fictional_licensed_example")
    assert (row.licence, row.licence_holder) == ("licensed", "Stichting Fictief Voorbeeld (bestaat niet)")
    assert instrument_of(row) == load_instrument(LICENSED_EXAMPLE)
    assert "already loaded (unchanged)" in _run("load_instrument", str(LICENSED_EXAMPLE))
    assert InstrumentVersion.objects.filter(code="fictional_licensed_example").count() == 1


def test_load_instrument_refuses_a_file_that_does_not_validate_naming_each_field(tmp_path: Path) -> None:
    document = yaml.safe_load(LICENSED_EXAMPLE.read_text(encoding="utf-8"))
    del document["licence"]["holder"]
    document["scoring"]["rules"][0]["item"] = "threat_of_death"
    document["scoring"]["rules"][1]["in"] = ["panic"]
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(CommandError) as refusal:
        _run("load_instrument", str(broken))
    assert str(refusal.value) == (
        f"{broken}: instrument refused, nothing stored:\n"
        "  - licence.holder: a licensed instrument must name its licence holder\n"
        "  - scoring.rules.0.item: unknown item 'threat_of_death' in rule 'threat_floor'\n"
        "  - scoring.rules.1.in: 'panic' is not a choice of item 'mood'"
    )
    assert not InstrumentVersion.objects.filter(code="fictional_licensed_example").exists()


def test_load_instrument_refuses_a_changed_version_and_a_missing_file(tmp_path: Path) -> None:
    _run("load_instrument", str(LICENSED_EXAMPLE))
    changed = tmp_path / "changed.yaml"
    changed.write_text(LICENSED_EXAMPLE.read_text(encoding="utf-8") + "\n# a comment changes the hash\n")
    with pytest.raises(CommandError, match="version 1 of fictional_licensed_example is already loaded"):
        _run("load_instrument", str(changed))
    with pytest.raises(CommandError, match="no such file"):
        _run("load_instrument", str(tmp_path / "missing.yaml"))
