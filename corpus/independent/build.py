#!/usr/bin/env python3
"""Builds the independent scoring set: documents written by hand, not by the corpus generator.

Values follow public specifications and vendors' published formats: the payment networks'
published test card numbers, the example IBANs of the ISO 13616 registry, E.164 and national
phone formats (with the numbers regulators reserve for fiction: Ofcom's 020 7946 0xxx, NANP's
555-01xx, ACMA's 0491 570 xxx), RFC 5322 addresses, the SSA's and IRS's number rules, and the
token formats vendors document (with random bodies). Labels are written inline, so the text
and its truth cannot drift apart:

    [[detector|value]]   a value the detector must report, exactly this span
    [[!kind|text]]       a hard negative: no finding may overlap it

Running the script rewrites the documents and truth.jsonl beside it; the committed files are
its output (`corpus/tests/independent.rs` scores the engine on them). Checks below keep the
labels honest: every card passes Luhn, every IBAN mod-97, every SSN the SSA's rules.

    python3 corpus/independent/build.py
"""
import json
import os
import random
import re
import string

HERE = os.path.dirname(os.path.abspath(__file__))
RNG = random.Random(13616)
ALNUM = string.ascii_letters + string.digits


def rand(n, alphabet=ALNUM):
    return "".join(RNG.choice(alphabet) for _ in range(n))


def luhn(digits):
    total = 0
    for i, d in enumerate(reversed([int(c) for c in digits])):
        total += d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2)
    return total % 10 == 0


def iban_ok(s):
    s = re.sub(r"[^0-9A-Za-z]", "", s).upper()
    n = int("".join(str(int(c, 36)) for c in s[4:] + s[:4]))
    return n % 97 == 1


def ssn_ok(s):
    d = re.sub(r"\D", "", s)
    area, group, serial = int(d[:3]), int(d[3:5]), int(d[5:])
    return area not in (0, 666) and area < 900 and group != 0 and serial != 0


KEYS = {
    "github": "ghp_" + rand(36),
    "github_fine": "github_pat_" + rand(22) + "_" + rand(59),
    "slack": "xoxb-" + rand(11, string.digits) + "-" + rand(13, string.digits) + "-" + rand(24),
    "stripe": "sk_live_" + rand(99),
    "openai": "sk-proj-" + rand(74, ALNUM + "_-") + "T3BlbkFJ" + rand(74, ALNUM + "_-"),
    "anthropic": "sk-ant-api03-" + rand(93, ALNUM + "_-") + "AA",
    "google": "AIza" + rand(35, ALNUM + "_-"),
    "aws_id": "AKIA" + rand(16, string.ascii_uppercase + "234567"),
    "aws_secret": rand(40, ALNUM + "+/"),
    "groq": "gsk_" + rand(52),
    "hf": "hf_" + rand(34, string.ascii_letters),
    "sendgrid": "SG." + rand(22, ALNUM + "_-") + "." + rand(43, ALNUM + "_-"),
    "npm": "npm_" + rand(36),
    "pypi": "pypi-AgEIcHlwaS5vcmc" + rand(140, ALNUM + "_-"),
    "azure": rand(86, ALNUM + "+/") + "==",
}

