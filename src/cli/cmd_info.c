/* snig info: what a file holds, and whether its checksums hold. */
#include "commands.h"

#include <stdio.h>
#include <string.h>

static const char info_help[] =
    "usage: snig info FILE\n"
    "\n"
    "Prints the kind (network or inputs), N, L or rows, nonzeros, the index\n"
    "width and, for binary files, whether every checksum holds (exit 2 when\n"
    "one does not).\n";

int snig_cmd_info(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(info_help, stdout);
        return SNIG_EXIT_OK;
    }
    if (argc != 2 || argv[1][0] == '-')
        return cli_usage_error("info", "expects exactly one FILE");
    snig_ctx *ctx = NULL;
    if (cli_ctx_new("info", &ctx) != 0)
        return SNIG_EXIT_ERROR;
    snig_file_info fi;
    int code = SNIG_EXIT_OK;
    if (snig_file_info_get(ctx, argv[1], &fi) != SNIG_OK) {
        code = cli_fail("info", ctx);
        goto cleanup;
    }
    printf("file        %s\n", argv[1]);
    printf("kind        %s (%s)\n", fi.kind, fi.format);
    printf("neurons     %u\n", fi.neurons);
    if (strcmp(fi.kind, "network") == 0)
        printf("layers      %u\n", fi.layers);
    else
        printf("rows        %llu\n", (unsigned long long)fi.rows);
    printf("nonzeros    %llu\n", (unsigned long long)fi.nonzeros);
    printf("index bits  %d\n", fi.index_bits);
    if (strcmp(fi.kind, "network") == 0) {
        if (fi.has_bias)
            printf("bias        %g%s\n", (double)fi.bias,
                   fi.per_neuron_bias ? " (per neuron)" : "");
        else
            printf("bias        none recorded\n");
        printf("values      %s\n", fi.uniform_values ? "uniform (no value arrays)"
                                                      : "stored");
    }
    printf("checksums   %s\n", fi.checksums_ok > 0    ? "all hold"
                               : fi.checksums_ok == 0 ? "FAILED"
                                                      : "none (text file)");
    if (fi.checksums_ok == 0)
        code = SNIG_EXIT_ERROR;
cleanup:
    cli_ctx_free(&ctx);
    return code;
}
