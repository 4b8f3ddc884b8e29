"""html_text: HTML to readable text, and nh3 sanitising for display."""

from __future__ import annotations

from parsers.html_text import html_to_text, sanitize_html
from tests.shared_paths import case


def test_blocks_entities_and_hidden_content() -> None:
    html = (
        "<html><head><title>T</title><style>p{color:red}</style></head><body>"
        "<script>alert(1)</script><p>Hello&nbsp;team,</p><div>line&amp;one<br>two</div>"
        "<ul><li>first</li><li>second</li></ul></body></html>"
    )
    text = html_to_text(html)
    assert text == "Hello team,\n\nline&one\ntwo\n\n- first\n- second"


def test_whitespace_collapsed_but_pre_kept() -> None:
    assert html_to_text("<p>a\n   b</p><pre>x  y\nz</pre>") == "a b\n\nx  y\nz"


def test_broken_html_still_yields_words() -> None:
    assert "words" in html_to_text("<div><p>words<b unclosed <<>")


def test_sanitize_removes_scripts_and_handlers() -> None:
    html = (
        '<p onclick="x()">Hi <a href="javascript:evil()">j</a> <a href="https://ok.example">ok</a>'
        '<img src="cid:image001.png@x" onerror="y()"><img src="http://e.example/i.png">'
        "<script>alert(1)</script><iframe src=x></iframe></p>"
    )
    clean = sanitize_html(html)
    for bad in ("onclick", "onerror", "javascript:", "<script", "alert", "<iframe"):
        assert bad not in clean
    assert 'src="cid:image001.png@x"' in clean and 'href="https://ok.example"' in clean
    assert 'src="http://e.example/i.png"' in clean


def test_case_27_sanitised() -> None:
    from parsers.mail import parse_mail

    sub = parse_mail(case("27-html-only.eml"))
    assert sub.html is not None
    clean = sanitize_html(sub.html)
    assert "<script" not in clean and "alert" not in clean and "no signal" in clean
