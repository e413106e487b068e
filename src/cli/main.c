/* snig: the command-line client.  A thin layer over include/snig.h. */
#include "commands.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"run", snig_cmd_run, "run a network on inputs, check against a truth"},
    {"convert", snig_cmd_convert, "write a network or inputs in snig's binary format"},
    {"info", snig_cmd_info, "describe a network or input file, check its checksums"},
    {"generate", snig_cmd_generate, "make RadiX-Net networks and inputs from images"},
    {"plot", snig_cmd_plot, "draw per-layer rows alive and seconds of 'run --json' outputs"},
};

static void usage(FILE *out)
{
    fprintf(out, "snig %s: sparse deep neural network inference "
                 "(Sparse DNN Graph Challenge)\n\nusage: snig COMMAND [options]"
                 "\n\ncommands:\n", SNIG_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'snig COMMAND --help' describes a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return SNIG_EXIT_ERROR;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return SNIG_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("snig %s\n", SNIG_VERSION);
        return SNIG_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "snig: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return SNIG_EXIT_ERROR;
}
