"""Sign in and out, accept an invitation, and (moderators) invite providers."""

from __future__ import annotations

import math
import uuid

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import LoginView, LogoutView, redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import get_language, ngettext, ngettext_lazy
from django.utils.translation import gettext as _

from directory import control_characters, pagination
from directory.accounts import services
from directory.accounts.decorators import form_data, login_required, moderator_required, moderator_required_post
from directory.accounts.forms import (
    AccountSettingsForm,
    InvitationForm,
    MembershipFilterForm,
    PasswordResetRequestForm,
    ResetPasswordForm,
    SetPasswordForm,
    SignInForm,
)
from directory.accounts.languages import preferred_language
from directory.accounts.models import Invitation, Membership
from directory.accounts.selectors import membership_changes_pending, membership_list_open
from directory.mail_language import BOTH
from directory.models import Organisation
from servicemap import rate_limits

RESETS_TOO_MANY = ngettext_lazy(
    "Many password resets have been asked for from your connection in a short time, so no email has been "
    "sent. Try again in about %(minutes)s minute.",
    "Many password resets have been asked for from your connection in a short time, so no email has been "
    "sent. Try again in about %(minutes)s minutes.",
    "minutes",
)


SIGN_IN_PAUSED = ngettext_lazy(
    "Many wrong passwords have been sent from your connection in a short time, so signing in from it is "
    "paused. Try again in about %(minutes)s minute, or reset your password.",
    "Many wrong passwords have been sent from your connection in a short time, so signing in from it is "
    "paused. Try again in about %(minutes)s minutes, or reset your password.",
    "minutes",
)


class SignInView(LoginView):
    """django-axes pauses one address after wrong passwords from one client; this also pauses a
    client after SIGN_IN_FAILURE_RATE wrong passwords for any addresses (a few common passwords
    tried on every provider's address would never lock one), before the password is checked."""

    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        retry_after = rate_limits.refused("sign_in_failures", request, settings.SIGN_IN_FAILURE_RATE)
        if retry_after is None:
            return super().post(request, *args, **kwargs)
        response = render(request, "accounts/sign_in_paused.html", {
            "message": SIGN_IN_PAUSED % {"minutes": math.ceil(retry_after / 60)}}, status=429)
        response["Retry-After"] = str(math.ceil(retry_after))
        return response

    def get_redirect_url(self) -> str:
        # A ?next= holding a control character passes Django's same-site check and was echoed,
        # NUL and all, into the form's hidden box: the page it names, without them.
        return control_characters.strip(super().get_redirect_url())

    def form_invalid(self, form):
        rate_limits.wait_before("sign_in_failures", self.request, settings.SIGN_IN_FAILURE_RATE)  # counts it
        return super().form_invalid(form)


class SignOutView(LogoutView):
    """Signing out is a POST (a link or a prefetch must not sign anyone out). A GET, from a typed
    or bookmarked address, was a blank 405 page: it gets a page with the button instead."""

    http_method_names = ["get", "post", "options"]

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return render(request, "accounts/logout.html")

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Said on the page it leads to: on a shared computer, the next person must not be left
        # wondering whether the last one is still signed in (GOV.UK: confirm signing out).
        response = super().post(request, *args, **kwargs)
        messages.success(request, _("You are signed out"))
        return response


class PasswordResetStartView(auth_views.PasswordResetView):
    """Ask for a reset link. The answer is the same whether or not the address has an account."""

    template_name = "accounts/password_reset.html"
    form_class = PasswordResetRequestForm
    email_template_name = "emails/password_reset.txt"
    subject_template_name = "emails/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_sent")

    def form_valid(self, form):
        # Counted per client, whatever the address: one client cannot fill a mailbox with links or
        # probe addresses quickly (the answer never says whether one has an account anyway).
        retry_after = rate_limits.wait_before("password_reset", self.request, settings.PASSWORD_RESET_RATE)
        if retry_after is None:
            return super().form_valid(form)
        form.add_error(None, RESETS_TOO_MANY % {"minutes": math.ceil(retry_after / 60)})
        response = self.render_to_response(self.get_context_data(form=form), status=429)
        response["Retry-After"] = str(math.ceil(retry_after))
        return response


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_sent.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "hours": settings.PASSWORD_RESET_TIMEOUT // 3600}


