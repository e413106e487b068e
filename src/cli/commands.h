/* The subcommands of the snig CLI.  Each returns the process exit code:
 * 0 success, 1 ran but failed against the truth, 2 usage or input error. */
#ifndef SNIG_CLI_COMMANDS_H
#define SNIG_CLI_COMMANDS_H

#include "snig.h"

#include <stdint.h>

#define SNIG_EXIT_OK 0
#define SNIG_EXIT_FAILED 1
#define SNIG_EXIT_ERROR 2

int snig_cmd_run(int argc, char **argv);
int snig_cmd_convert(int argc, char **argv);
int snig_cmd_info(int argc, char **argv);
int snig_cmd_generate(int argc, char **argv);
int snig_cmd_plot(int argc, char **argv);

/* Helpers shared by the subcommands (cli_util.c). */
/* Parses a whole decimal number; 0 on success, prints an error otherwise. */
int cli_parse_u64(const char *cmd, const char *opt, const char *text,
                  uint64_t min, uint64_t max, uint64_t *out);
int cli_parse_float(const char *cmd, const char *opt, const char *text,
                    float *out);
/* Makes the command's context and lets Ctrl-C (SIGINT) and SIGTERM cancel
 * the work on it, so files being written are removed; a second signal ends
 * the process at once.  Returns 0, or prints and returns -1. */
int cli_ctx_new(const char *cmd, snig_ctx **ctx);
/* Prints the library's progress on stderr (snig_set_progress): mode 1
 * always, 0 never, -1 when stderr is a terminal; a line appears once a
 * phase has lasted two seconds. */
void cli_progress(snig_ctx *ctx, int mode);
/* Frees the context made by cli_ctx_new and restores the signals. */
void cli_ctx_free(snig_ctx **ctx);
/* The exit code once a command has returned `code`: 128 + the signal when
 * SIGINT or SIGTERM cancelled it (130, 143, as a shell reports a process
 * the signal ended), else code. */
int cli_exit_code(int code);
/* Checks, before any work, that an input file or folder exists and can be
 * read, and that an output can be written (its folder exists and is
 * writable, it is not a folder; "-" is standard output).  `opt` names the
 * option in the message.  0, or prints and returns -1. */
int cli_check_input(const char *cmd, const char *opt, const char *path);
int cli_check_output(const char *cmd, const char *opt, const char *path);
/* Prints "snig CMD: message" to stderr and returns SNIG_EXIT_ERROR. */
int cli_fail(const char *cmd, snig_ctx *ctx);
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
