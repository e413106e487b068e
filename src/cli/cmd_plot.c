/* snig plot: where the time goes, as a picture.  Reads the JSON objects
 * that `snig run --json` prints (one or several files, one object per
 * line) and draws, through gnuplot, the rows alive, the multiply-adds done
 * and the seconds spent per layer, one line per run, on one picture
 * written as SVG and PNG. */
#define _GNU_SOURCE
#include "commands.h"

#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static const char plot_help[] =
    "usage: snig plot [--out PREFIX] [--title TEXT] [--label TEXT]... "
    "RUN.json...\n"
    "\n"
    "Draws the per-layer arrays of 'snig run --json' outputs (one object per\n"
    "line; several files or lines give several runs on one picture): rows\n"
    "still alive, multiply-adds done and seconds spent (summed over threads)\n"
    "after each layer.  Writes PREFIX.svg and PREFIX.png (default prefix:\n"
    "snig-plot) through gnuplot (Debian package gnuplot-nox).\n"
    "\n"
    "  --out PREFIX   output files PREFIX.svg and PREFIX.png\n"
    "  --title TEXT   the picture's title\n"
    "  --label TEXT   the name of the next run in the key (default: engine,\n"
    "                 mode and file name)\n";

#define PLOT_RUNS_MAX 16

typedef struct plot_run {
    char label[160];
    size_t layers;
    double *seconds, *live, *madds;
} plot_run;

/* The text after "key": in a JSON object, or NULL. */
static const char *json_find(const char *obj, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(obj, pat);
    if (p == NULL)
        return NULL;
    p += strlen(pat);
    while (*p == ' ')
        p++;
    return p;
}

/* A JSON array of numbers ("null" or absent: *out NULL, n 0).  Returns -1
 * on a malformed array. */
static int json_numbers(const char *obj, const char *key, double **out,
                        size_t *n)
{
    *out = NULL;
    *n = 0;
    const char *p = json_find(obj, key);
    if (p == NULL || strncmp(p, "null", 4) == 0)
        return 0;
    if (*p != '[')
        return -1;
    size_t cap = 0;
    p++;
    while (*p == ' ')
        p++;
    while (*p != ']') {
        char *end;
        errno = 0;
        double v = strtod(p, &end);
        if (end == p || errno != 0)
            goto bad;
        if (*n == cap) {
            cap = cap ? 2 * cap : 128;
            double *grown = realloc(*out, cap * sizeof *grown);
            if (grown == NULL)
                goto bad;
            *out = grown;
        }
        (*out)[(*n)++] = v;
        p = end;
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == '\0')
            goto bad;
    }
    return 0;
bad:
    free(*out);
    *out = NULL;
    *n = 0;
    return -1;
}

static void json_string(const char *obj, const char *key, char *buf,
                        size_t len)
{
    const char *p = json_find(obj, key);
    buf[0] = '\0';
    if (p == NULL || *p != '"')
        return;
    p++;
    size_t k = 0;
    while (*p != '\0' && *p != '"' && k + 1 < len)
        buf[k++] = *p++;
    buf[k] = '\0';
}

static void run_free(plot_run *r)
{
    free(r->seconds);
    free(r->live);
    free(r->madds);
    memset(r, 0, sizeof *r);
}

/* One line of a --json output into *r; returns 0, or prints and returns 2. */
static int parse_run(const char *path, unsigned line, const char *obj,
                     const char *label, plot_run *r)
{
    size_t ns = 0, nl = 0, nm = 0;
    memset(r, 0, sizeof *r);
    if (json_numbers(obj, "layer_seconds", &r->seconds, &ns) != 0 ||
        json_numbers(obj, "live_rows", &r->live, &nl) != 0 ||
        json_numbers(obj, "layer_madds", &r->madds, &nm) != 0) {
        fprintf(stderr, "snig plot: %s:%u: malformed per-layer array\n", path,
                line);
        run_free(r);
        return SNIG_EXIT_ERROR;
    }
    if (ns == 0 && nl == 0) {
        fprintf(stderr, "snig plot: %s:%u: no per-layer arrays (layer_seconds, "
                "live_rows): a 'snig run --json' output of an engine that "
                "counts them?\n", path, line);
        run_free(r);
        return SNIG_EXIT_ERROR;
    }
    r->layers = ns > nl ? ns : nl;
    if ((ns && ns != r->layers) || (nl && nl != r->layers) ||
        (nm && nm != r->layers)) {
        fprintf(stderr, "snig plot: %s:%u: per-layer arrays of different "
                "lengths\n", path, line);
        run_free(r);
        return SNIG_EXIT_ERROR;
    }
    if (label != NULL) {
        snprintf(r->label, sizeof r->label, "%s", label);
    } else {
        char engine[32];
        json_string(obj, "engine", engine, sizeof engine);
        const char *sc = json_find(obj, "shortcuts");
        const char *shortcuts = sc != NULL && strncmp(sc, "false", 5) == 0
                                    ? "faithful" : "default";
        const char *base = strrchr(path, '/');
        snprintf(r->label, sizeof r->label, "%s %s (%s)",
                 engine[0] ? engine : "?", shortcuts, base ? base + 1 : path);
    }
    /* gnuplot strings: no quotes or backslashes */
    for (char *c = r->label; *c; c++)
        if (*c == '"' || *c == '\\')
            *c = '\'';
    return 0;
}

