"""The built wheel carries its data and works from any directory."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, openskies
from openskies import load_treaty
treaty = load_treaty()
view = treaty.as_of("2019-06-01")
print(json.dumps({
    "module": openskies.__file__,
    "sources": treaty.sources,
    "members": len(view.members),
    "usa": view.passive_quota("USA"),
    "airfields": len(treaty.all_airfields),
    "restrictions": len(treaty.all_restrictions),
    "territories": len(treaty.territory_codes),
    "kubinka": view.airfield("UUMB").max_distance_km,
}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built without network access to a build backend."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
    )
    (built,) = out.glob("openskies-*.whl")
    return built


def test_wheel_contains_every_data_file(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    for directory in ("quotas", "geodata"):
        for path in (ROOT / directory).iterdir():
            if path.is_file():
                assert f"openskies/_data/{directory}/{path.name}" in names
    assert "openskies/py.typed" in names


def test_installed_wheel_loads_its_own_data_from_another_directory(
    wheel: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True
    )
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [
                str(python),
                "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # the runtime dependencies come from this environment; openskies from the wheel
    (site / "deps.pth").write_text(
        "\n".join(
            sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
        )
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run(
        [str(python), "-c", PROBE],
        cwd=elsewhere,
        check=True,
        capture_output=True,
        text=True,
    )
    facts = json.loads(result.stdout)
    assert facts["module"].startswith(str(site))
    assert facts["sources"]["quotas"].startswith(str(site / "openskies" / "_data"))
    assert facts["sources"]["geodata"].startswith(str(site / "openskies" / "_data"))
    assert facts["members"] == 34
    assert facts["usa"] == 42
    assert facts["kubinka"] == 5500
    assert facts["territories"] >= 34
    table = (ROOT / "geodata" / "airfields.csv").read_text(encoding="utf-8")
    assert facts["airfields"] == len(table.splitlines()) - 1
