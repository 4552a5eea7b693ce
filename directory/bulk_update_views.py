"""Pages for the moderators' CSV bulk update of statuses and waits (see `directory.bulk_update`)."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directory import bulk_update
from directory.accounts.roles import is_moderator


class UploadForm(forms.Form):
    csv_file = forms.FileField(
        label=gettext_lazy("Upload the edited CSV file"),
        error_messages={
            "required": gettext_lazy("Choose the CSV file to upload"),
            "empty": gettext_lazy("The file is empty."),
        },
    )


def _require_moderator(request: HttpRequest) -> HttpResponse | None:
    """Moderators only (the same permission as the moderation queue): anonymous users log in, others get a 403."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not is_moderator(request.user):
        raise PermissionDenied(_("Only directory moderators can update services in bulk."))
    return None


def bulk_update_csv(request: HttpRequest) -> HttpResponse:
    if (response := _require_moderator(request)) is not None:
        return response
    filename = f"service-waits-{timezone.localdate().isoformat()}.csv"
    # When, on every row: an upload compares each row with the service as it was then (`bulk_update.states_at`).
    # Taken before the services are read: a change saved in between must count as after, not as in the file.
    downloaded_at = timezone.now()
    csv_text = bulk_update.write_csv(bulk_update.current_states(), downloaded_at=downloaded_at)
    response = HttpResponse(csv_text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _upload_page(
    request: HttpRequest, form: UploadForm, *, file_errors: Sequence[str] = (), row_errors: Sequence[str] = ()
) -> HttpResponse:
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "file_errors": list(file_errors), "row_errors": list(row_errors)}
    return render(request, "directory/bulk_update.html", context, status=status)


def _errors(result: bulk_update.UploadResult) -> dict[str, list[str]]:
    # A whole-file error is said of the file, without "Fix this row": there is no row to fix.
    return {"file_errors": result.errors} if result.whole_file else {"row_errors": result.errors}


def bulk_update_page(request: HttpRequest) -> HttpResponse:
    """Upload: check every row, then show the changes to confirm (nothing is saved here)."""
    if (response := _require_moderator(request)) is not None:
        return response
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if request.method != "POST" or not form.is_valid():
        return _upload_page(request, form)
    # No more than the limit and a byte (which says it is over) read into memory: a larger file is
    # refused unread, where the proxy in front does not stop it first (docs/deploy.md, 3 MB).
    text, file_error = bulk_update.decode_upload(form.cleaned_data["csv_file"].read(bulk_update.MAX_BYTES + 1))
    if file_error:
        return _upload_page(request, form, file_errors=[file_error])
    today = timezone.localdate()
    result, states = bulk_update.check_file(text, today=today)
    if result.errors:
        return _upload_page(request, form, **_errors(result))
    if not result.changes:
        messages.info(request, bulk_update.nothing_to_save_message(result.unchanged_rows))
        return redirect("directory:bulk_update")
    context = {
        "summary": bulk_update.summarise(result, states),
        "token": bulk_update.sign_check(text, result.changes, states, user_id=request.user.pk, today=today),
    }
    return render(request, "directory/bulk_update_check.html", context)


def bulk_update_confirm(request: HttpRequest) -> HttpResponse:
    """Confirm: check the file again on the services as they are now; save only the changes that were shown."""
    if (response := _require_moderator(request)) is not None:
        return response
    if request.method != "POST":
        return redirect("directory:bulk_update")
    try:
        text, checked, checked_on = bulk_update.unsign_check(request.POST.get("check", ""), user_id=request.user.pk)
    except ValueError as exc:
        return _upload_page(request, UploadForm(), file_errors=[str(exc)])
    # Checked again and saved with the file's services locked: nothing can change them in between.
    with transaction.atomic():
        bulk_update.lock_services(text)
        result, states = bulk_update.check_file(text, today=checked_on)
        if result.errors:
            return _upload_page(request, UploadForm(), **_errors(result))
        if bulk_update.fingerprint(result.changes, states) != checked:
            return _upload_page(request, UploadForm(), file_errors=[str(bulk_update.CHANGED_SINCE_CHECK)])
        applied = bulk_update.apply_changes(result.changes, user=request.user)
    messages.success(request, bulk_update.saved_message(applied, result.unchanged_rows))
    return redirect("directory:bulk_update")
