"""The people of a browser walk and what they do before the page under test: the citizen's
registration request on the form, the operator's opening ceremony and voting window with the
`vmre` command line, a reviewer signed in on the staff pages, and the mails they read from
the loopback SMTP server (tests/browser/test_one_citizen.py walks them end to end)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pyotp

from staff_login import sign_in_page
from vmre.registry.padron import SyntheticPadron
from vmre.simulacro.run import default_manifest_text

from .conftest import Operator, mails_to

STAFF_PASSWORD = "Revisora-del-registro-2027"
VOTER_PASSWORD = "Mi-voto-desde-Chicago-2027"
ISSUER_PASSPHRASE = "frase de la llave emisora del registro"
CUSTODIANS = (1, 2, 3)
PHRASE = {i: f"frase de paso del custodio {i}" for i in CUSTODIANS}
PNG = b"\x89PNG\r\n\x1a\n" + bytes(300)
PDF = b"%PDF-1.4\n" + bytes(300)
MEXICO = ZoneInfo("America/Mexico_City")


def citizens(count: int, entity: str = "JAL") -> list:
    """People of the synthetic register (the server's default one) from `entity` whose card
    the registry accepts: what their cards say."""
    found = []
    for record in SyntheticPadron(2024, 100_000):
        if (record.entity_id == entity and not record.issued_abroad and record.ocr
                and record.validity_year >= 2030 and record.second_surname):
            found.append(record)
            if len(found) == count:
                return found
    raise AssertionError(f"fewer than {count} suitable records in {entity}")


def the_citizen():
    return citizens(1)[0]


def papers(folder: Path) -> Path:
    """The files a walk needs in `folder`: the card's two sides and a proof of address (what
    the citizen uploads) and the election's manifest (what the custodians are given)."""
    for name, data in (("frente.png", PNG), ("reverso.png", PNG), ("domicilio.pdf", PDF)):
        (folder / name).write_bytes(data)
    manifest = folder / "manifiesto.yaml"
    manifest.write_text(default_manifest_text(), encoding="utf-8")
    return manifest


def process_add(op: Operator, election: str, entities: str,
                name: str = "Procesos Electorales Locales 2023-2024") -> tuple[str, ...]:
    """`vmre registry process-add` as the operator types it: registration open since
    yesterday for thirty days, corrections ten days more, cards valid from 2027."""
    now = dt.datetime.now(MEXICO).replace(tzinfo=None, microsecond=0)
    return ("registry", "process-add", "--election", election, "--name", name, "--opens",
            (now - dt.timedelta(days=1)).isoformat(), "--closes",
            (now + dt.timedelta(days=30)).isoformat(), "--corrections-until",
            (now + dt.timedelta(days=40)).isoformat(), "--card-min-year", "2027",
            "--entities", entities, "--db", op.db)


def open_registration(op: Operator, election: str) -> str:
    """The operator opens registration for four entities from yesterday for thirty days
    (docs/registry.md §1), adds the reviewer `revisora` and makes the registry's issuer key
    (§6, in `registry-issuer.key`); its public half, which the registry publishes."""
    made, *_ = op.run_each([
        (("registry", "issuer-key", "--out", "registry-issuer.key"),
         f"{ISSUER_PASSPHRASE}\n{ISSUER_PASSPHRASE}\n"),
        (process_add(op, election, "JAL,GTO,CDMX,PUE"), None),
        (("staff", "add", "revisora", "--roles", "administrator", "--db", op.db),
         f"{STAFF_PASSWORD}\n{STAFF_PASSWORD}\n")])
    return re.search(r"public key ([0-9a-f]{64})", made).group(1)


def mail_for(sink, address: str, subject: str, count: int = 1) -> list:
    """The mails to `address` whose subject holds `subject`. Every mail is handed to the SMTP
    server before the page or command that sends it answers (the server stores it before it
    says 250), so they are all there already."""
    found = mails_to(sink, address, subject)
    assert len(found) == count, [m["Subject"] for m in sink.messages]
    return found


