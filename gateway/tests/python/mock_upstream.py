"""A stand-in for AI providers on loopback that speaks their real wire formats: OpenAI's chat
completions, completions, embeddings (JSON and server-sent events) and Anthropic's messages
(JSON and its event stream). Tests set what it answers and read what it was sent."""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Upstream:
    def __init__(self, tls=None):
        """`tls`: an `ssl.SSLContext` to serve HTTPS with."""
        self.tls = tls
        self.reply = "Hello from the provider."
        self.chunk = 4  # characters per streamed delta
        self.status = 200  # answer with this status instead (fallback tests)
        self.error_body = None  # the body of that answer (JSON-encoded when not bytes)
        self.error_headers = {}  # and its extra headers (retry-after)
        self.echo = False  # answer with the last message's text instead of `reply`
        self.delay = 0.0  # seconds between streamed events
        self.wait = 0.0  # seconds before answering at all
        self.received = []  # (path, headers dict, body bytes)
        self.lock = threading.Lock()
        up = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with up.lock:
                    up.received.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                time.sleep(up.wait)
                if up.status != 200:
                    if isinstance(up.error_body, bytes):
                        return self.send_raw(up.status, "text/plain", up.error_body, up.error_headers)
                    body = up.error_body or {"error": {"message": "upstream failure", "type": "server_error"}}
                    return self.send_json(up.status, body, up.error_headers)
                path = self.path.split("?")[0]
                req = json.loads(body)
                self.text = up.reply
                if up.echo and req.get("messages"):
                    content = req["messages"][-1]["content"]
                    self.text = "You said: " + (content if isinstance(content, str) else content[0]["text"])
                if path == "/v1/chat/completions":
                    return self.chat(req)
                if path == "/v1/completions":
                    return self.send_json(200, {"id": "cmpl-1", "object": "text_completion", "created": 1, "model": req["model"],
                                                "choices": [{"index": 0, "text": self.text, "finish_reason": "stop", "logprobs": None}],
                                                "usage": {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8}})
                if path == "/v1/embeddings":
                    return self.send_json(200, {"object": "list", "model": req["model"],
                                                "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}],
                                                "usage": {"prompt_tokens": 2, "total_tokens": 2}})
                if path == "/v1/messages":
                    return self.messages(req)
                if path == "/v1/responses":
                    return self.responses_api(req)
                self.send_json(404, {"error": {"message": "no such route"}})

            def send_json(self, status, obj, headers=None):
                self.send_raw(status, "application/json", json.dumps(obj).encode(), headers)

            def send_raw(self, status, content_type, data, headers=None):
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def start_stream(self):
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("cache-control", "no-cache")
                self.send_header("connection", "close")
                self.end_headers()

            def pieces(self):
                t = self.text
                return [t[i:i + up.chunk] for i in range(0, len(t), up.chunk)]

            def chat(self, req):
                usage = {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}
                if not req.get("stream"):
                    return self.send_json(200, {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": req["model"],
                                                "choices": [{"index": 0, "message": {"role": "assistant", "content": self.text},
                                                             "finish_reason": "stop", "logprobs": None}],
                                                "usage": usage})
                self.start_stream()
                base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": req["model"]}
                first = dict(base, choices=[{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}])
                events = [first]
                for p in self.pieces():
                    events.append(dict(base, choices=[{"index": 0, "delta": {"content": p}, "finish_reason": None}]))
                events.append(dict(base, choices=[{"index": 0, "delta": {}, "finish_reason": "stop"}]))
                if (req.get("stream_options") or {}).get("include_usage"):
                    events.append(dict(base, choices=[], usage=usage))
                # CRLF line endings and a keep-alive comment, as some providers send.
                self.wfile.write(b": keep-alive\r\n\r\n")
                for e in events:
                    self.wfile.write(b"data: " + json.dumps(e).encode() + b"\r\n\r\n")
                    self.wfile.flush()
                    time.sleep(up.delay)
                self.wfile.write(b"data: [DONE]\r\n\r\n")
                self.wfile.flush()

            def responses_api(self, req):
                """OpenAI's Responses API: one message item with one output_text part."""
                if up.echo and isinstance(req.get("input"), str):
                    self.text = "You said: " + req["input"]
                usage = {"input_tokens": 9, "output_tokens": 4, "total_tokens": 13}
                item = {"type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
                        "content": [{"type": "output_text", "text": self.text, "annotations": []}]}
                resp = {"id": "resp_1", "object": "response", "created_at": 1, "model": req["model"],
                        "status": "completed", "output": [item], "usage": usage}
                if not req.get("stream"):
                    return self.send_json(200, resp)
                self.start_stream()
                seq = [0]

                def ev(name, obj):
                    obj = dict(obj, type=name, sequence_number=seq[0])
                    seq[0] += 1
                    self.wfile.write(f"event: {name}\ndata: {json.dumps(obj)}\n\n".encode())
                    self.wfile.flush()
                    time.sleep(up.delay)
                started = dict(resp, status="in_progress", output=[], usage=None)
                ev("response.created", {"response": started})
                ev("response.in_progress", {"response": started})
                ev("response.output_item.added", {"output_index": 0, "item": dict(item, status="in_progress", content=[])})
                ids = {"item_id": "msg_1", "output_index": 0, "content_index": 0}
                ev("response.content_part.added", dict(ids, part={"type": "output_text", "text": "", "annotations": []}))
                for p in self.pieces():
                    ev("response.output_text.delta", dict(ids, delta=p, logprobs=[]))
                ev("response.output_text.done", dict(ids, text=self.text, logprobs=[]))
                ev("response.content_part.done", dict(ids, part=item["content"][0]))
                ev("response.output_item.done", {"output_index": 0, "item": item})
                ev("response.completed", {"response": resp})

            def messages(self, req):
                if not req.get("stream"):
                    return self.send_json(200, {"id": "msg_1", "type": "message", "role": "assistant", "model": req["model"],
                                                "content": [{"type": "text", "text": self.text}], "stop_reason": "end_turn",
                                                "stop_sequence": None, "usage": {"input_tokens": 9, "output_tokens": 4}})
                self.start_stream()

                def ev(name, obj):
                    self.wfile.write(f"event: {name}\ndata: {json.dumps(obj)}\n\n".encode())
                    self.wfile.flush()
                ev("message_start", {"type": "message_start", "message": {
                    "id": "msg_1", "type": "message", "role": "assistant", "model": req["model"], "content": [],
                    "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 9, "output_tokens": 1}}})
                ev("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})
                ev("ping", {"type": "ping"})
                for p in self.pieces():
                    ev("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": p}})
                ev("content_block_stop", {"type": "content_block_stop", "index": 0})
                ev("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                     "usage": {"output_tokens": 4}})
                ev("message_stop", {"type": "message_stop"})

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                # The gateway hanging up on an answer it no longer needs is expected.
                if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
                    super().handle_error(request, client_address)

        self.server = Server(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self):
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}/v1"

    def bodies(self):
        with self.lock:
            return [json.loads(b) for _, _, b in self.received]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