/* Reads every object of one file; returns 0 or 2 (message printed). */
static int read_runs(const char *path, const char *label, plot_run *runs,
                     int *nruns)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "snig plot: %s: %s\n", path, strerror(errno));
        return SNIG_EXIT_ERROR;
    }
    char *line = NULL;
    size_t cap = 0;
    unsigned no = 0;
    int code = 0, found = 0;
    while (code == 0 && getline(&line, &cap, f) > 0) {
        no++;
        if (strchr(line, '{') == NULL)
            continue;
        if (*nruns == PLOT_RUNS_MAX) {
            fprintf(stderr, "snig plot: more than %d runs\n", PLOT_RUNS_MAX);
            code = SNIG_EXIT_ERROR;
            break;
        }
        code = parse_run(path, no, line, found == 0 ? label : NULL,
                         &runs[*nruns]);
        if (code == 0) {
            (*nruns)++;
            found++;
        }
    }
    if (code == 0 && found == 0) {
        fprintf(stderr, "snig plot: %s: no JSON object\n", path);
        code = SNIG_EXIT_ERROR;
    }
    free(line);
    fclose(f);
    return code;
}

/* One gnuplot data block per run and quantity: "layer value" lines (values
 * of 0 are left out: the axes are logarithmic). */
static void write_block(FILE *g, const char *name, int run, const double *v,
                        size_t n, double scale)
{
    fprintf(g, "$%s%d << EOD\n", name, run);
    for (size_t l = 0; v != NULL && l < n; l++)
        if (v[l] > 0)
            fprintf(g, "%zu %.9g\n", l + 1, v[l] * scale);
    fprintf(g, "EOD\n");
}

static void write_panel(FILE *g, const char *name, const char *ylabel,
                        const plot_run *runs, int nruns, bool key)
{
    fprintf(g, "set ylabel \"%s\"\n%s\nplot ", ylabel,
            key ? "set key inside right top opaque box" : "unset key");
    for (int r = 0; r < nruns; r++)
        fprintf(g, "%s$%s%d using 1:2 with linespoints ls %d title \"%s\"",
                r ? ", " : "", name, r, r + 1, runs[r].label);
    fprintf(g, "\n");
}

/* The gnuplot program for one terminal. */
static void write_script(FILE *g, const char *terminal, const char *out,
                         const char *title, const plot_run *runs, int nruns)
{
    size_t layers = 0;
    for (int r = 0; r < nruns; r++)
        layers = runs[r].layers > layers ? runs[r].layers : layers;
    fprintf(g, "set terminal %s\nset output \"%s\"\n", terminal, out);
    for (int r = 0; r < nruns; r++) {
        write_block(g, "live", r, runs[r].live, runs[r].layers, 1);
        write_block(g, "madds", r, runs[r].madds, runs[r].layers, 1);
        write_block(g, "ms", r, runs[r].seconds, runs[r].layers, 1e3);
    }
    fprintf(g, "set multiplot layout 3,1 title \"%s\"\n", title);
    fprintf(g, "set logscale y\nset grid\nset xrange [0.5:%zu.5]\n"
               "set lmargin 12\nset format y '%%g'\n", layers);
    fprintf(g, "set style line 1 lc rgb '#1f77b4' pt 7 ps 0.4\n"
               "set style line 2 lc rgb '#d62728' pt 5 ps 0.4\n"
               "set style line 3 lc rgb '#2ca02c' pt 9 ps 0.4\n"
               "set style line 4 lc rgb '#9467bd' pt 11 ps 0.4\n"
               "set style line 5 lc rgb '#ff7f0e' pt 13 ps 0.4\n");
    fprintf(g, "set format x ''\n");
    write_panel(g, "live", "rows alive", runs, nruns, true);
    write_panel(g, "madds", "multiply-adds", runs, nruns, false);
    fprintf(g, "set format x '%%g'\nset xlabel \"layer\"\n");
    write_panel(g, "ms", "milliseconds (all threads)", runs, nruns, false);
    fprintf(g, "unset multiplot\nset output\n");
}

