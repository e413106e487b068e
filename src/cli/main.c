/* snig: the command-line client.  A thin layer over include/snig.h. */
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    fprintf(out, "\n'snig COMMAND --help' or 'snig help COMMAND' describes a "
                 "command's options.\n\nExit status: 0 done (run: and passed "
                 "the truth), 1 run failed against the\ntruth, 2 usage, input "
                 "or other error, 130/143 interrupted (SIGINT/SIGTERM).\n");
}

/* Exit status 1 means "ran and failed against the truth", so no other path
 * may end the process with it.  A library that ends the process by itself
 * (libgomp calls exit(1) when it cannot start its threads, for example
 * under a tight memory limit) is turned into exit status 2 here: main sets
 * `finished` before it returns, so an exit before that is unexpected. */
static volatile int finished;

static void on_unexpected_exit(void)
{
    if (finished)
        return;
    static const char msg[] =
        "snig: ended early by a library's fatal error (above), exit status 2\n";
    fflush(NULL);
    if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0) {
        /* nothing more can be said */
    }
    _exit(SNIG_EXIT_ERROR);
}

static int command(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return SNIG_EXIT_ERROR;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        (strcmp(argv[1], "help") == 0 && argc == 2)) {
        usage(stdout);
        return SNIG_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("snig %s\n", SNIG_VERSION);
        return SNIG_EXIT_OK;
    }
    /* snig help CMD [SUB]: the command's own --help. */
    const int help = strcmp(argv[1], "help") == 0;
    const char *name = help ? argv[2] : argv[1];
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(name, commands[i].name) != 0)
            continue;
        if (!help)
            return commands[i].run(argc - 1, argv + 1);
        char *sub[4] = {argv[2], NULL, NULL, NULL};
        int n = 1;
        if (argc > 3)   /* snig help generate network */
            sub[n++] = argv[3];
        sub[n++] = "--help";
        return commands[i].run(n, sub);
    }
    fprintf(stderr, "snig: unknown command '%s'\n\n", name);
    usage(stderr);
    return SNIG_EXIT_ERROR;
}

int main(int argc, char **argv)
{
    atexit(on_unexpected_exit);
    int code = cli_exit_code(command(argc, argv));
    fflush(NULL);
    finished = 1;
    return code;
}
