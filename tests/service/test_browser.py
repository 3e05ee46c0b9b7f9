"""The web page in headless Chromium: ask the example question, see the streamed answer, open a citation."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SMALL_DOCS
from tests.service.cdp import Browser, Page, find_chromium
from tests.service.conftest import Server

pytestmark = pytest.mark.slow

SCREENSHOT_COPY = Path("/tmp/service_screenshot.png")


def _install_chromium() -> str | None:
    """Install Debian's chromium (and CJK fonts, for readable screenshots) when missing and allowed."""
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, capture_output=True, timeout=600)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium", "fonts-noto-cjk"],
            check=True,
            env=env,
            capture_output=True,
            timeout=1200,
        )
    except (subprocess.SubprocessError, OSError):
        return None
    return find_chromium()


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium() or _install_chromium()
    if path is None:
        pytest.skip("headless Chromium is not installed and could not be installed (needs root and apt-get)")
    return path


@pytest.fixture
def page(chromium: str, tmp_path: Path) -> Iterator[Page]:
    browser = Browser(chromium, tmp_path / "profile")
    try:
        p = browser.page()
        p.call("Page.enable")
        p.call("Emulation.setDeviceMetricsOverride", width=1280, height=820, deviceScaleFactor=1, mobile=False)
        yield p
        p.close()
    finally:
        browser.close()


def test_page_asks_streams_and_opens_a_citation(page: Page, server: Server, tmp_path: Path) -> None:
    page.call("Page.navigate", url=f"{server.url}/")
    page.wait_for("document.readyState === 'complete' && /篇文档/.test(document.getElementById('meta').textContent)")
    # Type and send as a user would: focus, insert text, press the button.
    page.evaluate("document.getElementById('question').focus()")
    page.call("Input.insertText", text="昌都搬迁了多少人?")
    page.evaluate("document.getElementById('send').click()")
    page.wait_for(
        "document.body.dataset.state === 'idle' && document.querySelectorAll('.msg.assistant').length === 1"
        " && document.querySelectorAll('.msg.assistant button.cite').length > 0",
        timeout=60,
    )
    answer = page.evaluate("document.querySelector('.msg.assistant .body').textContent")
    assert "9.9万人" in answer or "7211人" in answer
    assert not page.evaluate("document.querySelector('.msg.assistant').classList.contains('error')")

    page.evaluate("document.querySelector('.msg.assistant button.cite').click()")
    page.wait_for("document.body.dataset.citation === '1'")
    shown = page.evaluate(
        "({mark: document.querySelector('#panel mark').textContent,"
        " src: document.getElementById('panel-src').textContent,"
        " text: document.getElementById('panel-text').textContent})"
    )
    # The highlighted span is exactly the cited text of the source document, shown in its context.
    source = next(name for name in SMALL_DOCS if name in shown["src"])
    assert shown["mark"] and shown["mark"] in SMALL_DOCS[source]
    assert len(shown["text"]) > len(shown["mark"])
    assert page.evaluate("document.querySelector('button.cite.active') !== null")

    shot = page.screenshot(tmp_path / "page.png")
    assert shot.stat().st_size > 10_000
    shutil.copyfile(shot, SCREENSHOT_COPY)


def test_page_auto_asks_from_query_string(page: Page, server: Server) -> None:
    page.call("Page.navigate", url=f"{server.url}/?q=" + "拉萨累计投入产业项目资金多少?")
    page.wait_for("document.querySelectorAll('.msg.assistant button.cite').length > 0", timeout=60)
    assert "10亿元" in page.evaluate("document.querySelector('.msg.assistant .body').textContent")


def test_page_uploads_a_file_under_its_csp(page: Page, server: Server, tmp_path: Path) -> None:
    # The page's fetches carry its own Origin (a POST always does): the Origin check must let them through.
    doc = tmp_path / "browser-upload.txt"
    doc.write_text("那曲市易地扶贫搬迁\n\n那曲市完成易地扶贫搬迁1.2万人。\n", encoding="utf-8")
    page.call("Page.navigate", url=f"{server.url}/")
    page.wait_for("document.readyState === 'complete' && /篇文档/.test(document.getElementById('meta').textContent)")
    root = page.call("DOM.getDocument")["root"]["nodeId"]
    node = page.call("DOM.querySelector", nodeId=root, selector="#file")["nodeId"]
    page.call("DOM.setFileInputFiles", files=[str(doc)], nodeId=node)
    page.evaluate("document.getElementById('upload').click()")
    status = page.wait_for(
        "/已添加|上传失败/.test(document.getElementById('upload-status').textContent)"
        " && document.getElementById('upload-status').textContent",
        timeout=60,
    )
    assert "已添加：browser-upload.txt" in status, status
    assert server.pipeline.document("browser-upload.txt").text == doc.read_text(encoding="utf-8")
    server.pipeline.delete("browser-upload.txt")
