"""What a browser audit of `make run` counts as « enable text compression »: every text resource of
the citizen app that gzip would shrink by 1,400 bytes or more (Lighthouse's threshold) arrives
compressed, as API Gateway and CloudFront serve it on AWS."""

from __future__ import annotations

import gzip
import re
from typing import Any

TEXT = re.compile(r"^(text/|application/([\w.-]+\+)?json|application/javascript|image/svg\+xml)")
LIGHTHOUSE_MIN_SAVINGS = 1400


def test_the_citizen_app_is_served_compressed_to_a_browser(page: Any) -> None:
    answers: list[Any] = []
    page.on("response", lambda answer: answers.append(answer))
    page.goto("/")
    page.wait_for_load_state("networkidle")

    audited = []
    for answer in answers:
        kind = answer.headers.get("content-type", "")
        if answer.status != 200 or not TEXT.match(kind):
            continue
        body = answer.body()  # as decoded by the browser
        savings = len(body) - len(gzip.compress(body))
        encoding = answer.headers.get("content-encoding", "")
        audited.append((answer.url, len(body), encoding))
        if savings >= LIGHTHOUSE_MIN_SAVINGS and savings >= 0.1 * len(body):
            assert encoding in ("gzip", "br"), f"{answer.url}: {len(body)} bytes sent uncompressed"
            assert "Accept-Encoding" in answer.headers.get("vary", ""), answer.url
    assert any(url.endswith("/") and encoding == "gzip" for url, _, encoding in audited), audited
    assert sum(1 for _, _, encoding in audited if encoding == "gzip") >= 3, audited