/* Runs gnuplot on the script for each picture; the files appear only when
 * both are complete. */
static int draw(const char *prefix, const char *title, const plot_run *runs,
                int nruns)
{
    static const char *const kinds[2][2] = {
        {"svg", "svg size 1000,900 dynamic background rgb 'white'"},
        {"png", "pngcairo size 1000,900"}};
    char tmp[2][4096], final[2][4096];
    int code = SNIG_EXIT_OK;
    for (int k = 0; k < 2; k++) {
        snprintf(final[k], sizeof final[k], "%s.%s", prefix, kinds[k][0]);
        snprintf(tmp[k], sizeof tmp[k], "%s.%s.tmp", prefix, kinds[k][0]);
    }
    for (int k = 0; k < 2 && code == SNIG_EXIT_OK; k++) {
        FILE *g = popen("gnuplot 2>&1", "w");
        if (g == NULL) {
            fprintf(stderr, "snig plot: cannot run gnuplot: %s\n",
                    strerror(errno));
            code = SNIG_EXIT_ERROR;
            break;
        }
        write_script(g, kinds[k][1], tmp[k], title, runs, nruns);
        int st = pclose(g);
        if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "snig plot: gnuplot failed on %s%s\n", final[k],
                    WIFEXITED(st) && WEXITSTATUS(st) == 127
                        ? " (not installed? Debian: apt-get install gnuplot-nox)"
                        : "");
            code = SNIG_EXIT_ERROR;
        }
    }
    for (int k = 0; k < 2; k++) {
        if (code == SNIG_EXIT_OK && rename(tmp[k], final[k]) != 0) {
            fprintf(stderr, "snig plot: %s: %s\n", final[k], strerror(errno));
            code = SNIG_EXIT_ERROR;
        }
        if (code != SNIG_EXIT_OK) {
            remove(tmp[k]);
            remove(final[k]);
        }
    }
    if (code == SNIG_EXIT_OK)
        printf("wrote %s and %s (%d run%s)\n", final[0], final[1], nruns,
               nruns == 1 ? "" : "s");
    return code;
}

int snig_cmd_plot(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},
        {"title", required_argument, NULL, 't'},
        {"label", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *prefix = "snig-plot", *title = "snig: per layer";
    const char *labels[PLOT_RUNS_MAX] = {0};
    int nlabels = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'o': prefix = optarg; break;
        case 't': title = optarg; break;
        case 'l':
            if (nlabels == PLOT_RUNS_MAX)
                return cli_usage_error("plot", "more than %d --label",
                                       PLOT_RUNS_MAX);
            labels[nlabels++] = optarg;
            break;
        case 'h': fputs(plot_help, stdout); return SNIG_EXIT_OK;
        default:
            return cli_usage_error("plot", "unknown or incomplete option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("plot", "give at least one RUN.json");
    if (strchr(title, '"') != NULL || strchr(title, '\\') != NULL)
        return cli_usage_error("plot", "--title may not hold quotes or "
                                       "backslashes");
    plot_run runs[PLOT_RUNS_MAX];
    int nruns = 0, code = SNIG_EXIT_OK;
    for (int a = optind; a < argc && code == SNIG_EXIT_OK; a++)
        code = read_runs(argv[a], a - optind < nlabels ? labels[a - optind]
                                                       : NULL,
                         runs, &nruns);
    if (code == SNIG_EXIT_OK)
        code = draw(prefix, title, runs, nruns);
    for (int r = 0; r < nruns; r++)
        run_free(&runs[r]);
    return code;
}
