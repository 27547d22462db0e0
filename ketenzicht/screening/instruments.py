"""The instrument files shipped in data/instruments/ and those supplied by licence holders, loaded into
InstrumentVersion rows, and read back by version."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.db import transaction

from .engine.instrument import (
    Instrument,
    InstrumentError,
    LicenceKind,
    instrument_from_document,
    load_instrument,
)
from .models import InstrumentVersion

DATA_DIR = Path(__file__).resolve().parent / "data"
INSTRUMENTS_DIR = DATA_DIR / "instruments"
GOLDEN_DIR = DATA_DIR / "golden"


def instrument_files(data_dir: Path = INSTRUMENTS_DIR) -> list[Path]:
    return sorted(data_dir.glob("*.v*.yaml"))


def _store(instrument: Instrument, source: str) -> bool:
    """Store one validated instrument; False when this version is already loaded with the same content.
    The same version with other content is refused: a loaded version never changes."""
    existing = InstrumentVersion.objects.filter(code=instrument.code, version=instrument.version).first()
    if existing is not None:
        if existing.content_hash != instrument.content_hash:
            raise InstrumentError(
                source,
                [
                    f"version: version {instrument.version} of {instrument.code} is already loaded with "
                    "other content; publish the change as a new version"
                ],
            )
        return False
    InstrumentVersion.objects.create(
        code=instrument.code,
        version=instrument.version,
        name=instrument.name,
        licence=instrument.licence.kind.value,
        licence_holder=instrument.licence.holder or "",
        content_hash=instrument.content_hash,
        document=instrument.model_dump(mode="json", by_alias=True),
    )
    return True


def instruments_load(data_dir: Path = INSTRUMENTS_DIR) -> list[tuple[Instrument, bool]]:
    """Load every shipped instrument file; (instrument, created) each, all or nothing. Only open
    instruments are shipped: a licensed one in the shipped folder is refused."""
    loaded: list[tuple[Instrument, bool]] = []
    with transaction.atomic():
        for path in instrument_files(data_dir):
            instrument = load_instrument(path)
            if instrument.licence.kind is not LicenceKind.OPEN:
                raise InstrumentError(
                    str(path),
                    [
                        "licence.kind: a licensed instrument is not shipped; its licence holder supplies it "
                        "(manage.py load_instrument FILE)"
                    ],
                )
            loaded.append((instrument, _store(instrument, str(path))))
    return loaded


def instrument_load_file(path: Path) -> tuple[Instrument, bool]:
    """Load one instrument file, e.g. a licensed instrument supplied by its licence holder."""
    instrument = load_instrument(path)
    with transaction.atomic():
        return instrument, _store(instrument, str(path))


@lru_cache(maxsize=64)
def _parsed(content_hash: str, code: str, version: int) -> Instrument:
    document = InstrumentVersion.objects.values_list("document", flat=True).get(code=code, version=version)
    return instrument_from_document(document, f"{code} v{version}")


def instrument_of(instrument_version: InstrumentVersion) -> Instrument:
    """The instrument a screening is scored on (cached by content hash: a version never changes)."""
    return _parsed(instrument_version.content_hash, instrument_version.code, instrument_version.version)
