"""The CADA's opinions: searching them, reading one, and the "Avis comparables" of a
request (the opinions most like it, the ones it cites, citing and un-citing).

Opinions are read-only here: only `flask cada import` changes them."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from workflow import precedents
from workflow.accounts.access import editable_by, get_request_or_404
from workflow.core.extensions import db
from workflow.core.params import database_id, page_number
from workflow.forms import CitationForm
from workflow.models import AccessRequest
from workflow.models.authorities import AUTHORITY_KINDS
from workflow.models.precedents import OUTCOME_LABELS

bp = Blueprint("precedents", __name__, url_prefix="/avis-cada")


def _filters() -> precedents.Filters:
    args = request.args
    outcome = args.get("sens", "")
    kind = args.get("administration", "")
    year = args.get("annee", type=int)
    return precedents.Filters(outcome=outcome if outcome in OUTCOME_LABELS else "",
                              year=year if year is not None and 1900 <= year <= 2999 else None,
                              kind=kind if kind in AUTHORITY_KINDS else "")


def _can_change(access_request: AccessRequest) -> bool:
    return bool(db.session.scalar(select(AccessRequest.id).where(AccessRequest.id == access_request.id,
                                                                 editable_by(AccessRequest, current_user))))


@bp.route("/")
def index():
    query = request.args.get("q", "").strip()
    filters = _filters()
    searched = bool(query) or filters != precedents.Filters()
    results = precedents.search(query, filters, request.args.get("page", 1, type=page_number)) if searched else None
    # Searching to cite in a request: the results open with the citation form.
    demande = request.args.get("demande", type=database_id)
    demande_id = get_request_or_404(demande, current_user).id if demande else None
    return render_template("precedents/index.html", query=query, filters=filters, results=results,
                           years=precedents.years(), outcomes=OUTCOME_LABELS, kinds=AUTHORITY_KINDS,
                           demande_id=demande_id, imported=precedents.any_imported())


@bp.route("/numero")
def by_number():
    number = request.args.get("numero", "").strip()
    demande = request.args.get("demande", type=database_id)
    if precedents.opinion(number) is None:
        flash(f"Aucun avis de la CADA n'a le numéro « {number[:20]} ».", "error")
        if demande:
            return redirect(url_for("precedents.for_request", request_id=demande), 303)
        return redirect(url_for("precedents.index"), 303)
    return redirect(url_for("precedents.show", number=number, demande=demande), 303)


@bp.route("/<number>")
def show(number: str):
    opinion = precedents.opinion(number)
    if opinion is None:
        abort(404, "Aucun avis de la CADA n'a ce numéro.")
    access_request, form = None, None
    request_id = request.args.get("demande", type=database_id)
    if request_id:
        access_request = get_request_or_404(request_id, current_user)
        if _can_change(access_request):
            form = CitationForm(number=opinion.number, holding=precedents.suggested_holding(opinion))
    return render_template("precedents/show.html", opinion=opinion, access_request=access_request, form=form,
                           demande_id=access_request.id if access_request else None,
                           sentences=precedents.sentences(opinion.text), outcomes=OUTCOME_LABELS, kinds=AUTHORITY_KINDS)


@bp.route("/demandes/<int:request_id>")
def for_request(request_id: int):
    access_request = get_request_or_404(request_id, current_user)
    cited = precedents.cited(access_request)
    suggested = precedents.suggestions(access_request, exclude={citation.opinion_id for citation in cited})
    return render_template("precedents/request.html", access_request=access_request, cited=cited,
                           suggested=suggested, can_edit=_can_change(access_request),
                           sentences=precedents.sentences, suggested_holding=precedents.suggested_holding,
                           outcomes=OUTCOME_LABELS, kinds=AUTHORITY_KINDS, awaiting_index=precedents.awaiting_count())


@bp.post("/demandes/<int:request_id>/citations")
def cite(request_id: int):
    access_request = get_request_or_404(request_id, current_user, for_change=True)
    form = CitationForm()
    back = redirect(url_for("precedents.for_request", request_id=access_request.id), 303)
    if not form.validate_on_submit():
        for name, errors in form.errors.items():
            for error in errors:
                flash(f"{form[name].label.text if name in form else name} : {error}", "error")
        return back
    try:
        citation, new = precedents.cite(access_request, form.number.data, form.holding.data, current_user)
    except precedents.CitationError as error:
        flash(str(error), "error")
        if precedents.opinion(form.number.data or "") is not None:
            return redirect(url_for("precedents.show", number=form.number.data.strip(), demande=access_request.id), 303)
        return back
    flash(f"Avis n° {citation.opinion.number} {'cité' if new else 'déjà cité : phrase citée mise à jour'}. "
          "Il sera cité dans la saisine de la CADA, le courrier après son avis et la requête au tribunal.", "success")
    return back


@bp.post("/demandes/<int:request_id>/citations/<number>/retirer")
def uncite(request_id: int, number: str):
    access_request = get_request_or_404(request_id, current_user, for_change=True)
    if precedents.uncite(access_request, number, current_user):
        flash(f"Avis n° {number} retiré des avis cités.", "success")
    else:
        flash(f"L'avis n° {number} n'était pas cité.", "info")
    return redirect(url_for("precedents.for_request", request_id=access_request.id), 303)