class PasswordResetChooseView(auth_views.PasswordResetConfirmView):
    """The link from the email: choose a new password. Works once (the token is made from the
    password it replaces) and until PASSWORD_RESET_TIMEOUT."""

    template_name = "accounts/password_reset_choose.html"
    form_class = ResetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        # Whoever followed the link holds the mailbox: a lock-out from the wrong passwords that led
        # here would otherwise refuse the new one for AXES_COOLOFF_HOURS. Others guessing at the
        # account are locked again after AXES_FAILURE_LIMIT more.
        axes_reset(username=self.user.get_username())
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_from_token(token)
    except ValidationError as exc:
        return render(request, "accounts/invitation_invalid.html", {"message": exc.messages[0]}, status=400)
    if request.user.is_authenticated:
        if not services.invitation_is_for(invitation, request.user):
            # Said before the Accept button, not after it: the way on is to sign out first.
            return render(request, "accounts/invitation_invalid.html", {
                "message": services.INVITATION_WRONG_ACCOUNT, "signed_in_as": request.user.email,
            }, status=400)
        if request.method == "POST":
            try:
                services.invitation_accept(invitation=invitation, user=request.user)
            except ValidationError as exc:
                return render(request, "accounts/invitation_invalid.html", {"message": exc.messages[0]}, status=400)
            messages.success(request, _("You can now edit %(org)s's listings.") % {"org": invitation.organisation.name})
            return redirect("listings:dashboard")
        return render(request, "accounts/accept_invitation.html", {"invitation": invitation, "form": None})
    if services.account_exists(invitation.email):
        messages.info(request, services.ACCOUNT_EXISTS)  # the sign-in page says why it is there
        return redirect_to_login(request.get_full_path())
    # The language of the page they opened (the invitation links to both) is the likelier choice.
    form = SetPasswordForm(request.POST if request.method == "POST" else None, email=invitation.email,
                           initial={"language": get_language()})
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(invitation=invitation, password=form.cleaned_data["password1"],
                                              language=form.cleaned_data["language"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            login(request, user, backend="directory.accounts.backends.SignInBackend")
            messages.success(request, _("Welcome. You can now edit %(org)s's listings.") % {"org": invitation.organisation.name})
            return redirect("listings:dashboard")
    return render(request, "accounts/accept_invitation.html", {"invitation": invitation, "form": form})


def _invitation_not_sent(invitation: Invitation, language: str) -> str:
    """What the moderator is told, in their page's language, when the invitation's email did not go:
    the link to send themselves, to the page in the language the invitation is in (their own page's
    language may not be the invitee's), or both pages, Welsh first, as the email would have."""
    urls = services.invitation_urls(invitation, language)
    if len(urls) == 1:
        return _(
            "The invitation to %(email)s is saved, but the email could not be sent: the mail server "
            "did not answer. Send them this link yourself: %(url)s"
        ) % {"email": invitation.email, "url": urls[0]}
    return _(
        "The invitation to %(email)s is saved, but the email could not be sent: the mail server did not "
        "answer. Send them these links yourself, to the same page in Welsh and in English. Welsh: %(welsh)s "
        "English: %(english)s"
    ) % {"email": invitation.email, "welsh": urls[0], "english": urls[1]}


@moderator_required
def invite(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(form_data(request), inviter=request.user)
    if request.method == "POST" and form.is_valid():
        not_sent: list[bool] = []
        with transaction.atomic():
            organisation = form.cleaned_data["organisation"]
            if organisation is None:
                # The English name, from a Welsh page too: `name` there is the Welsh column, and an
                # organisation named only in Welsh had no name on every English page.
                organisation = Organisation(name_en=form.cleaned_data["new_organisation"].strip())
                organisation.full_clean()
                organisation.save()
            invitation = services.invitation_create(
                email=form.cleaned_data["email"], organisation=organisation, invited_by=request.user,
                language=form.cleaned_data["language"], email_failed=lambda: not_sent.append(True),
            )
        # The email went (or not) as the block above committed.
        if not_sent:
            # The link is how the invitation reaches its provider: the moderator can send it themselves.
            language = services.invitation_language(email=invitation.email, chosen=form.cleaned_data["language"])
            messages.warning(request, _invitation_not_sent(invitation, language))
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
        return redirect("accounts:invite")
    invitations = Invitation.objects.select_related("organisation", "invited_by")[:50]
    return render(request, "accounts/invite.html", {
        "form": form, "invitations": invitations, "now": timezone.now(), **_people(request),
    })


MEMBERSHIPS_PAGE_SIZE = 50


def _people(request: HttpRequest) -> dict:
    """The Invite page's list of who can edit listings: searched, and a page at a time (at national
    scale there are thousands; the invitation form stays at the top of a short page)."""
    people_form = MembershipFilterForm(request.GET)
    people_form.is_valid()  # a search too long is said by its box; the whole list is shown meanwhile
    search = people_form.cleaned_data.get("people", "")
    page = Paginator(membership_list_open(search=search), MEMBERSHIPS_PAGE_SIZE).get_page(request.GET.get("people_page"))
    return {
        "people_form": people_form, "people_searched": bool(search.strip()), "memberships": page,
        "people_items": pagination.page_items(page.paginator, page.number), "ellipsis": pagination.ELLIPSIS,
    }


@moderator_required_post
def invitation_withdraw(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Stop an invitation's link working before it is accepted (a mistyped address, someone who left)."""
    invitation = get_object_or_404(Invitation, public_id=public_id)
    try:
        services.invitation_withdraw(invitation=invitation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Invitation to %(email)s withdrawn: its link no longer works.") % {
            "email": invitation.email})
    return redirect("accounts:invite")


@moderator_required
def membership_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a provider's access to one organisation away (someone who has left), after asking: the
    Invite page links here (GET, the question); the answer is a POST. Only the Django admin could
    before, which a moderator made with create_moderator cannot open."""
    membership = get_object_or_404(Membership.objects.select_related("user", "organisation"), pk=pk)
    person = membership.user.email or membership.user.get_username()
    pending = membership_changes_pending(membership=membership)
    if request.method == "POST":
        services.membership_remove(membership=membership)
        done = _("%(person)s can no longer edit %(organisation)s's listings.") % {
            "person": person, "organisation": membership.organisation.name}
        if pending:
            # Said again once done: the changes are still there to be decided (moderation queue).
            done += " " + ngettext(
                "The change they sent is still waiting for approval in the moderation queue.",
                "The %(n)s changes they sent are still waiting for approval in the moderation queue.", pending,
            ) % {"n": pending}
        messages.success(request, done)
        return redirect("accounts:invite")
    return render(request, "accounts/membership_remove.html", {
        "membership": membership, "person": person, "pending": pending})


@moderator_required_post
def account_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """Open again an account closed for not being used (listed on the moderation page)."""
    user = get_object_or_404(get_user_model(), pk=pk)
    try:
        services.account_reopen(user=user, by=request.user, now=timezone.now())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(email)s can sign in again.") % {"email": user.email or user.get_username()})
    return redirect("listings:moderation")


@login_required
def account_settings(request: HttpRequest) -> HttpResponse:
    """The signed-in account's own settings: the language its emails are written in."""
    chosen = preferred_language(request.user)
    form = AccountSettingsForm(form_data(request),
                               initial={"language": None if chosen == BOTH else chosen})
    if request.method == "POST" and form.is_valid():
        services.account_language_set(user=request.user, language=form.cleaned_data["language"])
        if form.cleaned_data["language"] == "cy":
            messages.success(request, _("Saved. We will email you in Welsh."))
        else:
            messages.success(request, _("Saved. We will email you in English."))
        return redirect("accounts:settings")
    return render(request, "accounts/settings.html", {"form": form, "not_chosen": chosen == BOTH})
