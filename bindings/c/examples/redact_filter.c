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

int main(int argc, char **argv) {
    dlpjet_scanner *scanner = NULL;
    dlpjet_status st = argc > 1 ? dlpjet_scanner_from_file(argv[1], argc > 2 ? argv[2] : NULL, &scanner)
                                : dlpjet_scanner_new(NULL, 0, NULL, &scanner);
    if (st != DLPJET_OK) {
        fprintf(stderr, "redact_filter: %s\n", dlpjet_last_error());
        return 2;
    }
    dlpjet_stream *stream = NULL;
    if (dlpjet_stream_new(scanner, DLPJET_INBOUND, &stream) != DLPJET_OK) {
        fprintf(stderr, "redact_filter: %s\n", dlpjet_last_error());
        dlpjet_scanner_free(scanner);
        return 2;
    }
    unsigned char chunk[4096];
    const uint8_t *out;
    size_t n, got;
    int code = 0;
    while ((got = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
        st = dlpjet_stream_push(stream, chunk, got, &out, &n);
        if (n) fwrite(out, 1, n, stdout);
        if (st != DLPJET_OK) break;
    }
    if (st == DLPJET_OK) {
        st = dlpjet_stream_finish(stream, &out, &n, NULL);
        if (n) fwrite(out, 1, n, stdout);
    }
    if (st == DLPJET_BLOCKED) {
        fprintf(stderr, "redact_filter: %s\n", dlpjet_last_error());
        code = 3;
    } else if (st != DLPJET_OK || ferror(stdin)) {
        fprintf(stderr, "redact_filter: %s\n", st != DLPJET_OK ? dlpjet_last_error() : "read error");
        code = 2;
    }
    dlpjet_stream_free(stream);
    dlpjet_scanner_free(scanner);
    return code;
}
