from __future__ import annotations

from tidings.unfurl.page import clean, decode, read_preview

URL = "https://docs.example.com/q3/plan"


def test_open_graph_wins_over_the_title() -> None:
    html = '<title>Plain</title><meta property="og:title" content="Rich">'
    preview = read_preview(URL, html)
    assert preview is not None and preview.title == "Rich"


def test_a_twitter_card_and_the_description_are_read() -> None:
    html = (
        '<meta name="twitter:title" content="Card title">'
        '<meta name="description" content="Plain description">'
    )
    preview = read_preview(URL, html)
    assert preview is not None
    assert (preview.title, preview.description) == ("Card title", "Plain description")
    assert preview.site_name == "docs.example.com"


def test_the_first_title_outside_pictures_is_the_title() -> None:
    html = "<svg><title>icon</title></svg><title>Real  \n title</title><title>later</title>"
    preview = read_preview(URL, html)
    assert preview is not None and preview.title == "Real title"


def test_a_page_with_nothing_to_show_has_no_preview() -> None:
    assert read_preview(URL, "<html><body><p>hello</p></body></html>") is None


def test_markup_and_control_characters_never_come_through() -> None:
    html = (
        '<meta property="og:title" content="&lt;script&gt;alert(1)&lt;/script&gt;Budget">'
        '<meta property="og:description" content="safe\u202etxt.exe\u0000 end">'
    )
    preview = read_preview(URL, html)
    assert preview is not None
    assert "<" not in preview.title and preview.title == "alert(1) Budget"
    assert preview.description == "safe txt.exe end"


def test_long_values_are_capped() -> None:
    html = f'<meta property="og:title" content="{"word " * 200}">'
    preview = read_preview(URL, html)
    assert preview is not None and len(preview.title) == 200 and preview.title.endswith("…")
    assert clean("a" * 10, 5) == "aaaa…"


def test_the_image_is_an_absolute_web_url_or_nothing() -> None:
    relative = read_preview(URL, '<title>t</title><meta property="og:image" content="../c.png">')
    assert relative is not None and relative.image_url == "https://docs.example.com/c.png"
    script = '<title>t</title><meta property="og:image" content="javascript:alert(1)">'
    preview = read_preview(URL, script)
    assert preview is not None and preview.image_url is None


def test_the_page_declares_its_charset_when_the_server_does_not() -> None:
    body = '<meta charset="windows-1252"><title>Caf\xe9</title>'.encode("cp1252")
    assert "Café" in decode(body, None)
    assert decode(b"\xff<title>x</title>", None).endswith("<title>x</title>")
