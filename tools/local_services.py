"""Local stand-ins that `make run` starts beside the API (`tools/run_local._extra_services`).

Each hook is called with the runner's stop event once the environment (moto, VAPID keys) is set.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable


def push_service(stop: threading.Event) -> None:
    """The loopback push service, so the web channel can be tried end to end without a browser:
    mint a subscription there, register it with POST /subscriptions, send an alert, read what it
    received (decrypted)."""
    from tools.push_service import PushService

    port = int(os.environ.get("PUSH_SERVICE_PORT", "0"))
    service = PushService(vapid_public_key=os.environ.get("VAPID_PUBLIC_KEY") or None, port=port).start()
    origin = service.origin
    print(
        f"  Service push local {origin} (abonnement de test : POST {origin}/_control/subscriptions ;"
        f" notifications reçues : GET {origin}/_control/deliveries)",
        flush=True,
    )
    threading.Thread(target=lambda: (stop.wait(), service.stop()), name="push-service-stop", daemon=True).start()


HOOKS: list[Callable[[threading.Event], None]] = [push_service]
