"""A user pool's second factors as Cognito keeps them, where stock moto does not.

`cognito-idp:SetUserPoolMfaConfig` and `GetUserPoolMfaConfig` answered here:
- email MFA (`EmailMfaConfiguration`) and passkeys (`WebAuthnConfiguration`: `RelyingPartyId`,
  `UserVerification` `required` | `preferred`, `FactorConfiguration` `SINGLE_FACTOR` |
  `MULTI_FACTOR_WITH_USER_VERIFICATION`) are kept and answered; stock moto drops both, and
  refuses MFA `ON` or `OPTIONAL` with email as the only factor;
- `SmsMfaConfiguration`, `SoftwareTokenMfaConfiguration` and `EmailMfaConfiguration` are what
  the last call set (one left out is no longer configured), as moto has it; the WebAuthn
  configuration stays until a call sets another;
- MFA `ON` or `OPTIONAL` needs a factor (SMS with its `SmsConfiguration`, TOTP enabled, email,
  or passkeys that count as MFA): `InvalidParameterException` otherwise; a value outside an enum
  is an `InvalidParameterException` too;
- the answer leaves out what is not configured, as AWS does.
"""

from __future__ import annotations

import json
from typing import Any

MFA_SETTINGS = ("ON", "OFF", "OPTIONAL")
FACTOR_CONFIGURATIONS = ("SINGLE_FACTOR", "MULTI_FACTOR_WITH_USER_VERIFICATION")
USER_VERIFICATIONS = ("required", "preferred")


def error(code: str, message: str) -> tuple[int, str]:
    return 400, json.dumps({"__type": code, "message": message})


def find_pool(account: str, region: str, request: dict[str, Any]) -> Any:
    from moto.cognitoidp.models import cognitoidp_backends

    return cognitoidp_backends[account][region].user_pools.get(request.get("UserPoolId"))


def configuration(pool: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {"MfaConfiguration": pool.mfa_config}
    for name, value in (("SmsMfaConfiguration", pool.sms_mfa_config),
                        ("SoftwareTokenMfaConfiguration", pool.token_mfa_config),
                        ("EmailMfaConfiguration", getattr(pool, "email_mfa_config", None)),
                        ("WebAuthnConfiguration", getattr(pool, "web_authn_config", None))):
        if value:
            answer[name] = value
    return answer


def answer(operation: str, account: str, region: str, body: bytes) -> tuple[int, str] | None:
    """(HTTP status, JSON body) for the operations this module answers; None for the others."""
    if operation not in ("SetUserPoolMfaConfig", "GetUserPoolMfaConfig"):
        return None
    try:
        request = json.loads(body or b"{}")
    except ValueError:
        return error("InvalidParameterException", "the request is not JSON")
    pool = find_pool(account, region, request)
    if pool is None:
        return error("ResourceNotFoundException",
                     f"User pool {request.get('UserPoolId')} does not exist.")
    if operation == "GetUserPoolMfaConfig":
        return 200, json.dumps(configuration(pool))
    return set_configuration(pool, request)


def set_configuration(pool: Any, request: dict[str, Any]) -> tuple[int, str]:
    setting = request.get("MfaConfiguration", pool.mfa_config)
    if setting not in MFA_SETTINGS:
        return error("InvalidParameterException",
                     "[MfaConfiguration] must be one of 'ON', 'OFF', or 'OPTIONAL'.")
    sms = request.get("SmsMfaConfiguration")
    token = request.get("SoftwareTokenMfaConfiguration")
    email = request.get("EmailMfaConfiguration")
    web_authn = request.get("WebAuthnConfiguration")
    if sms is not None and "SmsConfiguration" not in sms:
        return error("InvalidParameterException",
                     "[SmsConfiguration] is a required member of [SmsMfaConfiguration].")
    if web_authn is not None:
        factor = web_authn.get("FactorConfiguration")
        if factor is not None and factor not in FACTOR_CONFIGURATIONS:
            return error("InvalidParameterException", "[FactorConfiguration] must be one of "
                         f"{', '.join(FACTOR_CONFIGURATIONS)}.")
        verification = web_authn.get("UserVerification")
        if verification is not None and verification not in USER_VERIFICATIONS:
            return error("InvalidParameterException",
                         "[UserVerification] must be one of required, preferred.")
    passkey_mfa = (web_authn or getattr(pool, "web_authn_config", None) or {}).get(
        "FactorConfiguration") == "MULTI_FACTOR_WITH_USER_VERIFICATION"
    factors = bool(sms) or bool((token or {}).get("Enabled")) or bool(email) or passkey_mfa
    if setting in ("ON", "OPTIONAL") and not factors:
        return error("InvalidParameterException",
                     "Invalid MFA configuration given: MFA is ON or OPTIONAL and no second "
                     "factor (SMS, software token, email or passkey) is enabled.")
    pool.mfa_config = setting
    pool.sms_mfa_config = sms
    pool.token_mfa_config = token
    pool.email_mfa_config = email
    if web_authn is not None:
        pool.web_authn_config = web_authn
    return 200, json.dumps(configuration(pool))
