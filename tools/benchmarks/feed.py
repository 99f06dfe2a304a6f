"""Feed and OTV numbers: PDF generation (blank, pre-filled), feed paging and a zone-wide reminder
on the embedded AWS (moto, in process). The issue sets no target: the rows only report."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

ROUNDS = 30


def run() -> list[dict[str, Any]]:
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ.pop("AWS_ENDPOINT_URL", None)
    from moto import mock_aws

    from chalicelib import aws
    from chalicelib.config import get_settings

    rows = _pdf_rows()
    with mock_aws():
        aws.reset()
        get_settings.cache_clear()
        from tools.bootstrap import create_all

        create_all()
        rows += _feed_rows()
        rows += _reminder_rows()
    aws.reset()
    return rows


def _pdf_rows() -> list[dict[str, Any]]:
    from chalicelib import otv, otv_pdf

    departure = date.today() + timedelta(days=10)
    form = otv.OtvForm.model_validate(
        {
            "last_name": "Dupont", "first_name": "Zoé", "phone": "0612345678", "address": "3 rue des Lilas",
            "postal_code": "34000", "commune": "Montpellier", "home_type": "maison",
            "departure_date": str(departure), "return_date": str(departure + timedelta(days=14)),
            "key_holders": [{"name": "Jean Martin", "phone": "0467112233"}], "remarks": "Volets programmés.",
        }
    )  # fmt: skip
    blank_ms = _median_ms(lambda: otv_pdf.form(None, None))
    filled_ms = _median_ms(lambda: otv_pdf.form(form, None))
    return [
        _row("otv blank form", "render time (median)", blank_ms, "ms"),
        _row("otv blank form", "size", len(otv.blank_form()) / 1024, "KiB"),
        _row("otv filled form", "render time (median)", filled_ms, "ms"),
        _row("otv filled form", "size", len(otv_pdf.form(form, None)) / 1024, "KiB"),
    ]


def _feed_rows() -> list[dict[str, Any]]:
    from chalicelib import feed

    item = feed.FeedItemBody(title="Pensez à l'OTV", body="Inscrivez-vous avant de partir.", kind="otv")
    publish_ms = _median_ms(lambda: feed.publish(item, author="bench"), rounds=100)
    first = feed.page(limit=20, cursor=None)
    page_ms = _median_ms(lambda: feed.page(limit=20, cursor=first["next_cursor"]))
    return [
        _row("feed publish (moto)", "time (median)", publish_ms, "ms"),
        _row("feed page of 20 (moto)", "time (median)", page_ms, "ms"),
    ]


def _reminder_rows() -> list[dict[str, Any]]:
    from chalicelib import feed

    started = time.perf_counter()
    result = feed.push_prevention("Pensez à l'Opération Tranquillité Vacances.", author="bench", departments=_zone_b())
    seconds = time.perf_counter() - started
    return [_row(f"zone reminder to {len(result['delivery'])} départements (moto)", "time", seconds * 1000, "ms")]


def _zone_b() -> list[str]:
    from chalicelib import departements

    return departements.in_school_zone("B")


def _median_ms(call: Callable[[], object], rounds: int = ROUNDS) -> float:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _row(benchmark: str, metric: str, value: float, unit: str) -> dict[str, Any]:
    return {"benchmark": benchmark, "metric": metric, "value": round(value, 2), "unit": unit, "target": "", "ok": None}
