"""Pages for the moderators' CSV bulk update of statuses and waits (see `directory.bulk_update`)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
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


def bulk_update_page(request: HttpRequest) -> HttpResponse:
    if (response := _require_moderator(request)) is not None:
        return response
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    row_errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        text, file_error = bulk_update.decode_upload(form.cleaned_data["csv_file"].read())
        then = None
        if not file_error:
            try:
                then = bulk_update.states_when_downloaded(text)
            except ValueError as exc:
                file_error = str(exc)
        if file_error:
            form.add_error("csv_file", file_error)
        else:
            states = {state.public_id: state for state in bulk_update.current_states()}
            result = bulk_update.check_upload(text, states, today=timezone.localdate(), then=then)
            if result.whole_file:
                # Said of the file, without "Fix this row": there is no row to fix.
                for error in result.errors:
                    form.add_error("csv_file", error)
            else:
                row_errors = result.errors
            if not result.errors:
                applied = bulk_update.apply_changes(result.changes, user=request.user)
                messages.success(
                    request,
                    _("Saved: %(statuses)d statuses changed and %(waits)d waiting times recorded. "
                      "%(unchanged)d rows had no changes.")
                    % {"statuses": applied.statuses, "waits": applied.waits, "unchanged": result.unchanged_rows},
                )
                return redirect("directory:bulk_update")
    status = 400 if request.method == "POST" else 200
    return render(request, "directory/bulk_update.html", {"form": form, "row_errors": row_errors}, status=status)
