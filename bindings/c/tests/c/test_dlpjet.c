/*
 * Tests of the dlpjet C ABI from C: every function, the error paths, and one scanner shared by
 * several threads. Built against the installed header and library (see the Makefile) and run
 * plainly, under valgrind and with AddressSanitizer.
 *
 *   test_dlpjet DIR     DIR: a writable directory for a policy file
 */
#include <dlpjet.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Atomic int checks, failures; /* the threads check too */

#define CHECK(cond)                                                                     \
    do {                                                                                \
        checks++;                                                                       \
        if (!(cond)) {                                                                  \
            failures++;                                                                 \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
        }                                                                               \
    } while (0)

#define CHECK_STATUS(call, want) CHECK((call) == (want))

/* Whether the error `e` of a call has status `status` and a message containing `want` (and not
 * `never`, when given); frees `e`. */
static int error_says(dlpjet_error *e, dlpjet_status status, const char *want, const char *never) {
    const char *m = dlpjet_error_message(e);
    int ok = e != NULL && dlpjet_error_status(e) == status && m != NULL && strstr(m, want) != NULL &&
             (never == NULL || strstr(m, never) == NULL);
    if (!ok) fprintf(stderr, "    error: %s\n", m ? m : "(none)");
    dlpjet_error_free(e);
    return ok;
}

static const char TEXT[] = "pay 4111 1111 1111 1111 now, mail jane.doe@example.org";
#define TEXT_LEN (sizeof TEXT - 1)
static const char REDACTED[] = "pay [CREDIT_CARD] now, mail [EMAIL]";

static const char BLOCK_CARDS[] =
    "version = 1\n"
    "[default]\n"
    "default_action = \"warn\"\n"
    "[default.detectors.credit_card]\n"
    "action = \"block\"\n"
    "[tenants.acme]\n"
    "default_action = \"redact\"\n"
    "[tenants.acme.detectors.credit_card]\n"
    "action = \"redact\"\n"
    "[tenants.outbound_only.detectors.email]\n"
    "direction = \"outbound\"\n"
    "[tenants.small]\n"
    "limits = { max_input_bytes = 16, on_exceed = \"block\" }\n"
    "[tenants.cut]\n"
    "limits = { max_input_bytes = 16, on_exceed = \"truncate\" }\n";

static dlpjet_scanner *make(const char *policy, const char *tenant) {
    dlpjet_scanner *s = NULL;
    dlpjet_status st = dlpjet_scanner_new(policy, policy ? strlen(policy) : 0, tenant, &s, NULL);
    CHECK(st == DLPJET_OK && s != NULL);
    return s;
}

static void test_version(void) {
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", DLPJET_VERSION_MAJOR, DLPJET_VERSION_MINOR, DLPJET_VERSION_PATCH);
    CHECK(strcmp(dlpjet_version(), want) == 0);
    CHECK(strcmp(dlpjet_status_name(DLPJET_ERR_POLICY), "DLPJET_ERR_POLICY") == 0);
    CHECK(strcmp(dlpjet_status_name(1234), "DLPJET_UNKNOWN_STATUS") == 0);
    CHECK(strcmp(dlpjet_action_name(DLPJET_REDACT), "redact") == 0);
    CHECK(dlpjet_action_name(99) == NULL);
}

