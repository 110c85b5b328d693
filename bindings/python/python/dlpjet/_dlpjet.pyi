"""Type stubs of the native module; use its classes through ``dlpjet``."""

from typing import Any, Literal, Optional, Union, final, overload
import os

from typing_extensions import disjoint_base

_Direction = Literal["inbound", "outbound", "both"]
_Text = Union[str, bytes, bytearray, memoryview]

__version__: str
__all__ = [
    "__version__",
    "Scanner",
    "Finding",
    "Decision",
    "ScanStream",
    "RedactStream",
    "catalog",
    "AuditLog",
    "audit_verify",
    "audit_query",
    "audit_keygen",
    "AuditError",
    "_raise_internal_error_for_tests",
    "DlpError",
    "PolicyError",
    "UnknownTenantError",
    "BlockedError",
    "InternalError",
]

class DlpError(Exception): ...

class PolicyError(DlpError, ValueError):
    kind: str
    file: Optional[str]
    line: Optional[int]
    column: Optional[int]
    field: str
    reason: str

class UnknownTenantError(PolicyError): ...

class BlockedError(DlpError):
    code: str
    detector: Optional[str]
    hits: Optional[int]
    limit: Optional[int]

class InternalError(DlpError): ...

class AuditError(DlpError):
    path: str
    line: Optional[int]
    seq: Optional[int]
    reason: str

@final
class AuditLog:
    def __new__(
        cls,
        path: Union[str, "os.PathLike[str]"],
        durability: Literal["group", "fsync", "buffered"] = "group",
        key_file: Union[None, str, "os.PathLike[str]"] = None,
        salt: Optional[bytes] = None,
        checkpoint_every: int = 10000,
        segment_bytes: int = 67108864,
    ) -> "AuditLog": ...
    def evaluate(
        self,
        scanner: "Scanner",
        text: _Text,
        direction: _Direction = "inbound",
        actor: Optional[str] = None,
        target: Optional[str] = None,
        details: Optional[dict[str, str]] = None,
    ) -> "Decision": ...
    def append(
        self,
        tenant: str,
        action: str,
        actor: Optional[str] = None,
        target: Optional[str] = None,
        policy_version: Optional[str] = None,
        details: Optional[dict[str, str]] = None,
    ) -> int: ...
    def checkpoint(self) -> dict[str, Any]: ...
    def close(self) -> None: ...
    def __len__(self) -> int: ...
    def __enter__(self) -> "AuditLog": ...
    def __exit__(self, _t: Any, _v: Any, _tb: Any) -> None: ...

def audit_verify(
    path: Union[str, "os.PathLike[str]"],
    public_key: Union[None, str, "os.PathLike[str]"] = None,
    checkpoints: Optional[list[dict[str, Any]]] = None,
    allow_unsigned_tail: bool = False,
) -> dict[str, Any]: ...
def audit_keygen(path: Union[str, "os.PathLike[str]"]) -> str: ...
def audit_query(
    path: Union[str, "os.PathLike[str]"],
    since: Optional[str] = None,
    until: Optional[str] = None,
    tenant: Optional[str] = None,
    actor: Optional[str] = None,
    action: Optional[str] = None,
    detector: Optional[str] = None,
) -> list[dict[str, Any]]: ...

@final
class Finding:
    @property
    def detector(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def confidence(self) -> float: ...
    @property
    def action(self) -> str: ...
    @property
    def value(self) -> Union[str, bytes]: ...
    @property
    def preview(self) -> str: ...
    def to_dict(self, include_value: bool = False) -> dict[str, Any]: ...

@final
class Decision:
    @property
    def action(self) -> str: ...
    @property
    def findings(self) -> list[Finding]: ...
    @property
    def output(self) -> Optional[Union[str, bytes]]: ...
    @property
    def blocked(self) -> bool: ...
    @property
    def reason(self) -> Optional[str]: ...
    @property
    def block_code(self) -> Optional[str]: ...
    @property
    def truncated(self) -> bool: ...

@final
class ScanStream:
    def feed(self, chunk: _Text) -> list[Finding]: ...
    def finish(self) -> list[Finding]: ...
    @property
    def held_back(self) -> int: ...
    def __enter__(self) -> "ScanStream": ...
    def __exit__(self, _t: Any, _v: Any, _tb: Any) -> None: ...

@final
class RedactStream:
    def feed(self, chunk: _Text) -> Any: ...
    def finish(self) -> Any: ...
    @property
    def decision(self) -> Optional[Decision]: ...
    @property
    def held_back(self) -> int: ...

@disjoint_base
class Scanner:
    def __new__(
        cls,
        policy: Union[None, str, "os.PathLike[str]", dict[str, Any]] = None,
        tenant: Optional[str] = None,
        detectors: Optional[list[str]] = None,
    ) -> "Scanner": ...
    @property
    def tenant(self) -> str: ...
    @property
    def detectors(self) -> list[str]: ...
    def scan(self, text: _Text, direction: _Direction = "inbound") -> list[Finding]: ...
    @overload
    def redact(self, text: str, direction: _Direction = "inbound") -> str: ...
    @overload
    def redact(self, text: Union[bytes, bytearray, memoryview], direction: _Direction = "inbound") -> bytes: ...
    def evaluate(self, text: _Text, direction: _Direction = "inbound") -> Decision: ...
    def stream(self, direction: _Direction = "inbound") -> ScanStream: ...
    def redact_stream(self, direction: _Direction = "inbound") -> RedactStream: ...
    def _scan_rows(self, rows: Any, direction: str, values: bool) -> dict[str, Any]: ...
    def _scan_arrow(self, chunks: list[Any], large: bool, binary: bool, direction: str, values: bool) -> dict[str, Any]: ...
    def _redact_rows(self, rows: Any, direction: str) -> list[Any]: ...
    def _redact_arrow(self, chunks: list[Any], large: bool, binary: bool, direction: str) -> dict[str, Any]: ...

def catalog() -> list[dict[str, str]]: ...
def _raise_internal_error_for_tests() -> None: ...
