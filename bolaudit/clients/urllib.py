"""urllib (and Python 2's urllib2): ``urlopen(url, data)`` and ``Request(url, data, headers)``.

With no method given, a request with data is a POST. ``urlopen(Request(...))`` sends the request
object: the request is listed where the ``Request`` is built, and its headers (positional, the
third argument, or added later with ``add_header``) ride on it. TLS verification is turned off by
an unverified ``context=``, which the extractor recognises by its qualified name.
"""

from __future__ import annotations

from bolaudit.clients.base import ClientLibrary, SendSignature


def _signature(name: str, method_from_args: bool) -> SendSignature:
    if name == "Request":
        # Request(url, data=None, headers={}, origin_req_host=None, unverifiable=False, method=None)
        return SendSignature(None, 0, headers_pos=2, data_pos=1)
    return SendSignature(None, 0, data_pos=1)  # urlopen(url, data=None, timeout=...)


URLLIB = ClientLibrary(
    name="urllib",
    default_accept=None,  # urllib.request sends no Accept header at all
    module_senders={
        "urllib.request.urlopen": None,
        "urllib.request.Request": None,
        "urllib2.urlopen": None,
        "urllib2.Request": None,
    },
    positional_body=True,
    post_if_data=True,
    request_objects=True,
    headers_position=2,
    signature=_signature,
)