def activate(page, link: str, phone: str, look=lambda step: None) -> pyotp.TOTP:
    """The voter's activation from the access mail's link: the phone's last four digits,
    the code app's enrolment and a password; `look` is called on each page reached. The
    voter's code app (its TOTP)."""
    page.goto(link)
    page.wait_for_selector("#credential-kept", state="visible")
    look("activacion")
    page.fill("#digits", phone[-4:])
    page.click("button[type=submit]")
    page.wait_for_url("**/voto/activar/factor")
    look("segundo factor")
    page.click("a[href='/voto/activar/factor?metodo=totp']")
    page.wait_for_selector("#totp-secret")
    look("aplicacion de codigos")
    totp = pyotp.TOTP(page.inner_text("#totp-secret"))
    page.fill("#code", totp.now())
    page.click("form[action='/voto/activar/totp'] button")
    page.wait_for_url("**/voto/activar/contrasena")
    look("contrasena")
    page.fill("#password", VOTER_PASSWORD)
    page.fill("#confirm", VOTER_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url("**/voto/entrar?activada=1")
    look("cuenta activada")
    return totp


def hold_ceremony(op: Operator, folder: Path, manifest: Path, secret: dict[int, str],
                  threshold: int = 2) -> None:
    """docs/ceremony.md: the opening ceremony among the custodians `secret` names (three, or
    one where the ceremony is not what is tested), each typing their own passphrase."""
    custodians = sorted(secret)
    op.run("ceremony", "init", str(manifest), "--custodians", str(len(custodians)),
           "--threshold", str(threshold), "--dir", str(folder))
    op.run_each([(("ceremony", "keygen", "--custodian", str(i), "--secret", secret[i],
                   "--dir", str(folder)), f"{PHRASE[i]}\n{PHRASE[i]}\n") for i in custodians])
    for step in ("deal", "check"):
        op.run_each([(("ceremony", step, "--custodian", str(i), "--secret", secret[i],
                       "--dir", str(folder)), f"{PHRASE[i]}\n") for i in custodians])
    assert ", ".join(map(str, custodians)) in op.run("ceremony", "finalize", "--dir",
                                                     str(folder))


def set_up_election(op: Operator, folder: Path, manifest: Path, secret: dict[int, str],
                    election: str, issuer: str) -> None:
    """The opening ceremony among three custodians (threshold two), then the election on the
    voting server."""
    hold_ceremony(op, folder, manifest, secret)
    register_election(op, folder, election, issuer)


def register_election(op: Operator, folder: Path, election: str, issuer: str) -> None:
    """The voting server's registration of the ceremony in `folder` (the registry's public
    issuer key fixes the fingerprint), its two audits and its window."""
    db = op.db
    assert election in op.run("election", "register", "--dir", str(folder), "--issuer", issuer,
                              "--db", db)
    # the two published audits by distinct firms the window needs (docs/ceremony.md)
    firms = ("Auditora Uno, S.C.", "Revisores Dos, S.A.")
    for n, firm in enumerate(firms, 1):
        (folder / f"dictamen-{n}.pdf").write_bytes(f"dictamen de {firm}".encode())
    op.run_each([(("election", "audit", "add", election, "--firm", firm, "--scope", "SIVEI",
                   "--from", "2026-01-05", "--to", "2026-02-05", "--opinion",
                   str(folder / f"dictamen-{n}.pdf"), "--link", f"https://ine.example/dictamen-{n}",
                   "--db", db), None) for n, firm in enumerate(firms, 1)])
    # the window with an explicit offset (Mexico City's), a day either side of now
    opens = dt.datetime.now(dt.timezone(dt.timedelta(hours=-6))).replace(microsecond=0)
    opens -= dt.timedelta(days=1)
    op.run("election", "schedule", election, opens.isoformat(),
           (opens + dt.timedelta(days=2)).isoformat(), "--db", db)


def submit(page, selector: str) -> None:
    """Send a form and wait for the page that answers it (not the one it was sent from)."""
    with page.expect_navigation():
        page.click(selector)


def staff_login(page, url: str) -> None:
    sign_in_page(page, url, "revisora", STAFF_PASSWORD)


CHICAGO = ("Illinois", "Chicago", "60608", "1200 W Cermak Rd")


def fill_request(page, citizen, email: str, phone: str, modality: str,
                 files: Path | dict[str, Path], where: tuple[str, str, str, str] = CHICAGO
                 ) -> str:
    """The citizen's request on /registro/solicitud, as their card and life say; the folio.
    `files` is a folder holding frente.png, reverso.png and domicilio.pdf, or the file of
    each upload field; `where` the region, city, postal code and street abroad."""
    if isinstance(files, Path):
        files = {"card_front": files / "frente.png", "card_back": files / "reverso.png",
                 "proof": files / "domicilio.pdf"}
    page.wait_for_selector("form[action='/registro/solicitud']")
    page.fill("#f-given_names", citizen.given_names)
    page.fill("#f-first_surname", citizen.first_surname)
    page.fill("#f-second_surname", citizen.second_surname)
    page.fill("#f-birth_date", citizen.birth_date.isoformat())
    page.fill("#f-elector_key", citizen.elector_key)
    page.fill("#f-ocr", citizen.ocr)
    page.fill("#f-cic", citizen.cic)
    page.check("input[name=card_issued][value=mexico]")
    page.select_option("#f-entity_id", citizen.entity_id)
    page.select_option("#f-country", "US")
    for field, value in zip(("region", "city", "postal_code", "street"), where, strict=True):
        page.fill(f"#f-{field}", value)
    page.fill("#f-email", email)
    page.fill("#f-phone", phone)
    page.check(f"input[name=modality][value={modality}]")
    for field, path in files.items():
        page.set_input_files(f"#f-{field}", str(path))
    page.check("input[name=consent]")
    submit(page, "form[action='/registro/solicitud'] button[type=submit]")
    folio = page.inner_text("p.mono").strip()
    assert re.fullmatch(r"SRVE-[0-9A-Z]{10}", folio), page.inner_text("main")
    return folio
