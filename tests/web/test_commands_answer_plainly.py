"""Commands as an operator types them (the `vmre` program in a subprocess): a person's
mistake gets the catalogue's message and exit code 2, never a traceback (which once showed
a password hash); `staff add` reads the password once from a pipe; a custodian's keygen
never overwrites what it made, and its secret file is readable by its owner only;
`sivei demo` says which election it made and what to run next."""

from __future__ import annotations

import re
import stat
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from staff_login import sign_in
from vmre.core.messages import text
from vmre.core.staff import Role
from vmre.simulacro.run import default_manifest_text
from vmre.web.app import create_app

VMRE = str(Path(sys.executable).with_name("vmre"))
PASSWORD = "contraseña-de-prueba"


def vmre(*args: str, stdin: str = "", cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([VMRE, *args], input=stdin, capture_output=True, text=True,
                          timeout=300, cwd=cwd)


def _plain(out: subprocess.CompletedProcess, key: str, **params: object) -> None:
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr and "$argon2" not in out.stderr + out.stdout
    assert text(key, "es", **params) in out.stderr


def test_staff_add_reads_one_line_from_a_pipe_and_refuses_mistakes_plainly(sqlite_url):
    made = vmre("staff", "add", "jefa", "--roles", "administrator", "--db", sqlite_url,
                stdin=f"{PASSWORD}\n")
    assert made.returncode == 0, made.stderr
    home = sign_in(TestClient(create_app(sqlite_url)), "jefa", PASSWORD)
    assert str(home.url).endswith("/admin/")  # the piped line is the password

    again = vmre("staff", "add", "jefa", "--roles", "administrator", "--db", sqlite_url,
                 stdin=f"{PASSWORD}\n")
    _plain(again, "core.staff.exists", username="jefa")
    role = vmre("staff", "add", "otra", "--roles", "reviewer,jefa-suprema", "--db",
                sqlite_url, stdin=f"{PASSWORD}\n")
    _plain(role, "core.staff.unknown_role", role="jefa-suprema",
           roles=", ".join(r.value for r in Role))
    empty = vmre("staff", "add", "otra", "--roles", "reviewer", "--db", sqlite_url, stdin="")
    _plain(empty, "core.staff.password_empty")
    weak = vmre("staff", "add", "otra", "--roles", "reviewer", "--db", sqlite_url,
                stdin="corta\n")
    _plain(weak, "core.staff.weak_password")
    unknown = vmre("staff", "password", "nadie", "--db", sqlite_url, stdin=f"{PASSWORD}\n")
    _plain(unknown, "core.staff.unknown_user", username="nadie")


def test_keygen_never_overwrites_and_the_secret_is_the_owners_alone(tmp_path):
    manifest = tmp_path / "manifiesto.yaml"
    manifest.write_text(default_manifest_text(), encoding="utf-8")
    shared = tmp_path / "compartida"
    assert vmre("ceremony", "init", str(manifest), "--custodians", "3", "--threshold", "2",
                "--dir", str(shared)).returncode == 0
    secret = tmp_path / "custodio-1.secreto"
    phrase = "frase de paso del custodio uno\n"
    first = vmre("ceremony", "keygen", "--custodian", "1", "--secret", str(secret), "--dir",
                 str(shared), stdin=phrase * 2)
    assert first.returncode == 0, first.stderr
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    announcement = shared / "announce-1.json"
    before = (secret.read_bytes(), announcement.read_bytes())

    again = vmre("ceremony", "keygen", "--custodian", "1", "--secret", str(secret), "--dir",
                 str(shared), stdin=phrase * 2)
    _plain(again, "voting.ceremony.keygen_exists", index=1, path=str(announcement))
    other_secret = tmp_path / "otro.secreto"  # a new secret file does not help either
    again = vmre("ceremony", "keygen", "--custodian", "1", "--secret", str(other_secret),
                 "--dir", str(shared), stdin=phrase * 2)
    _plain(again, "voting.ceremony.keygen_exists", index=1, path=str(announcement))
    assert (secret.read_bytes(), announcement.read_bytes()) == before
    assert not other_secret.exists()


def test_sivei_demo_names_its_election_and_the_next_step(sqlite_url, tmp_path):
    out = vmre("sivei", "demo", "--voters", "1", "--db", sqlite_url, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    first = out.stdout.splitlines()[0]
    assert first.startswith("Elección de demostración ") and "1 votantes" not in first
    # when it closes, on Mexico City's clock, the one way people read times, in both languages
    assert re.search(r"cierra el \d{1,2} de [a-z]+ de \d{4}, \d\d:\d\d \(hora del centro de "
                     r"México\);", first), first
    assert re.search(r"closes on \d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d \(Mexico City time\);",
                     first), first
    election = first.split()[3].rstrip(":")
    assert election and election in out.stdout.split("vmre election close ")[1]
    assert f"vmre serve --db {sqlite_url}" in out.stdout
