"""A small OpenID Connect provider for the console's browser tests: discovery, a JWK set, an
authorization endpoint that signs in whoever the test says (no login form), and a token
endpoint that checks the client secret, the redirect URI and the PKCE verifier before it
hands out an ES256-signed ID token with the request's nonce."""
import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Provider:
    def __init__(self, client_id="dlpjet-console", client_secret="s3cret-for-tests-only"):
        self.client_id, self.client_secret = client_id, client_secret
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.email = "owner@example.com"   # who signs in next
        self.codes = {}
        self.token_requests = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def send(self, status, body, ctype="application/json", headers=()):
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", ctype)
                self.send_header("content-length", str(len(data)))
                for k, v in headers:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urllib.parse.urlparse(self.path)
                q = dict(urllib.parse.parse_qsl(url.query))
                if url.path == "/.well-known/openid-configuration":
                    return self.send(200, provider.discovery())
                if url.path == "/jwks":
                    return self.send(200, {"keys": [provider.jwk()]})
                if url.path == "/authorize":
                    return self.authorize(q)
                self.send(404, {"error": "not_found"})

            def authorize(self, q):
                ok = (q.get("response_type") == "code" and q.get("client_id") == provider.client_id
                      and q.get("code_challenge_method") == "S256" and q.get("state") and q.get("nonce")
                      and "openid" in q.get("scope", "").split())
                if not ok:
                    return self.send(400, {"error": "invalid_request", "got": q})
                code = secrets.token_urlsafe(24)
                provider.codes[code] = dict(q, email=provider.email, at=time.time())
                back = q["redirect_uri"] + "?" + urllib.parse.urlencode({"code": code, "state": q["state"]})
                self.send(302, b"", "text/plain", [("location", back)])

            def do_POST(self):
                if self.path != "/token":
                    return self.send(404, {"error": "not_found"})
                form = dict(urllib.parse.parse_qsl(self.rfile.read(int(self.headers["content-length"])).decode()))
                provider.token_requests.append(form)
                auth = self.headers.get("authorization", "")
                expected = "Basic " + base64.b64encode(f"{provider.client_id}:{provider.client_secret}".encode()).decode()
                if auth != expected:
                    return self.send(401, {"error": "invalid_client"})
                grant = provider.codes.pop(form.get("code", ""), None)
                if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
                    return self.send(400, {"error": "invalid_grant"})
                verifier = form.get("code_verifier", "")
                if b64(hashlib.sha256(verifier.encode()).digest()) != grant["code_challenge"]:
                    return self.send(400, {"error": "invalid_grant", "error_description": "PKCE"})
                now = int(time.time())
                claims = {"iss": provider.issuer, "aud": provider.client_id, "sub": grant["email"],
                          "email": grant["email"], "email_verified": True, "iat": now, "exp": now + 300,
                          "nonce": grant["nonce"]}
                self.send(200, {"access_token": "at", "token_type": "Bearer", "id_token": provider.sign(claims)})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def discovery(self):
        return {"issuer": self.issuer, "authorization_endpoint": self.issuer + "/authorize",
                "token_endpoint": self.issuer + "/token", "jwks_uri": self.issuer + "/jwks",
                "response_types_supported": ["code"], "id_token_signing_alg_values_supported": ["ES256"],
                "code_challenge_methods_supported": ["S256"]}

    def jwk(self):
        n = self.key.public_key().public_numbers()
        return {"kty": "EC", "crv": "P-256", "kid": "test-1", "use": "sig",
                "x": b64(n.x.to_bytes(32, "big")), "y": b64(n.y.to_bytes(32, "big"))}

    def sign(self, claims):
        head = b64(json.dumps({"alg": "ES256", "kid": "test-1", "typ": "JWT"}).encode())
        body = b64(json.dumps(claims).encode())
        der = self.key.sign(f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return f"{head}.{body}.{b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"

    def close(self):
        self.server.shutdown()
