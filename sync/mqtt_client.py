"""An asyncio MQTT link over paho-mqtt 2.x, driven by the event loop's own socket callbacks.

No paho thread: paho's socket hooks (`on_socket_open`, `on_socket_register_write`, ...) put its
socket on the asyncio loop, the shape of paho's own `loop_asyncio` example and of aiomqtt. One
reconnect loop owns every connection attempt (capped exponential backoff with jitter, and a
first connect to a down broker keeps retrying).

paho's traps, and what this does about them:
- paho queues a publish made while disconnected and sends it after reconnecting. Here a fresh
  paho client is made for every connection and `publish()` refuses (`LinkDown`) unless
  connected, so the caller (the outbox) owns every retry and nothing is sent twice by paho.
- a timed-out wait on a publish returns silently in paho: `publish()` here resolves only on the
  PUBACK and raises `PublishFailed` on a failure reason code, `LinkDown` when the connection
  drops first, `TimeoutError` on its own timeout.
- paho caps unacknowledged messages at 65,535 (message ids): the in-flight window is bounded
  by the caller and by `max_inflight_messages_set`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import socket
import ssl
import threading
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from edge.aio import wait_for
from edge.errors import SyncError
from edge.sync.link_settings import MAX_INFLIGHT, LinkSettings, Message, TlsSettings, backoff_delay

log = logging.getLogger(__name__)

__all__ = ["MAX_INFLIGHT", "LinkDown", "LinkSettings", "Message", "MqttLink", "PublishFailed", "TlsSettings",
           "backoff_delay"]

class LinkDown(SyncError):
    code = "sync.link_down"


class PublishFailed(SyncError):
    code = "sync.publish_failed"


class MqttLink:
    """One lane's connection to its broker; `publish()` resolves on the broker's PUBACK."""

    def __init__(self, settings: LinkSettings, *, on_message: Callable[[Message], None] | None = None,
                 rng: random.Random | None = None) -> None:
        self.s = settings
        self.on_message = on_message
        self.rng = rng or random.Random()  # noqa: S311 - backoff jitter, not cryptography
        self.connected = asyncio.Event()
        self.state = "starting"
        self.connects = 0
        self.failures = 0
        self.last_error: str | None = None
        self.on_connected: list[Callable[[], None]] = []
        self._client: paho.Client | None = None
        self._pending: dict[int, Callable[[BaseException | None], None]] = {}
        self._lost = asyncio.Event()
        self._retry = asyncio.Event()
        self._connack: asyncio.Future[ReasonCode] | None = None
        self._suback: dict[int, asyncio.Future[None]] = {}
        self._task: asyncio.Task[None] | None = None
        self._misc: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._stopping = False

    @property
    def inflight(self) -> int:
        return len(self._pending)

    # ------------------------------------------------------------------ life cycle
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._task = asyncio.create_task(self._run(), name="mqtt-link")

    async def stop(self, *, timeout: float = 2.0) -> None:  # noqa: ASYNC109
        """Say `offline` (retained), disconnect cleanly, stop reconnecting."""
        self._stopping = True
        client = self._client
        if client is not None and self.connected.is_set() and self.s.state_topic:
            with contextlib.suppress(SyncError, TimeoutError):
                await self.publish(self.s.state_topic, self._state_payload("offline"), retain=True,
                                   timeout=timeout)
        if client is not None:
            client.disconnect()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._teardown(client, "stopped")
        self.state = "stopped"

    def retry_now(self) -> bool:
        """Cut a reconnect wait short (a technician's `lanectl sync now`); False when the link
        is not waiting (connected, or already trying)."""
        if self.state != "backoff":
            return False
        self._retry.set()
        return True

    async def _backoff(self, delay: float) -> None:
        self._retry.clear()
        with contextlib.suppress(TimeoutError):
            await wait_for(self._retry.wait(), delay)

    async def wait_connected(self, timeout: float | None = None) -> None:  # noqa: ASYNC109
        await wait_for(self.connected.wait(), timeout)

    def drop(self) -> None:
        """Close the socket as a link failure would (tests and `resync`); the loop reconnects."""
        client = self._client
        sock = client.socket() if client is not None else None
        if isinstance(sock, socket.socket):  # ssl.SSLSocket is one too
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    # ------------------------------------------------------------------ publishing
    def publish_cb(self, topic: str, payload: bytes | str, done: Callable[[BaseException | None], None],
                   *, qos: int = 1, retain: bool = False) -> None:
        """Hand one message to the socket now; `done(None)` on PUBACK, `done(error)` if it fails.

        The outbox's hot path: no future per message. `done` runs on the event loop.
        """
        client = self._client
        if client is None or not self.connected.is_set():
            raise LinkDown("not connected to the broker")
        if len(self._pending) >= MAX_INFLIGHT:
            raise LinkDown("too many publishes awaiting PUBACK (MQTT message ids run out at 65,535)")
        info = client.publish(topic, payload, qos=qos, retain=retain)
        if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            raise LinkDown(f"publish refused by paho: {paho.error_string(info.rc)}")
        if qos == 0:
            done(None)
        else:
            self._pending[info.mid] = done

    def publish_nowait(self, topic: str, payload: bytes | str, *, qos: int = 1,
                       retain: bool = False) -> asyncio.Future[None]:
        """Hand one message to the socket now; the future resolves on PUBACK (QoS 1)."""
        assert self._loop is not None
        fut: asyncio.Future[None] = self._loop.create_future()

        def done(exc: BaseException | None) -> None:
            if fut.done():
                return
            if exc is None:
                fut.set_result(None)
            else:
                fut.set_exception(exc)

        self.publish_cb(topic, payload, done, qos=qos, retain=retain)
        return fut

    async def publish(self, topic: str, payload: bytes | str, *, qos: int = 1, retain: bool = False,
                      timeout: float | None = 30.0) -> None:  # noqa: ASYNC109
        await wait_for(self.publish_nowait(topic, payload, qos=qos, retain=retain), timeout)

    # ------------------------------------------------------------------ connection loop
    async def _run(self) -> None:
        attempt = 0
        while not self._stopping:
            client = self._new_client()
            self._client = client
            self.state = "connecting"
            try:
                await self._connect(client)
            except (OSError, SyncError, TimeoutError, ssl.SSLError) as err:
                self._teardown(client, "connect failed")
                self.failures += 1
                self.last_error = f"{type(err).__name__}: {err}"
                delay = backoff_delay(attempt, self.s.backoff_min_s, self.s.backoff_max_s, self.rng)
                if attempt == 0:
                    log.warning("MQTT %s:%d unreachable (%s); retrying with backoff",
                                self.s.host, self.s.port, self.last_error)
                attempt += 1
                self.state = "backoff"
                await self._backoff(delay)
                continue
            attempt = 0
            self.connects += 1
            self.state = "connected"
            log.info("MQTT connected to %s:%d (connection %d)", self.s.host, self.s.port, self.connects)
            self.connected.set()
            for cb in list(self.on_connected):
                cb()
            await self._lost.wait()
            self._teardown(client, "connection lost")
            if not self._stopping:
                log.warning("MQTT connection lost: %s", self.last_error)
                self.state = "backoff"
                await self._backoff(backoff_delay(0, self.s.backoff_min_s, self.s.backoff_max_s, self.rng))

    def _new_client(self) -> paho.Client:
        v5 = self.s.protocol == "5"
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id=self.s.client_id,
                             protocol=MQTTProtocolVersion.MQTTv5 if v5 else MQTTProtocolVersion.MQTTv311,
                             clean_session=None if v5 else self.s.clean_start)
        # The caller bounds the window (the outbox never has more than `inflight` unacknowledged),
        # so paho's own cap is off: with it on, paho scans its whole in-flight table on every
        # PUBACK, which costs more than the rest of the drain together.
        client.max_inflight_messages_set(0)
        client.max_queued_messages_set(0)
        client.connect_timeout = self.s.connect_timeout_s
        if self.s.username:
            client.username_pw_set(self.s.username, self.s.password)
        if self.s.tls is not None:
            client.tls_set(ca_certs=self.s.tls.ca_file, certfile=self.s.tls.cert_file,
                           keyfile=self.s.tls.key_file, cert_reqs=ssl.CERT_REQUIRED)
        if self.s.state_topic:
            client.will_set(self.s.state_topic, self._state_payload("offline"), qos=1, retain=True)
        client.on_socket_open = self._on_socket_open
        client.on_socket_close = self._on_socket_close
        client.on_socket_register_write = self._on_register_write
        client.on_socket_unregister_write = self._on_unregister_write
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        return client

    async def _connect(self, client: paho.Client) -> None:
        assert self._loop is not None
        self._lost = asyncio.Event()
        self._connack = self._loop.create_future()
        self._connack.add_done_callback(_consume)  # a stop during connect leaves nobody waiting
        props = None
        if self.s.protocol == "5":
            props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            props.SessionExpiryInterval = self.s.session_expiry_s
        kwargs: dict[str, Any] = {"keepalive": self.s.keepalive_s, "properties": props}
        if self.s.protocol == "5":
            kwargs["clean_start"] = self.s.clean_start
        rc = await wait_for(
            self._loop.run_in_executor(None, lambda: client.connect(self.s.host, self.s.port, **kwargs)),
            self.s.connect_timeout_s + 1)
        if rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            raise SyncError(f"connect failed: {paho.error_string(rc)}", code="sync.connect")
        self._misc = asyncio.create_task(self._misc_loop(client), name="mqtt-misc")
        reason = await wait_for(self._connack, self.s.connect_timeout_s)
        if reason.is_failure:
            raise SyncError(f"broker refused the connection: {reason}", code="sync.connack",
                            reason=str(reason))
        if self.s.subscriptions:
            await self._subscribe(client)
        if self.s.state_topic:
            info = client.publish(self.s.state_topic, self._state_payload("online"), qos=1, retain=True)
            if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
                raise SyncError("birth message refused", code="sync.connect")

    async def _subscribe(self, client: paho.Client) -> None:
        assert self._loop is not None
        if self.s.protocol == "5":
            topics: list[tuple[str, Any]] = [(t, SubscribeOptions(qos=1)) for t in self.s.subscriptions]
        else:
            topics = [(t, 1) for t in self.s.subscriptions]
        rc, mid = client.subscribe(topics)
        if rc != MQTTErrorCode.MQTT_ERR_SUCCESS or mid is None:
            raise SyncError("subscribe failed", code="sync.subscribe")
        fut: asyncio.Future[None] = self._loop.create_future()
        fut.add_done_callback(_consume)
        self._suback[mid] = fut
        await wait_for(fut, self.s.connect_timeout_s)

    def _state_payload(self, state: str) -> str:
        return json.dumps({"state": state, **self.s.birth}, separators=(",", ":"))

    def _teardown(self, client: paho.Client | None, why: str) -> None:
        self.connected.clear()
        if self._misc is not None:
            self._misc.cancel()
            self._misc = None
        if client is not None:
            sock = client.socket()
            if sock is not None and self._loop is not None:
                with contextlib.suppress(Exception):
                    self._loop.remove_reader(sock)
                    self._loop.remove_writer(sock)
            with contextlib.suppress(Exception):
                client._sock_close()
        pending, self._pending = self._pending, {}
        for done in pending.values():
            done(LinkDown(f"link down before PUBACK ({why})"))
        for fut in self._suback.values():
            if not fut.done():
                fut.set_exception(LinkDown(why))
        self._suback.clear()
        if self._client is client:
            self._client = None

    async def _misc_loop(self, client: paho.Client) -> None:
        while True:
            await asyncio.sleep(1.0)
            if client.loop_misc() != MQTTErrorCode.MQTT_ERR_SUCCESS:
                self._lost.set()
                return

    # ------------------------------------------------------------------ paho callbacks
    def _in_loop(self, fn: Callable[[], None]) -> None:
        assert self._loop is not None
        if threading.get_ident() == self._loop_thread:
            fn()
        else:
            self._loop.call_soon_threadsafe(fn)

    def _on_socket_open(self, client: paho.Client, _ud: Any, sock: Any) -> None:
        def add() -> None:
            assert self._loop is not None
            self._loop.add_reader(sock, self._read, client)
        self._in_loop(add)

    def _read(self, client: paho.Client) -> None:
        rc = client.loop_read()
        sock = client.socket()
        # TLS: whole records are decrypted at once, so packets can wait in the SSL buffer with
        # nothing left in the kernel's to wake the selector: read until the buffer is empty.
        while rc == MQTTErrorCode.MQTT_ERR_SUCCESS and isinstance(sock, ssl.SSLSocket) and sock.pending():
            rc = client.loop_read()
        if rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            self._lost.set()

    def _write(self, client: paho.Client) -> None:
        if client.loop_write() != MQTTErrorCode.MQTT_ERR_SUCCESS:
            self._lost.set()

    def _on_socket_close(self, _client: paho.Client, _ud: Any, sock: Any) -> None:
        def remove() -> None:
            assert self._loop is not None
            self._loop.remove_reader(sock)
            self._loop.remove_writer(sock)
        self._in_loop(remove)

    def _on_register_write(self, client: paho.Client, _ud: Any, sock: Any) -> None:
        def add() -> None:
            assert self._loop is not None
            self._loop.add_writer(sock, self._write, client)
        self._in_loop(add)

    def _on_unregister_write(self, _client: paho.Client, _ud: Any, sock: Any) -> None:
        def remove() -> None:
            assert self._loop is not None
            self._loop.remove_writer(sock)
        self._in_loop(remove)

    def _on_connect(self, _c: paho.Client, _ud: Any, _flags: Any, reason: ReasonCode, _p: Any) -> None:
        if self._connack is not None and not self._connack.done():
            self._connack.set_result(reason)

    def _on_disconnect(self, _c: paho.Client, _ud: Any, _flags: Any, reason: ReasonCode, _p: Any) -> None:
        self.last_error = f"disconnected: {reason}"
        if self._connack is not None and not self._connack.done():
            self._connack.set_exception(SyncError(f"disconnected before CONNACK: {reason}",
                                                  code="sync.connack"))
        for fut in self._suback.values():
            if not fut.done():
                fut.set_exception(LinkDown("disconnected before SUBACK"))
        self._lost.set()

    def _on_publish(self, _c: paho.Client, _ud: Any, mid: int, reason: ReasonCode, _p: Any) -> None:
        done = self._pending.pop(mid, None)
        if done is None:
            return
        if reason.is_failure:
            done(PublishFailed(f"broker refused the publish: {reason}", reason=str(reason)))
        else:
            done(None)

    def _on_subscribe(self, _c: paho.Client, _ud: Any, mid: int, reasons: list[ReasonCode], _p: Any) -> None:
        fut = self._suback.pop(mid, None)
        if fut is None or fut.done():
            return
        failed = [str(r) for r in reasons if r.is_failure]
        if failed:
            fut.set_exception(SyncError(f"subscription refused: {failed}", code="sync.subscribe"))
        else:
            fut.set_result(None)

    def _on_message(self, _c: paho.Client, _ud: Any, msg: paho.MQTTMessage) -> None:
        if self.on_message is not None:
            self.on_message(Message(msg.topic, bytes(msg.payload), bool(msg.retain)))

    def status(self) -> dict[str, Any]:
        return {"state": self.state, "host": self.s.host, "port": self.s.port, "protocol": self.s.protocol,
                "tls": self.s.tls is not None, "connects": self.connects, "failures": self.failures,
                "inflight": self.inflight, "last_error": self.last_error}


def _consume(fut: asyncio.Future[Any]) -> None:
    """Mark a future's exception as seen (it is handled where it is awaited, if anyone still is)."""
    if not fut.cancelled():
        fut.exception()

