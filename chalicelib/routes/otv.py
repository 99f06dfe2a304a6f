"""OTV form: the blank printable PDF and the pre-filled one (what the citizen typed is not stored)."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.errors import AppError
from chalicelib.routes import ApiBlueprint

bp = ApiBlueprint(__name__)
PDF = "application/pdf"


@bp.route("/otv/form.pdf", methods=["GET"])
def otv_blank_form() -> Response:
    from chalicelib import otv

    _require_pdf_accepted()
    return _pdf(otv.blank_form(), "formulaire-otv.pdf", cache="public, max-age=86400")


@bp.route("/otv/form", methods=["POST"])
def otv_filled_form() -> Response:
    from chalicelib import otv

    _require_pdf_accepted()
    form = bp.body(otv.OtvForm)
    return _pdf(otv.filled_form(form), "demande-otv.pdf", cache="no-store")


def _pdf(body: bytes, filename: str, *, cache: str) -> Response:
    headers: dict[str, str | list[str]] = {
        "Content-Type": PDF,
        "Content-Disposition": f'inline; filename="{filename}"',
        "Cache-Control": cache,
    }
    return Response(body=body, status_code=200, headers=headers)


def _require_pdf_accepted() -> None:
    """API Gateway returns binary bodies only to requests that accept them (Chalice enforces the
    same rule with an English 400): say it in French, before any work. Browsers send `*/*`."""
    accept = (bp.header("accept") or "").lower()
    if PDF not in accept and "*/*" not in accept:
        raise AppError("not_acceptable")
