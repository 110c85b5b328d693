"""How a typed caller uses dlpjet; the suite runs mypy --strict over it (and the package)."""

import io

import dlpjet


def main() -> None:
    scanner = dlpjet.Scanner(policy={"version": 1, "default": {"default_action": "redact"}}, tenant=None)
    findings: list[dlpjet.Finding] = scanner.scan("mail jane@example.org")
    starts: list[int] = [f.start for f in findings]
    text: str = scanner.redact("mail jane@example.org")
    raw: bytes = scanner.redact(b"mail jane@example.org")
    decision: dlpjet.Decision = scanner.evaluate("x", direction="outbound")
    action: str = decision.action
    stream = scanner.stream()
    more: list[dlpjet.Finding] = stream.feed("a") + stream.finish()
    module_level: str = dlpjet.redact("4111 1111 1111 1111")
    with scanner.redacting_writer(io.StringIO()) as w:
        w.write("x")
    try:
        dlpjet.Scanner("missing.toml")
    except dlpjet.PolicyError as e:
        line: int | None = e.line
        print(line)
    print(starts, text, raw, action, more, module_level)
