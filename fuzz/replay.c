/* A fuzz target without libFuzzer: runs the target's function once on each
 * saved input, as libFuzzer does when given files.  CTest builds every
 * target with it (any compiler, the sanitizer build included) and replays
 *   REGRESSIONS/TARGET/..  the findings kept as regression cases, and
 *   CORPUS/TARGET/..       the seed corpus,
 * so a finding stays fixed and the harnesses keep working.  A regression
 * listed in REGRESSIONS/PENDING ("TARGET/NAME  why") waits for a fix being
 * made elsewhere: it is not run (unless SNIG_FUZZ_PENDING=1) and the test
 * exits 77, a skip, so the summary says so.
 * usage: fuzz_replay_TARGET TARGET REGRESSIONS CORPUS */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#if defined(__SANITIZE_ADDRESS__)
#define REPLAY_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define REPLAY_ASAN 1
#endif
#endif

/* Without AddressSanitizer (which reserves terabytes of address space) the
 * replay runs within this much: a saved input of a few KB that needs more
 * is a finding (fuzz_nomem_is_finding). */
#define REPLAY_ADDRESS_SPACE ((rlim_t)4 << 30)

extern int fuzz_nomem_is_finding;
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

/* Only libFuzzer mutates; the .snb targets' mutator refers to this. */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size)
{
    (void)data;
    (void)max_size;
    return size;
}

/* 1 when "target/name" starts a line of the PENDING file. */
static int pending(const char *list, const char *target, const char *name)
{
    char key[512];
    snprintf(key, sizeof key, "%s/%s", target, name);
    size_t n = strlen(key);
    for (const char *p = list; p != NULL && *p != '\0';) {
        if (strncmp(p, key, n) == 0 && (p[n] == ' ' || p[n] == '\t' ||
                                         p[n] == '\n' || p[n] == '\0'))
            return 1;
        p = strchr(p, '\n');
        if (p != NULL)
            p++;
    }
    return 0;
}

static char *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *more = realloc(buf, 2 * cap + 1);
            if (more == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = more;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf != NULL)
        buf[n] = '\0';
    *size = n;
    return buf;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays every file of dir (sorted); counts runs and skips. */
static int replay_dir(const char *dir, const char *target, const char *list,
                      int *runs, int *skipped)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;   /* no saved inputs for this target */
    char *names[4096];
    int count = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL && count < 4096)
        if (ent->d_name[0] != '.')
            names[count++] = strdup(ent->d_name);
    closedir(d);
    qsort(names, (size_t)count, sizeof *names, by_name);
    const char *force = getenv("SNIG_FUZZ_PENDING");
    int bad = 0;
    for (int i = 0; i < count; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (list != NULL && pending(list, target, names[i]) &&
            !(force != NULL && strcmp(force, "1") == 0)) {
            printf("pending (not run): %s\n", path);
            ++*skipped;
        } else {
            size_t size = 0;
            char *data = read_file(path, &size);
            if (data == NULL) {
                fprintf(stderr, "%s: cannot read\n", path);
                bad = 1;
            } else {
                printf("replay: %s (%zu bytes)\n", path, size);
                fflush(stdout);
                LLVMFuzzerTestOneInput((const uint8_t *)data, size);
                ++*runs;
                free(data);
            }
        }
        free(names[i]);
    }
    return bad;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s TARGET REGRESSIONS CORPUS\n", argv[0]);
        return 2;
    }
    const char *target = argv[1];
#ifndef REPLAY_ASAN
    struct rlimit lim = {REPLAY_ADDRESS_SPACE, REPLAY_ADDRESS_SPACE};
    if (setrlimit(RLIMIT_AS, &lim) == 0)
        fuzz_nomem_is_finding = 1;
#endif
    char path[1024];
    size_t size = 0;
    snprintf(path, sizeof path, "%s/PENDING", argv[2]);
    char *list = read_file(path, &size);
    int runs = 0, skipped = 0, bad = 0;
    snprintf(path, sizeof path, "%s/%s", argv[2], target);
    bad |= replay_dir(path, target, list, &runs, &skipped);
    snprintf(path, sizeof path, "%s/%s", argv[3], target);
    bad |= replay_dir(path, target, list, &runs, &skipped);
    free(list);
    if (bad || runs == 0) {
        fprintf(stderr, "fuzz_replay_%s: %s\n", target,
                bad ? "unreadable inputs" : "no inputs found");
        return 1;
    }
    if (skipped) {
        printf("fuzz_replay_%s: %d inputs clean, %d pending a fix "
               "(tests/data/fuzz-regressions/PENDING): skipped\n", target,
               runs, skipped);
        return 77;
    }
    printf("fuzz_replay_%s: %d inputs clean\n", target, runs);
    return 0;
}
