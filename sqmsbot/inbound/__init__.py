"""The durable inbound queue (DESIGN §3, step 1): store, then acknowledge; work after.

A chat platform gives 3 s to acknowledge and never resends what was acknowledged, so a listener does
the cheap checks, stores the request (`InboundQueue.put`) and answers; an `InboundWorker`, normally
in another process so that the work never competes with acknowledgements for the GIL, does the rest.
Nothing is lost on a restart: `pending` rows wait, and a `working` row whose worker died is taken
again once its lease runs out.

Platform-neutral: an adapter supplies an `InboundHandler` that knows its payloads and how to reply.
"""

from sqmsbot.inbound.store import InboundQueue, Wake, queue_store
from sqmsbot.inbound.worker import InboundHandler, InboundItem, InboundWorker, Signal

__all__ = ["InboundHandler", "InboundItem", "InboundQueue", "InboundWorker", "Signal", "Wake", "queue_store"]