static void test_scan(void) {
    dlpjet_scanner *s = make(NULL, NULL);
    dlpjet_finding one[1];
    size_t count = 0;
    CHECK_STATUS(dlpjet_scan(s, DLPJET_INBOUND, (const uint8_t *)TEXT, TEXT_LEN, one, 1, &count, NULL),
                 DLPJET_ERR_BUFFER_TOO_SMALL);
    CHECK(count == 2);
    CHECK(strcmp(one[0].detector, "credit_card") == 0);

    dlpjet_finding f[8];
    CHECK_STATUS(dlpjet_scan(s, DLPJET_INBOUND, (const uint8_t *)TEXT, TEXT_LEN, f, 8, &count, NULL), DLPJET_OK);
    CHECK(count == 2);
    CHECK(strcmp(f[0].detector, "credit_card") == 0 && f[0].start == 4 && f[0].end == 23);
    CHECK(f[0].action == DLPJET_REDACT && f[0].confidence > 0.5f && f[0].confidence <= 1.0f);
    CHECK(strcmp(f[1].detector, "email") == 0 && memcmp(TEXT + f[1].start, "jane.doe@example.org", 20) == 0);

    /* The count alone, with no buffer. */
    CHECK_STATUS(dlpjet_scan(s, DLPJET_BOTH, (const uint8_t *)TEXT, TEXT_LEN, NULL, 0, &count, NULL),
                 DLPJET_ERR_BUFFER_TOO_SMALL);
    CHECK(count == 2);
    /* Empty input, any bytes. */
    CHECK_STATUS(dlpjet_scan(s, DLPJET_INBOUND, NULL, 0, f, 8, &count, NULL), DLPJET_OK);
    CHECK(count == 0);
    const uint8_t binary[] = {0xff, 0x00, 0xfe, '4', '1', '1', '1', 0x00};
    CHECK_STATUS(dlpjet_scan(s, DLPJET_INBOUND, binary, sizeof binary, f, 8, &count, NULL), DLPJET_OK);

    dlpjet_findings *all = NULL;
    CHECK_STATUS(dlpjet_scan_alloc(s, DLPJET_INBOUND, (const uint8_t *)TEXT, TEXT_LEN, &all, NULL), DLPJET_OK);
    dlpjet_scanner_free(s); /* result objects outlive their scanner */
    CHECK(dlpjet_findings_len(all) == 2);
    const dlpjet_finding *g = dlpjet_findings_get(all, 1);
    CHECK(g != NULL && strcmp(g->detector, "email") == 0);
    CHECK(dlpjet_findings_get(all, 2) == NULL);
    CHECK(dlpjet_findings_len(NULL) == 0 && dlpjet_findings_get(NULL, 0) == NULL);
    dlpjet_findings_free(all);
    dlpjet_findings_free(NULL);
}

static void test_redact(void) {
    dlpjet_scanner *s = make(NULL, NULL);
    size_t need = 0;
    CHECK_STATUS(dlpjet_redact(s, DLPJET_INBOUND, (const uint8_t *)TEXT, TEXT_LEN, NULL, 0, &need, NULL),
                 DLPJET_ERR_BUFFER_TOO_SMALL);
    CHECK(need == strlen(REDACTED));
    uint8_t small[4] = {'x', 'x', 'x', 'x'};
    size_t got = 0;
    CHECK_STATUS(dlpjet_redact(s, DLPJET_INBOUND, (const uint8_t *)TEXT, TEXT_LEN, small, sizeof small, &got, NULL),
                 DLPJET_ERR_BUFFER_TOO_SMALL);
    CHECK(got == need && small[0] == 'x'); /* nothing written */
    uint8_t *buf = malloc(need);
    CHECK_STATUS(dlpjet_redact(s, DLPJET_INBOUND, (const uint8_t *)TEXT, TEXT_LEN, buf, need, &got, NULL), DLPJET_OK);
    CHECK(got == need && memcmp(buf, REDACTED, need) == 0);
    free(buf);

    uint8_t *out = NULL;
    size_t len = 0;
    CHECK_STATUS(dlpjet_redact_alloc(s, DLPJET_OUTBOUND, (const uint8_t *)TEXT, TEXT_LEN, &out, &len, NULL), DLPJET_OK);
    CHECK(len == strlen(REDACTED) && memcmp(out, REDACTED, len) == 0);
    dlpjet_bytes_free(out, len);
    /* Nothing to redact: the input comes back unchanged. */
    CHECK_STATUS(dlpjet_redact_alloc(s, DLPJET_INBOUND, (const uint8_t *)"hello", 5, &out, &len, NULL), DLPJET_OK);
    CHECK(len == 5 && memcmp(out, "hello", 5) == 0);
    dlpjet_bytes_free(out, len);
    CHECK_STATUS(dlpjet_redact_alloc(s, DLPJET_INBOUND, NULL, 0, &out, &len, NULL), DLPJET_OK);
    CHECK(len == 0 && out == NULL);
    dlpjet_bytes_free(NULL, 0);
    dlpjet_scanner_free(s);
}