DOCS = {
    "support-thread.eml": """From: Priya Natarajan <[[email|priya.natarajan@northwind-traders.example]]>
To: [[email|billing@contoso.example]]
Subject: Re: refund for order 88213-44
Content-Type: text/plain; charset=utf-8

Hi, the refund should go back to the Amex ending in 0005. For reference the full number
on file is [[credit_card|3782 822463 10005]] and the backup Visa is [[credit_card|4012888888881881]].
My direct line is [[phone|+44 20 7946 0958]], or the office on [[phone|(212) 555-0147 ext. 12]].
Please do not use the old card [[!luhn_failure|4012 8888 8888 1882]], it was cancelled.
Order ref [[!order_number|2024-000-881-2213]], ticket #[[!ticket|5550147]].
Thanks, Priya
""",
    "customers.csv": """id,name,email,phone,iban,country
1,Jan Kowalski,[[email|jan.kowalski@example.pl]],[[phone|+48 22 123 45 67]],[[iban|PL61 1090 1014 0000 0712 1981 2874]],PL
2,Lena Fischer,[[email|lena.fischer+billing@example.de]],[[phone|+49 (0)30 1234567]],[[iban|DE89 3704 0044 0532 0130 00]],DE
3,Marta García,[[email|marta.garcia@example.es]],[[phone|+34 912 345 678]],[[iban|ES91 2100 0418 4502 0005 1332]],ES
4,Emma Jansen,[[email|e.jansen@example.nl]],[[phone|+31 20 123 4567]],[[iban|NL91ABNA0417164300]],NL
5,Ole Hansen,[[email|ole@example.no]],[[phone|+47 22 12 34 56]],[[iban|NO93 8601 1117 947]],NO
6,Chloé Martin,[[email|chloe.martin@example.fr]],[[phone|+33 1 23 45 67 89]],[[iban|FR14 2004 1010 0505 0001 3M02 606]],FR
7,Seán Murphy,[[email|sean.murphy@example.ie]],[[phone|+353 1 234 5678]],[[iban|IE29 AIBK 9311 5212 3456 78]],IE
8,Luca Rossi,[[email|luca.rossi@example.it]],[[phone|+39 06 1234 5678]],[[iban|IT60 X054 2811 1010 0000 0123 456]],IT
9,Mia Andersson,[[email|mia.andersson@example.se]],[[phone|+46 8 123 456 78]],[[iban|SE45 5000 0000 0583 9825 7466]],SE
10,Noah Müller,[[email|noah.mueller@example.ch]],[[phone|+41 44 668 18 00]],[[iban|CH93 0076 2011 6238 5295 7]],CH
11,Jack Smith,[[email|jack.smith@example.co.uk]],[[phone|+44 161 496 0123]],[[iban|GB82 WEST 1234 5698 7654 32]],GB
12,Olivia Brown,[[email|olivia.brown@example.com.au]],[[phone|+61 491 570 156]],,AU
13,Maria Peeters,[[email|maria.peeters@example.be]],[[phone|+32 2 123 45 67]],[[iban|BE68 5390 0754 7034]],BE
14,Anna Gruber,[[email|anna.gruber@example.at]],[[phone|+43 1 234567890]],[[iban|AT61 1904 3002 3457 3201]],AT
15,Mikko Virtanen,[[email|mikko.virtanen@example.fi]],[[phone|+358 9 1234567]],[[iban|FI21 1234 5600 0007 85]],FI
16,Freja Nielsen,[[email|freja@example.dk]],[[phone|+45 32 12 34 56]],[[iban|DK50 0040 0440 1162 43]],DK
17,Bad Row,[[!invalid_email|not-an-email@]],[[!short_number|+1 555]],[[!mod97_failure|GB82 WEST 1234 5698 7654 33]],GB
""",
    "hr-export.txt": """EMPLOYEE TAX RECORD (export, do not forward)
Name: Robert Allen          SSN: [[us_ssn|372-64-1185]]
Name: Dana White            SSN: [[us_ssn|457 55 5462]]
Name: Kim Lee               social security number [[us_ssn|078051121]]
Name: Carlos Diaz           ITIN: [[us_itin|912-70-3456]]
Name: Alex Moore            Taxpayer ITIN [[us_itin|987-88-1234]]
Employee number [[!employee_id|123456789]] (not an SSN), cost centre [[!cost_centre|900-12-3456]].
Office: Suite 680 [[!address|36 4022]] Oakridge Lane, mobile [[phone|212-555-0199]].
Phone: [[phone|9845550123]]
""",
    "api-log.jsonl": """{"ts":"2026-11-02T10:00:01Z","path":"/v1/users?email=[[email|ada.lovelace%40example.org]]&page=2","status":200}
{"ts":"2026-11-02T10:00:02Z","body":"{\\"to\\":\\"[[email|grace.hopper\\u0040example.org]]\\",\\"ssn\\":\\"[[us_ssn|536\\u002d22\\u002d8726]]\\"}","status":201}
{"ts":"2026-11-02T10:00:03Z","client":"[[ipv4|203.0.113.42]]","upstream":"[[ipv6|2001:db8::192.168.1.1]]","allow":"[[ipv4|10.0.0.0/8]]"}
{"ts":"2026-11-02T10:00:04Z","auth":"Bearer [[github_token|{github}]]","agent":"curl/8.5.0"}
{"ts":"2026-11-02T10:00:05Z","form":"card=[[credit_card|5555%205555%205555%204444]]&cvv=123","status":402}
{"ts":"2026-11-02T10:00:06Z","version":"[[!version|1.2.3.4]]","build":"[[!git_sha|9fceb02d0ae598e95dc970b74767f19372d61af8]]"}
""",
    "profile.html": """<html><body>
<p>Contact: [[email|webmaster&#64;fabrikam.example]] or [[email|sales&commat;fabrikam&period;example]]</p>
<p>Card on file: [[credit_card|6011&nbsp;1111&nbsp;1111&nbsp;1117]]</p>
<p>Write to [[email|ｉｎｆｏ＠ｆａｂｒｉｋａｍ．ｅｘａｍｐｌｅ]] for the Tokyo office.</p>
<p>Tom &amp; Jerry &lt;[[email|tom@cartoons.example]]&gt;</p>
</body></html>
""",
    "deploy.env": """# CI secrets (rotated weekly)
GITHUB_TOKEN=[[github_token|{github_fine}]]
SLACK_BOT_TOKEN=[[slack_token|{slack}]]
STRIPE_SECRET_KEY=[[stripe_key|{stripe}]]
OPENAI_API_KEY=[[openai_key|{openai}]]
ANTHROPIC_API_KEY=[[anthropic_key|{anthropic}]]
GOOGLE_API_KEY=[[google_api_key|{google}]]
AWS_ACCESS_KEY_ID=[[aws_access_key_id|{aws_id}]]
AWS_SECRET_ACCESS_KEY=[[aws_secret_access_key|{aws_secret}]]
GROQ_API_KEY=[[groq_key|{groq}]]
HF_TOKEN=[[huggingface_token|{hf}]]
SENDGRID_API_KEY=[[sendgrid_key|{sendgrid}]]
NPM_TOKEN=[[npm_token|{npm}]]
TWINE_PASSWORD=[[pypi_token|{pypi}]]
AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=fabrikamdata;AccountKey=[[azure_storage_key|{azure}]];EndpointSuffix=core.windows.net
# Documentation examples, not secrets:
EXAMPLE_KEY=[[!published_example|AKIAIOSFODNN7EXAMPLE]]
PLACEHOLDER=[[!placeholder|ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx]]
DB_PASSWORD=[[!placeholder|${DB_PASSWORD}]]
""",
    "mail-qp.eml": """Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Bonjour, voici les coordonn=C3=A9es demand=C3=A9es pour le remboursement du client. Le=
 num=C3=A9ro de carte est [[credit_card|4000 0566 5566 5556]] et l'adresse de contact est
[[email|jean.dupont=40example.fr]]. Merci de ne pas transf=C3=A9rer ce message.
""",
    "chat.md": """**user:** my new number is [[phone|+1-984-182-0190]] and my old one was [[phone|+1 (415) 555-0132 x62406]]
**user:** the payment email is [[email|amFuZS5kb2VAZXhhbXBsZS5vcmc]]= encoded, sorry
**assistant:** Thanks. I won't repeat your card ([[credit_card|3530111333300000]]) or the JCB 15 [[credit_card|213152601815907]].
**user:** IBAN lower case: [[iban|gb82west12345698765432]], spaced: [[iban|ES 91 2100 0418 4502 0005 1332]]
**user:** this is not a card: [[!luhn_failure|4111 1111 1111 1112]], nor this: [[!too_long|41111111111111111111111]]
""",
    # A chat log as an LLM gateway or its client writes it: message text is a JSON string, so a
    # line break before a value is the two characters `\n` glued to it.
    "llm-transcript.jsonl": """{"role":"user","content":"Please update my details.\\nCard:\\n[[credit_card|4000 0566 5566 5556]]\\nSSN:\\n[[us_ssn|536-22-8726]]\\nThanks"}
{"role":"user","content":"Offices\\tParis\\t[[phone|+33 1 99 00 12 34]]\\tTokyo\\t[[phone|+81 3-1234-5678]]\\tMumbai\\t[[phone|+91 98765 43210]]"}
{"role":"assistant","content":"I have noted:\\u000a[[email|li.wei@example.cn]] and the callback /cb?to=%0A[[email|ops@example.org]]"}
{"role":"user","content":"Beneficiary IBAN:\\r\\n[[iban|DE89 3704 0044 0532 0130 00]]\\nOur ref: [[!bban_structure|GB25123412345698765432]], ticket [[!no_such_country|+285 123 456 789]]"}
{"role":"user","content":"call [[phone|+1 212 555 0147]] [[us_ssn|536-22-8731]] for the claim"}
""",
}


