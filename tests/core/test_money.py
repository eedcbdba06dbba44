"""Money reads the same everywhere: whole cents with thousands separators, and a positive amount
below half a cent as "< $0.01" (never "$0.00", which reads as free)."""

from studio.core.money import usd, usd_price, usd_range


def test_amounts():
    assert usd(0) == "$0.00"
    assert usd(0.0004) == "< $0.01"
    assert usd(0.006) == "$0.01"
    assert usd(1234.5) == "$1,234.50"


def test_ranges_collapse_when_the_bounds_read_the_same():
    assert usd_range(0.45, 0.68, 0.91) == "$0.68 (between $0.45 and $0.91)"
    assert usd_range(0.0001, 0.0002, 0.0003) == "< $0.01"


def test_unit_prices_keep_their_decimals():
    assert usd_price(2.5) == "$2.50"
    assert usd_price(0.075) == "$0.075"