static void test_policy_decisions(void) {
    dlpjet_scanner *s = make(BLOCK_CARDS, NULL);
    dlpjet_decision *d = NULL;
    CHECK_STATUS(dlpjet_evaluate(s, DLPJET_INBOUND, (const uint8_t *)TEXT, TEXT_LEN, &d, NULL), DLPJET_OK);
    CHECK(dlpjet_decision_action(d) == DLPJET_BLOCK);
    CHECK(strcmp(dlpjet_decision_block_reason(d), "credit_card (1 hit)") == 0);
    CHECK(strcmp(dlpjet_decision_block_code(d), "detector") == 0);
    CHECK(dlpjet_decision_findings_len(d) == 2);
    const dlpjet_finding *f = dlpjet_decision_finding(d, 1);
    CHECK(f != NULL && strcmp(f->detector, "email") == 0 && f->action == DLPJET_WARN);
    CHECK(dlpjet_decision_finding(d, 2) == NULL);
    const uint8_t *text = NULL;
    size_t len = 0;
    CHECK(!dlpjet_decision_redacted(d, &text, &len));
    CHECK(!dlpjet_decision_truncated(d));
    dlpjet_decision_free(d);

    /* Blocked: no output, and the reason (never the value) in the call's error. */
    uint8_t buf[128];
    size_t got = 99;
    dlpjet_error *err = NULL;
    CHECK_STATUS(dlpjet_redact(s, DLPJET_INBOUND, (const uint8_t *)TEXT, TEXT_LEN, buf, sizeof buf, &got, &err),
                 DLPJET_BLOCKED);
    CHECK(got == 0);
    CHECK(error_says(err, DLPJET_BLOCKED, "credit_card", "4111"));
    uint8_t *out = (uint8_t *)1;
    CHECK_STATUS(dlpjet_redact_alloc(s, DLPJET_INBOUND, (const uint8_t *)TEXT, TEXT_LEN, &out, &got, NULL), DLPJET_BLOCKED);
    CHECK(out == NULL && got == 0);
    dlpjet_scanner_free(s);

    /* Another tenant of the same policy redacts. */
    s = make(BLOCK_CARDS, "acme");
    CHECK_STATUS(dlpjet_evaluate(s, DLPJET_INBOUND, (const uint8_t *)TEXT, TEXT_LEN, &d, NULL), DLPJET_OK);
    CHECK(dlpjet_decision_action(d) == DLPJET_REDACT);
    CHECK(dlpjet_decision_block_reason(d) == NULL && dlpjet_decision_block_code(d) == NULL);
    CHECK(dlpjet_decision_redacted(d, &text, &len));
    CHECK(len == strlen(REDACTED) && memcmp(text, REDACTED, len) == 0);
    dlpjet_decision_free(d);
    dlpjet_decision_free(NULL);
    CHECK(dlpjet_decision_action(NULL) == DLPJET_ALLOW && dlpjet_decision_findings_len(NULL) == 0);
    dlpjet_scanner_free(s);

    /* Directions: the email detector runs on outbound text only for this tenant. */
    s = make(BLOCK_CARDS, "outbound_only");
    dlpjet_finding fs[4];
    size_t count = 0;
    const char *mail = "mail jane.doe@example.org";
    CHECK_STATUS(dlpjet_scan(s, DLPJET_INBOUND, (const uint8_t *)mail, strlen(mail), fs, 4, &count, NULL), DLPJET_OK);
    CHECK(count == 0);
    CHECK_STATUS(dlpjet_scan(s, DLPJET_OUTBOUND, (const uint8_t *)mail, strlen(mail), fs, 4, &count, NULL), DLPJET_OK);
    CHECK(count == 1);
    dlpjet_scanner_free(s);

    /* Size limits. */
    s = make(BLOCK_CARDS, "small");
    dlpjet_error *limit = NULL;
    CHECK_STATUS(dlpjet_scan(s, DLPJET_INBOUND, (const uint8_t *)TEXT, TEXT_LEN, fs, 4, &count, &limit), DLPJET_BLOCKED);
    CHECK(count == 0);
    CHECK(error_says(limit, DLPJET_BLOCKED, "16 bytes", NULL));
    CHECK_STATUS(dlpjet_evaluate(s, DLPJET_INBOUND, (const uint8_t *)TEXT, TEXT_LEN, &d, NULL), DLPJET_OK);
    CHECK(strcmp(dlpjet_decision_block_code(d), "input_too_large") == 0);
    dlpjet_decision_free(d);
    dlpjet_scanner_free(s);
    s = make(BLOCK_CARDS, "cut");
    CHECK_STATUS(dlpjet_evaluate(s, DLPJET_INBOUND, (const uint8_t *)TEXT, TEXT_LEN, &d, NULL), DLPJET_OK);
    CHECK(dlpjet_decision_truncated(d) && dlpjet_decision_findings_len(d) == 0);
    dlpjet_decision_free(d);
    dlpjet_scanner_free(s);
}