def build():
    truth = []
    marker = re.compile(r"\[\[(!?[a-z0-9_]+)\|(.*?)\]\]", re.S)
    for name, src in DOCS.items():
        src = re.sub(r"\{(\w+)\}", lambda m: KEYS.get(m.group(1), m.group(0)), src)
        out, pos = [], 0
        for m in marker.finditer(src):
            out.append(src[pos : m.start()])
            start = len("".join(out).encode())
            value = m.group(2)
            out.append(value)
            end = start + len(value.encode())
            kind = m.group(1)
            check(kind, value)
            if kind.startswith("!"):
                truth.append({"file": name, "negative": kind[1:], "start": start, "end": end})
            else:
                truth.append({"file": name, "detector": kind, "start": start, "end": end})
            pos = m.end()
        out.append(src[pos:])
        with open(os.path.join(HERE, name), "w", encoding="utf-8", newline="\n") as f:
            f.write("".join(out))
    with open(os.path.join(HERE, "truth.jsonl"), "w") as f:
        for t in truth:
            f.write(json.dumps(t, separators=(",", ":")) + "\n")
    print(f"{len(DOCS)} documents, {len(truth)} labels")


def check(kind, value):
    """Keeps the labels honest: a labelled value must be valid by its specification."""
    plain = value.replace("&nbsp;", " ").replace("%20", " ")
    if kind == "credit_card" and not ("ＡＢ" in value):
        assert luhn(re.sub(r"\D", "", plain)), value
    if kind == "iban":
        assert iban_ok(value), value
    if kind == "us_ssn":
        assert ssn_ok(value.replace("\\u002d", "-")), value
    if kind == "!luhn_failure":
        assert not luhn(re.sub(r"\D", "", value)), value
    if kind == "!mod97_failure":
        assert not iban_ok(value), value


if __name__ == "__main__":
    build()
