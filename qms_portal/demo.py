"""Demo data of later apps: `seed_demo` (in agencies) runs every seeder registered here after its own.

Each app registers in its AppConfig.ready(); a seeder takes the demo province and returns a one-line
summary, and must be idempotent like seed_demo itself.
"""

from collections.abc import Callable

Seeder = Callable[..., str]
_seeders: list[tuple[int, str, Seeder]] = []


def register_seeder(name: str, seeder: Seeder, *, order: int = 50) -> None:
    if all(existing != name for _order, existing, _seeder in _seeders):
        _seeders.append((order, name, seeder))
        _seeders.sort(key=lambda entry: entry[0])


def run_seeders(province) -> list[str]:
    return [seeder(province) for _order, _name, seeder in _seeders]
