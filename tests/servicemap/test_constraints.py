"""constraints.txt pins every distribution the app and its tests run on, at the release installed.

`make setup`, `make bench` and the Docker image install with `-c constraints.txt`; this keeps the
file in step with what the suite actually ran on, so a clean clone installs the same set."""

from __future__ import annotations

from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from servicemap.settings import BASE_DIR

# Installed by `make bench` only: checked when present, not required.
OPTIONAL_EXTRAS = frozenset({"bench"})


def _pins(text: str) -> dict[str, str]:
    pins = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    return pins


def _wanted(requirement: Requirement, extras: frozenset[str]) -> bool:
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({"extra": extra}) for extra in extras | {""})


def _required_distributions(root: str, extras: frozenset[str]) -> dict[str, str]:
    """Every installed distribution `root` with `extras` needs, however deep, with its version."""
    found: dict[str, str] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(root, extras, False)]
    while todo:
        name, wanted_extras, optional = todo.pop()
        if (canonicalize_name(name), wanted_extras) in seen:
            continue
        seen.add((canonicalize_name(name), wanted_extras))
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            assert optional, f"{name} is required but not installed"
            continue
        if name != root:
            found[canonicalize_name(dist.metadata["Name"])] = dist.version
        for raw in dist.requires or []:
            requirement = Requirement(raw)
            if not _wanted(requirement, wanted_extras):
                continue
            only_optional = name == root and not _wanted(requirement, wanted_extras - OPTIONAL_EXTRAS)
            todo.append((requirement.name, frozenset(requirement.extras), only_optional))
    return found


def test_every_distribution_the_app_and_its_tests_need_is_pinned_at_the_release_installed():
    pins = _pins((BASE_DIR / "constraints.txt").read_text())
    installed = _required_distributions("servicemap", frozenset({"test"}) | OPTIONAL_EXTRAS)

    # The walk reaches deep: Django's own dependencies, and psycopg's binary extra.
    assert {"django", "asgiref", "sqlparse", "psycopg-binary", "pytest", "pluggy"} <= set(installed)
    missing = sorted(name for name in installed if name not in pins)
    assert not missing, f"not in constraints.txt (run `make lock`): {missing}"
    differ = {name: (version, pins[name]) for name, version in installed.items() if pins[name] != version}
    assert not differ, f"installed ≠ constraints.txt (run `make lock`): {differ}"


def test_the_pins_parse_as_one_exact_release_each():
    assert _pins("# a comment\nDjango==5.2.19\nfactory_boy==3.3.3  # why\n") == {
        "django": "5.2.19", "factory-boy": "3.3.3"}


def test_every_install_of_the_project_uses_the_constraints():
    makefile = (BASE_DIR / "Makefile").read_text()
    dockerfile = (BASE_DIR / "deploy" / "Dockerfile").read_text()
    installs = [line for line in (makefile + dockerfile).splitlines()
                if "pip install" in line and ("-e '." in line or "install ." in line)]
    assert len(installs) >= 3  # make setup, make bench, the image
    # `make lock` alone installs without them: it is how a new pin gets in.
    unconstrained = [line for line in installs if "-c constraints.txt" not in line]
    assert unconstrained == ["\t$(PY) -m pip install --quiet -e '.[test,bench]'"], unconstrained
