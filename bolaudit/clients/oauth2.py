"""OAuth2 sessions (requests-oauthlib, authlib): they request and refresh tokens themselves.

``fetch_token(token_url, ...)`` (and ``fetch_access_token``, ``refresh_token``) is a token
request to the URL given; the API requests are the session's own ``get/post/request``. Given no
``headers=``, requests-oauthlib and authlib send ``Accept: application/json`` with it (their own
default headers); given some, those replace the defaults and the ``Accept`` is whatever they say.
"""

from __future__ import annotations

from bolaudit.clients.base import ClientLibrary

TOKEN_FETCHERS = ("fetch_token", "fetch_access_token", "refresh_token")

OAUTH2 = ClientLibrary(
    name="oauth2",
    session_constructors=(
        "requests_oauthlib.OAuth2Session",
        "requests_oauthlib.oauth2_session.OAuth2Session",
        "authlib.integrations.requests_client.OAuth2Session",
        "authlib.integrations.httpx_client.OAuth2Client",
        "authlib.integrations.httpx_client.AsyncOAuth2Client",
    ),
    fetches_tokens=True,
    # Both libraries send these headers with their own token requests, in place of any session
    # default, unless the call passes ``headers=`` (which then replaces them whole).
    token_fetch_accept="application/json",
)
