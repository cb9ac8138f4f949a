import json
from importlib import resources

import pytest

from subplane.domain.offers import OfferCatalogue


@pytest.fixture(scope="session")
def offers() -> OfferCatalogue:
    return OfferCatalogue.from_list(json.loads(resources.files("subplane.data").joinpath("offers.json").read_text()))
