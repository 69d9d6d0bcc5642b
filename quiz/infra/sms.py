"""Outgoing SMS through an HTTP gateway (SMS_GATEWAY_URL; without it: into the app log, as mail is).

The gateway gets ``POST SMS_GATEWAY_URL`` with the JSON ``{"to": "+84912345678", "message": "..."}`` and,
when SMS_GATEWAY_TOKEN is set, ``Authorization: Bearer TOKEN``; any 2xx answer is a success. Messages are
sent on the mail threads (quiz.infra.mail.later), never on the request's path: the answer to a reset request
takes the same time whether or not the number is registered, and a slow gateway holds no web worker.
"""
from __future__ import annotations

import json
import urllib.request


def send(config, to: str, message: str, logger) -> None:
    """Send one text message now (raises on network errors and non-2xx answers); without SMS_GATEWAY_URL, log
    it as a warning."""
    url = config.get("SMS_GATEWAY_URL")
    if not url:
        logger.warning("SMS_GATEWAY_URL is not set, so this SMS was not sent. To: %s\n\n%s", to, message)
        return
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if config.get("SMS_GATEWAY_TOKEN"):
        headers["Authorization"] = "Bearer " + config["SMS_GATEWAY_TOKEN"]
    body = json.dumps({"to": to, "message": message}, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=config.get("SMS_GATEWAY_TIMEOUT_S", 10)) as answer:
        answer.read()
