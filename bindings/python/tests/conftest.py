import pytest

import dlpjet

POLICY = """
version = 1
[default]
default_action = "warn"
[default.detectors.credit_card]
action = "block"
[default.detectors.email]
action = "redact"
[tenants.small]
limits = { max_input_bytes = 64 }
[tenants.roomy]
limits = { max_input_bytes = 64, on_exceed = "truncate" }
"""

# Texts with something to find, in several scripts, and without.
TEXTS = [
    "mail jane.doe@example.org today",
    "héllo wörld — jane@example.org, 🙂🙂 ok",
    "日本語のテキスト bob@example.com と 4111 1111 1111 1111",
    "SSN 123-45-6789 and IP 10.1.2.3 and AKIAERUWYPB5TD57UJZT",
    "e\u0301e\u0301 combining then tom@example.net 🙂",
    "nothing to see here",
    "",
]


@pytest.fixture(scope="session")
def scanner() -> dlpjet.Scanner:
    return dlpjet.Scanner()


@pytest.fixture(scope="session")
def policy_scanner() -> dlpjet.Scanner:
    return dlpjet.Scanner(POLICY)