static void test_errors(const char *dir) {
    dlpjet_scanner *s = NULL;
    const char *bad = "version = 1\n[default]\ndefault_action = \"explode\"\n";
    dlpjet_error *err = NULL;
    CHECK_STATUS(dlpjet_scanner_new(bad, strlen(bad), NULL, &s, &err), DLPJET_ERR_POLICY);
    CHECK(s == NULL && err != NULL);
    size_t line = 0, column = 0;
    CHECK(dlpjet_error_location(err, &line, &column));
    CHECK(line == 3 && column == 18);
    CHECK(dlpjet_error_location(err, NULL, NULL));
    CHECK(error_says(err, DLPJET_ERR_POLICY, "default.default_action", NULL));

    err = NULL;
    CHECK_STATUS(dlpjet_scanner_new(BLOCK_CARDS, strlen(BLOCK_CARDS), "nobody", &s, &err), DLPJET_ERR_UNKNOWN_TENANT);
    CHECK(!dlpjet_error_location(err, &line, &column));
    CHECK(error_says(err, DLPJET_ERR_UNKNOWN_TENANT, "nobody", NULL));
    const char utf8[] = "version = 1\n# \xff\n";
    err = NULL;
    CHECK_STATUS(dlpjet_scanner_new(utf8, sizeof utf8 - 1, NULL, &s, &err), DLPJET_ERR_INVALID_UTF8);
    CHECK(error_says(err, DLPJET_ERR_INVALID_UTF8, "at byte 14", NULL));
    CHECK_STATUS(dlpjet_scanner_new("version = 1", 11, "\xff", &s, NULL), DLPJET_ERR_INVALID_UTF8);
    CHECK_STATUS(dlpjet_scanner_new(NULL, 5, NULL, &s, NULL), DLPJET_ERR_NULL_POINTER);
    err = NULL;
    CHECK_STATUS(dlpjet_scanner_new(NULL, 0, NULL, NULL, &err), DLPJET_ERR_NULL_POINTER);
    CHECK(err != NULL && strcmp(dlpjet_error_message(err), "out is NULL") == 0);
    dlpjet_error_free(err);
    /* Success writes no error; the accessors accept NULL. */
    err = NULL;
    CHECK_STATUS(dlpjet_scanner_new(NULL, 0, NULL, &s, &err), DLPJET_OK);
    CHECK(err == NULL);
    dlpjet_scanner_free(s);
    s = NULL;
    CHECK(dlpjet_error_status(NULL) == DLPJET_ERR_NULL_POINTER && dlpjet_error_message(NULL) == NULL);
    dlpjet_error_free(NULL);
    CHECK(strcmp(dlpjet_status_message(DLPJET_ERR_POLICY), "the policy has a mistake") == 0);
    CHECK(strcmp(dlpjet_status_message(77), "unknown status") == 0);

    /* From a file: errors name it. */
    char path[4096];
    snprintf(path, sizeof path, "%s/policy.toml", dir);
    FILE *fp = fopen(path, "w");
    CHECK(fp != NULL);
    if (fp) {
        fputs(BLOCK_CARDS, fp);
        fclose(fp);
    }
    CHECK_STATUS(dlpjet_scanner_from_file(path, "acme", &s, NULL), DLPJET_OK);
    dlpjet_scanner_free(s);
    snprintf(path, sizeof path, "%s/missing.toml", dir);
    err = NULL;
    CHECK_STATUS(dlpjet_scanner_from_file(path, NULL, &s, &err), DLPJET_ERR_POLICY);
    CHECK(error_says(err, DLPJET_ERR_POLICY, "missing.toml", NULL));
    CHECK_STATUS(dlpjet_scanner_from_file(NULL, NULL, &s, NULL), DLPJET_ERR_NULL_POINTER);

    s = make(NULL, NULL);
    dlpjet_finding f[2];
    size_t n = 0;
    err = NULL;
    CHECK_STATUS(dlpjet_scan(NULL, DLPJET_INBOUND, (const uint8_t *)"x", 1, f, 2, &n, &err), DLPJET_ERR_NULL_POINTER);
    CHECK(err != NULL && strcmp(dlpjet_error_message(err), "scanner is NULL") == 0);
    dlpjet_error_free(err);
    CHECK_STATUS(dlpjet_scan(s, DLPJET_INBOUND, NULL, 3, f, 2, &n, NULL), DLPJET_ERR_NULL_POINTER);
    CHECK_STATUS(dlpjet_scan(s, DLPJET_INBOUND, (const uint8_t *)"x", SIZE_MAX, f, 2, &n, NULL), DLPJET_ERR_INVALID_ARGUMENT);
    err = NULL;
    CHECK_STATUS(dlpjet_scan(s, 7, (const uint8_t *)"x", 1, f, 2, &n, &err), DLPJET_ERR_INVALID_ARGUMENT);
    CHECK(error_says(err, DLPJET_ERR_INVALID_ARGUMENT, "direction 7", NULL));
    CHECK_STATUS(dlpjet_scan(s, DLPJET_INBOUND, (const uint8_t *)"x", 1, NULL, 2, &n, NULL), DLPJET_ERR_NULL_POINTER);
    CHECK_STATUS(dlpjet_scan(s, DLPJET_INBOUND, (const uint8_t *)"x", 1, f, 2, NULL, NULL), DLPJET_ERR_NULL_POINTER);
    CHECK_STATUS(dlpjet_scan_alloc(s, DLPJET_INBOUND, (const uint8_t *)"x", 1, NULL, NULL), DLPJET_ERR_NULL_POINTER);
    uint8_t b[4];
    CHECK_STATUS(dlpjet_redact(s, DLPJET_INBOUND, (const uint8_t *)"x", 1, NULL, 4, &n, NULL), DLPJET_ERR_NULL_POINTER);
    CHECK_STATUS(dlpjet_redact(s, DLPJET_INBOUND, (const uint8_t *)"x", 1, b, 4, NULL, NULL), DLPJET_ERR_NULL_POINTER);
    CHECK_STATUS(dlpjet_redact_alloc(s, DLPJET_INBOUND, (const uint8_t *)"x", 1, NULL, &n, NULL), DLPJET_ERR_NULL_POINTER);
    CHECK_STATUS(dlpjet_evaluate(s, DLPJET_INBOUND, (const uint8_t *)"x", 1, NULL, NULL), DLPJET_ERR_NULL_POINTER);
    CHECK_STATUS(dlpjet_evaluate(s, 3, (const uint8_t *)"x", 1, NULL, NULL), DLPJET_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(dlpjet_stream_new(s, DLPJET_INBOUND, NULL, NULL), DLPJET_ERR_NULL_POINTER);
    CHECK_STATUS(dlpjet_stream_new(NULL, DLPJET_INBOUND, NULL, NULL), DLPJET_ERR_NULL_POINTER);
    const uint8_t *o = NULL;
    CHECK_STATUS(dlpjet_stream_push(NULL, (const uint8_t *)"x", 1, &o, &n, NULL), DLPJET_ERR_NULL_POINTER);
    CHECK_STATUS(dlpjet_stream_finish(NULL, &o, &n, NULL, NULL), DLPJET_ERR_NULL_POINTER);
    dlpjet_scanner_free(s);
    dlpjet_scanner_free(NULL);
    dlpjet_stream_free(NULL);
}

/* Pushes TEXT through a stream in chunks of `step` bytes and collects the output. */
static size_t stream_through(dlpjet_scanner *s, size_t step, char *out, size_t cap, dlpjet_decision **d) {
    dlpjet_stream *st = NULL;
    CHECK_STATUS(dlpjet_stream_new(s, DLPJET_OUTBOUND, &st, NULL), DLPJET_OK);
    size_t used = 0;
    const uint8_t *o;
    size_t n;
    for (size_t at = 0; at < TEXT_LEN; at += step) {
        size_t k = TEXT_LEN - at < step ? TEXT_LEN - at : step;
        CHECK_STATUS(dlpjet_stream_push(st, (const uint8_t *)TEXT + at, k, &o, &n, NULL), DLPJET_OK);
        CHECK(used + n <= cap);
        if (n) memcpy(out + used, o, n);
        used += n;
    }
    CHECK(dlpjet_stream_held_back(st) <= TEXT_LEN);
    CHECK_STATUS(dlpjet_stream_finish(st, &o, &n, d, NULL), DLPJET_OK);
    if (n) memcpy(out + used, o, n);
    used += n;
    CHECK_STATUS(dlpjet_stream_finish(st, &o, &n, NULL, NULL), DLPJET_ERR_STREAM_FINISHED);
    CHECK_STATUS(dlpjet_stream_push(st, (const uint8_t *)"x", 1, &o, &n, NULL), DLPJET_ERR_STREAM_FINISHED);
    dlpjet_stream_free(st);
    return used;
}

static void test_stream(void) {
    dlpjet_scanner *s = make(NULL, NULL);
    for (size_t step = 1; step <= TEXT_LEN; step++) {
        char out[256];
        dlpjet_decision *d = NULL;
        size_t n = stream_through(s, step, out, sizeof out, step == 1 ? &d : NULL);
        CHECK(n == strlen(REDACTED) && memcmp(out, REDACTED, n) == 0);
        if (d) {
            CHECK(dlpjet_decision_action(d) == DLPJET_REDACT && dlpjet_decision_findings_len(d) == 2);
            CHECK(dlpjet_decision_finding(d, 0)->start == 4);
            CHECK(!dlpjet_decision_redacted(d, NULL, NULL));
            dlpjet_decision_free(d);
        }
    }
    /* A stream outlives its scanner. */
    dlpjet_stream *st = NULL;
    CHECK_STATUS(dlpjet_stream_new(s, DLPJET_INBOUND, &st, NULL), DLPJET_OK);
    dlpjet_scanner_free(s);
    const uint8_t *o;
    size_t n;
    CHECK_STATUS(dlpjet_stream_push(st, (const uint8_t *)"mail jane.doe@exa", 17, &o, &n, NULL), DLPJET_OK);
    CHECK(dlpjet_stream_held_back(st) > 0);
    dlpjet_stream_free(st); /* unfinished */

    /* A blocked stream passes nothing of the card and stays blocked. The block is known as soon
     * as the card is final: here, once plenty of text has followed it. */
    s = make(BLOCK_CARDS, NULL);
    CHECK_STATUS(dlpjet_stream_new(s, DLPJET_INBOUND, &st, NULL), DLPJET_OK);
    CHECK_STATUS(dlpjet_stream_push(st, (const uint8_t *)"hello pay 4111 1111 ", 20, &o, &n, NULL), DLPJET_OK);
    CHECK(n <= 10 && (n == 0 || memchr(o, '4', n) == NULL)); /* "hello pay " at most */
    size_t filler_len = 200000;
    char *filler = malloc(filler_len);
    memset(filler, 'x', filler_len);
    memcpy(filler, "1111 1111 done ", 15);
    dlpjet_error *why = NULL;
    CHECK_STATUS(dlpjet_stream_push(st, (const uint8_t *)filler, filler_len, &o, &n, &why), DLPJET_BLOCKED);
    CHECK(error_says(why, DLPJET_BLOCKED, "credit_card", "4111"));
    CHECK(n <= 10 && (n == 0 || memchr(o, '4', n) == NULL)); /* "hello pay " at most */
    free(filler);
    CHECK_STATUS(dlpjet_stream_push(st, (const uint8_t *)"more", 4, &o, &n, NULL), DLPJET_BLOCKED);
    CHECK(n == 0);
    dlpjet_decision *d = NULL;
    CHECK_STATUS(dlpjet_stream_finish(st, &o, &n, &d, NULL), DLPJET_BLOCKED);
    CHECK(n == 0 && dlpjet_decision_action(d) == DLPJET_BLOCK);
    dlpjet_decision_free(d);
    dlpjet_stream_free(st);

    /* Blocked only when the body ends: finish says so, and nothing of the card was released. */
    CHECK_STATUS(dlpjet_stream_new(s, DLPJET_INBOUND, &st, NULL), DLPJET_OK);
    char seen[64];
    size_t used = 0;
    CHECK_STATUS(dlpjet_stream_push(st, (const uint8_t *)"pay 4111 1111 1111 1111", 23, &o, &n, NULL), DLPJET_OK);
    if (n) memcpy(seen, o, n);
    used += n;
    CHECK_STATUS(dlpjet_stream_finish(st, &o, &n, NULL, NULL), DLPJET_BLOCKED);
    if (n) memcpy(seen + used, o, n);
    used += n;
    CHECK(used <= 4 && memchr(seen, '4', used) == NULL);
    dlpjet_stream_free(st);
    dlpjet_scanner_free(s);
}

/* One scanner, several threads, each scanning, redacting and streaming. */
struct job {
    dlpjet_scanner *scanner;
    int ok;
};

static void *worker(void *arg) {
    struct job *j = arg;
    j->ok = 1;
    for (int i = 0; i < 200; i++) {
        dlpjet_finding f[4];
        size_t count = 0;
        if (dlpjet_scan(j->scanner, DLPJET_INBOUND, (const uint8_t *)TEXT, TEXT_LEN, f, 4, &count, NULL) != DLPJET_OK ||
            count != 2 || strcmp(f[1].detector, "email") != 0)
            j->ok = 0;
        uint8_t out[128];
        size_t n = 0;
        if (dlpjet_redact(j->scanner, DLPJET_INBOUND, (const uint8_t *)TEXT, TEXT_LEN, out, sizeof out, &n, NULL) != DLPJET_OK ||
            n != strlen(REDACTED) || memcmp(out, REDACTED, n) != 0)
            j->ok = 0;
        /* Each call's error is its own object. */
        dlpjet_error *err = NULL;
        if (dlpjet_scan(j->scanner, 9, NULL, 0, f, 4, &count, &err) != DLPJET_ERR_INVALID_ARGUMENT ||
            !error_says(err, DLPJET_ERR_INVALID_ARGUMENT, "direction 9", NULL))
            j->ok = 0;
        if (i % 20 == 0) {
            char buf[256];
            if (stream_through(j->scanner, (size_t)(i % 7) + 1, buf, sizeof buf, NULL) != strlen(REDACTED))
                j->ok = 0;
        }
    }
    return NULL;
}

static void test_threads(void) {
    dlpjet_scanner *s = make(NULL, NULL);
    enum { N = 4 };
    pthread_t t[N];
    struct job jobs[N];
    for (int i = 0; i < N; i++) {
        jobs[i].scanner = s;
        CHECK(pthread_create(&t[i], NULL, worker, &jobs[i]) == 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        CHECK(jobs[i].ok);
    }
    dlpjet_scanner_free(s);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : ".";
    test_version();
    test_scan();
    test_redact();
    test_policy_decisions();
    test_errors(dir);
    test_stream();
    test_threads();
    printf("C ABI: %d checks passed, %d failed\n", (int)(checks - failures), (int)failures);
    return failures ? 1 : 0;
}
