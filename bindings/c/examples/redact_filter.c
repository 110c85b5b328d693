/*
 * redact_filter: a filter any proxy author knows the shape of. Reads a body from standard
 * input in chunks, passes each through a dlpjet stream, and writes the redacted output as it is
 * released. Values split across chunks are still caught; at most a short tail is held back.
 *
 *   redact_filter [POLICY.toml [TENANT]] < in > out
 *
 * Without a policy every built-in detector is redacted. Exit status: 0 when the body passed
 * (redacted or not), 3 when the policy blocked it (the output then stops before the blocking
 * value), 2 on an error.
 */
#include <dlpjet.h>

#include <stdio.h>
#include <string.h>

/* Says what went wrong (the call's error, or the status's meaning) and frees the error. */
static void report(dlpjet_status st, dlpjet_error *err) {
    fprintf(stderr, "redact_filter: %s\n", err ? dlpjet_error_message(err) : dlpjet_status_message(st));
    dlpjet_error_free(err);
}

int main(int argc, char **argv) {
    dlpjet_scanner *scanner = NULL;
    dlpjet_error *err = NULL;
    dlpjet_status st = argc > 1 ? dlpjet_scanner_from_file(argv[1], argc > 2 ? argv[2] : NULL, &scanner, &err)
                                : dlpjet_scanner_new(NULL, 0, NULL, &scanner, &err);
    if (st != DLPJET_OK) {
        report(st, err);
        return 2;
    }
    dlpjet_stream *stream = NULL;
    st = dlpjet_stream_new(scanner, DLPJET_INBOUND, &stream, &err);
    if (st != DLPJET_OK) {
        report(st, err);
        dlpjet_scanner_free(scanner);
        return 2;
    }
    unsigned char chunk[4096];
    const uint8_t *out;
    size_t n, got;
    int code = 0;
    while ((got = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
        st = dlpjet_stream_push(stream, chunk, got, &out, &n, &err);
        if (n) fwrite(out, 1, n, stdout);
        if (st != DLPJET_OK) break;
    }
    if (st == DLPJET_OK) {
        st = dlpjet_stream_finish(stream, &out, &n, NULL, &err);
        if (n) fwrite(out, 1, n, stdout);
    }
    if (st == DLPJET_BLOCKED) {
        report(st, err);
        code = 3;
    } else if (st != DLPJET_OK) {
        report(st, err);
        code = 2;
    } else if (ferror(stdin)) {
        fprintf(stderr, "redact_filter: read error\n");
        code = 2;
    }
    dlpjet_stream_free(stream);
    dlpjet_scanner_free(scanner);
    return code;
}
