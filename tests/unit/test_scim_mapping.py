"""How a SCIM User or Group reads in the directory's terms (paars_goals.domain.scim); the HTTP side and the
compliance run are tests/identity/test_identity_scim.py."""
from __future__ import annotations

import pytest

from paars_goals.domain import scim

ENTERPRISE = scim.ENTERPRISE


def test_a_user_gives_its_display_name_primary_email_manager_department_and_activity() -> None:
    person = scim.person({
        "userName": "noor", "displayName": " Noor Haddad ", "name": {"givenName": "N", "familyName": "H"},
        "emails": [{"value": "other@x.be"}, {"value": "Noor@X.be", "primary": True}], "active": False, "timezone": "Europe/Brussels",
        ENTERPRISE: {"manager": {"value": "jan", "$ref": "https://x/Users/jan"}, "department": "Finance"},
    })
    assert person == scim.Person("Noor Haddad", "noor@x.be", False, "jan", "Finance", "Europe/Brussels")


def test_a_user_without_a_display_name_falls_back_to_its_name_parts_then_its_user_name() -> None:
    assert scim.person({"userName": "u1", "name": {"formatted": "Formal Name"}}).name == "Formal Name"
    assert scim.person({"userName": "u1", "name": {"givenName": "Given", "familyName": "Family"}}).name == "Given Family"
    bare = scim.person({"userName": "u1"})
    assert (bare.name, bare.email, bare.active, bare.manager_id, bare.department) == ("u1", "", True, "", "")
    # The first e-mail when none is primary; junk shapes are ignored rather than trusted.
    assert scim.person({"userName": "u", "emails": [{"value": "a@b.be"}, {"value": "c@d.be"}]}).email == "a@b.be"
    assert scim.person({"userName": "u", "emails": ["nope"], ENTERPRISE: "nope", "name": "nope"}).email == ""


def test_names_are_unique_case_insensitively_and_members_are_ids() -> None:
    assert scim.name_key(scim.USER, {"userName": " BJensen "}) == "bjensen"
    assert scim.name_key(scim.GROUP, {"displayName": "Paars HR"}) == "paars hr"
    assert scim.name_key(scim.USER, {}) == ""
    assert scim.members({"members": [{"value": "a"}, {"value": " "}, {"display": "no id"}, "junk", {"value": "b"}]}) == {"a", "b"}


def test_a_department_without_a_team_gets_a_team_id_made_from_its_name() -> None:
    assert scim.department_team_id("Research & Development") == "dept-research-development"
    assert scim.department_team_id("***") == "dept-team"
    assert len(scim.department_team_id("x" * 300)) <= 64


def test_role_groups_map_a_group_name_to_a_role_and_bad_entries_are_refused() -> None:
    roles = {"hr": 3, "admin": 5}
    assert scim.parse_role_groups("hr=Paars HR, admin = Paars Admins ,", roles) == {"paars hr": 3, "paars admins": 5}
    assert scim.parse_role_groups("", roles) == {}
    for bad in ("hr", "boss=Bosses", "hr="):
        with pytest.raises(ValueError, match="PAARS_SCIM_ROLE_GROUPS"):
            scim.parse_role_groups(bad, roles)
