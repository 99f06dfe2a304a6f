"""Operator sign-in through Cognito: password, Cognito's challenges (TOTP code, first-login password
change, TOTP enrolment), silent refresh, logout, and TOTP enrolment of a signed-in operator.

Every answer is either the tokens (`{"id_token", "access_token", "refresh_token", "expires_in",
"groups", "username", "mfa"}`) or a challenge (`{"challenge": "totp" | "new_password" |
"mfa_setup", "session", "username", ...}`) that `POST /auth/challenge` completes. Password and
code tries are throttled by `chalicelib.throttle` per (username, client).
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any, Literal

from pydantic import Field, field_validator

from chalicelib import aws, throttle
from chalicelib.config import get_settings
from chalicelib.errors import AppError, field_error
from chalicelib.observability import metric
from chalicelib.validation import Body

log = logging.getLogger(__name__)

POLICY_TEXT = (
    "12 caractères au moins, dont une lettre majuscule, une lettre minuscule, un chiffre et un "
    "caractère spécial (par exemple ! ? - _ @ #). Ne réutilisez pas un mot de passe d'un autre service."
)
_CREDENTIALS_REFUSED = ("NotAuthorizedException", "UserNotFoundException")
_SESSION_REFUSED = ("NotAuthorizedException", "ResourceNotFoundException", "ExpiredCodeException")
_CODE_REFUSED = ("CodeMismatchException", "EnableSoftwareTokenMFAException", "InvalidParameterException")
_CODE = r"^[0-9]{6}$"


class LoginBody(Body):
    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=256)


class ChallengeBody(Body):
    """The answer to a challenge of `POST /auth/login`: `code` for `totp` and `mfa_setup`,
    `new_password` for `new_password`."""

    challenge: Literal["totp", "new_password", "mfa_setup"]
    username: str = Field(min_length=1, max_length=128)
    session: str = Field(min_length=20, max_length=4096)
    code: str | None = Field(default=None, pattern=_CODE)
    new_password: str | None = Field(default=None, max_length=256)


class RefreshBody(Body):
    refresh_token: str = Field(min_length=20, max_length=8192)


class LogoutBody(Body):
    access_token: str = Field(min_length=20, max_length=8192)


class EnrolBody(Body):
    access_token: str = Field(min_length=20, max_length=8192)


class ConfirmEnrolBody(Body):
    access_token: str = Field(min_length=20, max_length=8192)
    code: str = Field(pattern=_CODE)

    @field_validator("code", mode="before")
    @classmethod
    def _digits_only(cls, value: object) -> object:
        return re.sub(r"\s", "", value) if isinstance(value, str) else value


def _cognito() -> Any:
    settings = get_settings()
    if not settings.cognito_user_pool_id or not settings.cognito_client_id:
        raise AppError("service_unavailable", "Le service d'authentification n'est pas configuré.")
    return aws.client("cognito-idp")


# --- Password, then challenges ----------------------------------------------------------------


def login(username: str, password: str, *, client: str = "unknown") -> dict[str, Any]:
    """Tokens, or the challenge Cognito asks next. A wrong password and an unknown user get the same
    401 after the same minimum time (`login_failure_seconds`)."""
    cognito = _cognito()
    started = time.monotonic()
    with throttle.attempt(username, client) as reserved:
        try:
            answer = cognito.initiate_auth(
                ClientId=get_settings().cognito_client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
        except Exception as exc:  # botocore builds its modelled errors per client: match the code
            if aws.error_code(exc) not in _CREDENTIALS_REFUSED:
                raise
            log.info("login refused")
            metric("LoginFailures")
            _wait_until(started + get_settings().login_failure_seconds)
            raise AppError("bad_credentials") from None
        return _outcome(cognito, answer, username, reserved, mfa_done=False)


def answer_challenge(body: ChallengeBody, *, client: str = "unknown") -> dict[str, Any]:
    cognito = _cognito()
    client_id = get_settings().cognito_client_id
    new_password = _checked_password(body.new_password) if body.challenge == "new_password" else ""
    code = "" if body.challenge == "new_password" else _required_code(body.code)
    with throttle.attempt(body.username, client) as reserved:
        if body.challenge == "new_password":
            try:
                answer = cognito.respond_to_auth_challenge(
                    ClientId=client_id,
                    ChallengeName="NEW_PASSWORD_REQUIRED",
                    Session=body.session,
                    ChallengeResponses={"USERNAME": body.username, "NEW_PASSWORD": new_password},
                )
            except Exception as exc:
                raise _challenge_error(exc) from None
            return _outcome(cognito, answer, body.username, reserved, mfa_done=False)
        try:
            if body.challenge == "totp":
                answer = cognito.respond_to_auth_challenge(
                    ClientId=client_id,
                    ChallengeName="SOFTWARE_TOKEN_MFA",
                    Session=body.session,
                    ChallengeResponses={"USERNAME": body.username, "SOFTWARE_TOKEN_MFA_CODE": code},
                )
            else:
                verified = cognito.verify_software_token(
                    Session=body.session, UserCode=code, FriendlyDeviceName="Stop Cambriolages"
                )
                if verified.get("Status") != "SUCCESS":
                    raise AppError("bad_code")
                answer = cognito.respond_to_auth_challenge(
                    ClientId=client_id,
                    ChallengeName="MFA_SETUP",
                    Session=verified.get("Session") or body.session,
                    ChallengeResponses={"USERNAME": body.username},
                )
        except AppError:
            raise
        except Exception as exc:
            raise _challenge_error(exc) from None
        return _outcome(cognito, answer, body.username, reserved, mfa_done=True)


def _outcome(
    cognito: Any, answer: dict[str, Any], username: str, reserved: throttle.Attempt, *, mfa_done: bool
) -> dict[str, Any]:
    result = answer.get("AuthenticationResult")
    if result:
        if get_settings().mfa_required and not mfa_done:
            # The pool requires TOTP on this stage (infra: MfaConfiguration ON), so Cognito asks
            # for it itself; this refuses a pool left optional by mistake rather than trust it.
            raise AppError(
                "forbidden",
                "La double authentification (code à 6 chiffres) est obligatoire : demandez à votre "
                "administrateur de réinitialiser votre double authentification.",
            )
        reserved.succeeded()
        return tokens(result, mfa=mfa_done)
    reserved.not_counted()  # the password or code was right: only wrong ones count
    challenge, session = answer.get("ChallengeName"), answer.get("Session", "")
    if challenge == "SOFTWARE_TOKEN_MFA":
        return {"challenge": "totp", "session": session, "username": username}
    if challenge == "NEW_PASSWORD_REQUIRED":
        policy = {"password_policy": POLICY_TEXT}
        return {"challenge": "new_password", "session": session, "username": username, **policy}
    if challenge == "MFA_SETUP":
        from chalicelib import mfa

        try:
            associated = cognito.associate_software_token(Session=session)
        except Exception as exc:
            raise _challenge_error(exc) from None
        return {
            "challenge": "mfa_setup",
            "session": associated.get("Session") or session,
            "username": username,
            **mfa.enrolment(associated["SecretCode"], username),
        }
    log.error("unsupported Cognito challenge %s", challenge)
    raise AppError(
        "service_unavailable", "Cette étape de connexion n'est pas prise en charge : contactez l'administrateur."
    )


def tokens(result: dict[str, Any], *, mfa: bool) -> dict[str, Any]:
    from chalicelib.auth import verify_token

    user = verify_token(result["IdToken"])
    log.info("login ok", extra={"operator": user.username})
    answer = {
        "id_token": result["IdToken"],
        "access_token": result["AccessToken"],
        "expires_in": int(result["ExpiresIn"]),
        "groups": sorted(user.groups),
        "username": user.username,
        "mfa": mfa,
    }
    if result.get("RefreshToken"):
        answer["refresh_token"] = result["RefreshToken"]
    return answer


def _checked_password(password: str | None) -> str:
    """The policy of the pool, checked here first so the refusal names the field in French."""
    problems = []
    text = password or ""
    if len(text) < 12:
        problems.append("12 caractères au moins")
    if not re.search(r"[A-Z]", text):
        problems.append("une majuscule")
    if not re.search(r"[a-z]", text):
        problems.append("une minuscule")
    if not re.search(r"[0-9]", text):
        problems.append("un chiffre")
    if not re.search(r"[^A-Za-z0-9\s]", text):
        problems.append("un caractère spécial")
    if text != text.strip():
        problems.append("pas d'espace au début ni à la fin")
    if problems:
        message = f"Mot de passe refusé : il faut {', '.join(problems)}. Règle : {POLICY_TEXT}"
        raise field_error("new_password", message, "invalid_password")
    return text


def _required_code(code: str | None) -> str:
    if not code:
        raise field_error("code", "Saisissez le code à 6 chiffres affiché par votre application.")
    return code


def _challenge_error(exc: Exception) -> Exception:
    code = aws.error_code(exc)
    if code in _CODE_REFUSED:
        return AppError("bad_code")
    if code == "InvalidPasswordException":
        return field_error("new_password", f"Mot de passe refusé. Règle : {POLICY_TEXT}", "invalid_password")
    if code in _SESSION_REFUSED:
        return AppError("challenge_expired")
    return exc


def _wait_until(deadline: float) -> None:
    left = deadline - time.monotonic()
    if left > 0:
        time.sleep(left)


# --- Refresh and logout -----------------------------------------------------------------------


def refresh(refresh_token: str) -> dict[str, Any]:
    """New id and access tokens (the console asks before they expire). A disabled account, or one
    signed out, gets a 401."""
    cognito = _cognito()
    try:
        answer = cognito.initiate_auth(
            ClientId=get_settings().cognito_client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh_token},
        )
    except Exception as exc:
        if aws.error_code(exc) in (*_CREDENTIALS_REFUSED, "ResourceNotFoundException"):
            raise AppError("invalid_token", "Votre session a pris fin : reconnectez-vous.") from None
        raise
    from chalicelib.auth import verify_token

    result = answer["AuthenticationResult"]
    user = verify_token(result["IdToken"])
    return {
        "id_token": result["IdToken"],
        "access_token": result["AccessToken"],
        "expires_in": int(result["ExpiresIn"]),
        "groups": sorted(user.groups),
        "username": user.username,
    }


def logout(access_token: str) -> None:
    """Ends the operator's sessions: its refresh tokens (and access tokens) are revoked, so no tab or
    device can refresh any more. The access token names the operator (signature checked);
    `AdminUserGlobalSignOut` is used rather than the token-authorised GlobalSignOut or RevokeToken,
    which the embedded AWS does not serve (it has no RevokeToken, and answers an unsigned
    GlobalSignOut from another region). An expired or foreign token is a 401."""
    from chalicelib.auth import verify_access_token

    username = verify_access_token(access_token)
    try:
        _cognito().admin_user_global_sign_out(UserPoolId=get_settings().cognito_user_pool_id, Username=username)
    except Exception as exc:
        if aws.error_code(exc) != "UserNotFoundException":
            raise


# --- TOTP enrolment of a signed-in operator ---------------------------------------------------


def start_enrolment(access_token: str, username: str) -> dict[str, Any]:
    """A new TOTP secret for the operator (not active until `confirm_enrolment`)."""
    from chalicelib import mfa

    _same_operator(access_token, username)
    try:
        secret = _cognito().associate_software_token(AccessToken=access_token)["SecretCode"]
    except Exception as exc:
        if aws.error_code(exc) in _CREDENTIALS_REFUSED:
            raise AppError("invalid_token") from None
        raise
    return mfa.enrolment(secret, username)


def confirm_enrolment(access_token: str, username: str, code: str) -> dict[str, Any]:
    """Checks a first code from the app, then makes TOTP the operator's second factor."""
    _same_operator(access_token, username)
    cognito = _cognito()
    try:
        verified = cognito.verify_software_token(
            AccessToken=access_token, UserCode=code, FriendlyDeviceName="Stop Cambriolages"
        )
    except Exception as exc:
        if aws.error_code(exc) in _CODE_REFUSED:
            raise AppError("bad_code") from None
        if aws.error_code(exc) in _CREDENTIALS_REFUSED:
            raise AppError("invalid_token") from None
        raise
    if verified.get("Status") != "SUCCESS":
        raise AppError("bad_code")
    cognito.set_user_mfa_preference(
        AccessToken=access_token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    log.info("mfa enrolled", extra={"operator": username})
    return {"mfa": True}


def _same_operator(access_token: str, username: str) -> None:
    """The access token must be the same operator's as the id token of the request."""
    from chalicelib.auth import verify_access_token

    if verify_access_token(access_token).lower() != username.lower():
        raise AppError("forbidden", "Ce jeton d'accès appartient à un autre opérateur.")
