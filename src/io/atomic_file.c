#define _POSIX_C_SOURCE 200809L
#include "atomic_file.h"
#include "stale_tmp.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Symbolic links followed at most (as the kernel's ELOOP limit). */
#define MAX_LINKS 40

static char *dup_str(snig_ctx *ctx, const char *s, size_t n)
{
    char *p = snig__malloc(ctx, n + 1);
    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* The path a write to `path` lands on: symbolic links followed one by one,
 * also a dangling one (its target is the file to create).  out: *target,
 * allocated.  Sets a message on failure. */
static snig_status follow_links(snig_ctx *ctx, const char *path, char **target)
{
    char *cur = dup_str(ctx, path, strlen(path));
    char link[PATH_MAX];
    if (cur == NULL)
        return SNIG_NOMEM;
    for (int hops = 0;; hops++) {
        struct stat st;
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
            break;
        if (hops == MAX_LINKS) {
            snig__free(ctx, cur);
            return snig__error(ctx, SNIG_IO, "%s: too many symbolic links",
                               path);
        }
        ssize_t n = readlink(cur, link, sizeof link - 1);
        if (n < 0) {
            snig_status s = snig__error(ctx, SNIG_IO, "%s: cannot read the "
                                        "link: %s", path, strerror(errno));
            snig__free(ctx, cur);
            return s;
        }
        link[n] = '\0';
        /* A relative link is relative to the folder holding it. */
        const char *slash = strrchr(cur, '/');
        size_t dir = link[0] != '/' && slash != NULL ? (size_t)(slash - cur) + 1
                                                     : 0;
        char *next = snig__malloc(ctx, dir + (size_t)n + 1);
        if (next == NULL) {
            snig__free(ctx, cur);
            return SNIG_NOMEM;
        }
        memcpy(next, cur, dir);
        memcpy(next + dir, link, (size_t)n + 1);
        snig__free(ctx, cur);
        cur = next;
    }
    *target = cur;
    return SNIG_OK;
}

/* Writes straight into fd (standard output, a device, a FIFO). */
static snig_status open_direct(snig_ctx *ctx, snig_atomic_file *af, int fd)
{
    if (fd < 0)
        return snig__error(ctx, SNIG_IO, "%s: cannot open for writing: %s",
                           af->path, strerror(errno));
    af->f = fdopen(fd, "wb");
    if (af->f == NULL) {
        int err = errno;
        close(fd);
        return snig__error(ctx, SNIG_IO, "%s: cannot open for writing: %s",
                           af->path, strerror(err));
    }
    return SNIG_OK;
}

/* A new temporary file next to the target, with the target's permission
 * bits when it exists. */
static snig_status open_temporary(snig_ctx *ctx, snig_atomic_file *af,
                                  const struct stat *old)
{
    size_t n = strlen(af->target);
    af->tmp = snig__malloc(ctx, n + 32);
    if (af->tmp == NULL)
        return SNIG_NOMEM;
    snig__stale_tmp_clean(af->target);   /* temporaries of writers that died */
    snprintf(af->tmp, n + 32, "%s.tmp.%ld", af->target, (long)getpid());
    int fd = -1;
    for (int tries = 0; fd < 0 && tries < 2; tries++) {
        /* O_EXCL: never write through something planted at that name; a
         * leftover of an earlier process with our pid is removed once. */
        fd = open(af->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno == EEXIST && tries == 0)
            unlink(af->tmp);
        else if (fd < 0)
            break;
    }
    if (fd < 0) {
        snig_status s = snig__error(ctx, SNIG_IO, "%s: cannot create: %s",
                                    af->path, strerror(errno));
        snig__free(ctx, af->tmp);
        af->tmp = NULL;
        return s;
    }
    if (old != NULL)
        (void)fchmod(fd, old->st_mode & 07777);
    af->f = fdopen(fd, "wb");
    if (af->f == NULL) {
        int err = errno;
        close(fd);
        return snig__error(ctx, SNIG_IO, "%s: cannot create: %s", af->path,
                           strerror(err));
    }
    return SNIG_OK;
}

snig_status snig__atomic_open(snig_ctx *ctx, const char *path,
                              snig_atomic_file *af)
{
    memset(af, 0, sizeof *af);
    snig_status st = SNIG_OK;
    af->path = dup_str(ctx, path, strlen(path));
    if (af->path == NULL) {
        st = SNIG_NOMEM;
        goto cleanup;
    }
    if (strcmp(path, "-") == 0) {
        fflush(stdout);   /* what the program printed comes first */
        st = open_direct(ctx, af, dup(STDOUT_FILENO));
        goto cleanup;
    }
    st = follow_links(ctx, path, &af->target);
    if (st != SNIG_OK)
        goto cleanup;
    struct stat sb;
    if (stat(af->target, &sb) != 0) {
        st = open_temporary(ctx, af, NULL);
    } else if (S_ISDIR(sb.st_mode)) {
        st = snig__error(ctx, SNIG_IO, "%s: is a directory, not a file",
                         path);
    } else if (S_ISREG(sb.st_mode)) {
        st = open_temporary(ctx, af, &sb);
    } else {
        /* A device or a FIFO: renaming over it would replace it with a
         * regular file (as root, /dev/full itself). */
        st = open_direct(ctx, af, open(af->target,
                                       O_WRONLY | O_NOCTTY | O_CLOEXEC));
    }
cleanup:
    if (st != SNIG_OK)
        snig__atomic_abort(ctx, af);
    return st;
}

snig_status snig__atomic_commit(snig_ctx *ctx, snig_atomic_file *af)
{
    snig_status st = SNIG_OK;
    int failed_before = ferror(af->f);
    errno = 0;
    /* fflush first: after an earlier failed write it fails again and says
     * why (ENOSPC). */
    int bad = fflush(af->f) != 0 || failed_before ||
              (af->tmp != NULL && fsync(fileno(af->f)) != 0);
    int err = errno;
    if (fclose(af->f) != 0 && !bad) {
        bad = 1;
        err = errno;
    }
    af->f = NULL;
    if (bad) {
        st = snig__error(ctx, SNIG_IO, "%s: cannot write: %s", af->path,
                         err ? strerror(err) : "write error");
    } else if (af->tmp != NULL && rename(af->tmp, af->target) != 0) {
        st = snig__error(ctx, SNIG_IO, "%s: cannot rename into place: %s",
                         af->path, strerror(errno));
    }
    if (st != SNIG_OK) {
        snig__atomic_abort(ctx, af);
        return st;
    }
    snig__free(ctx, af->tmp);
    snig__free(ctx, af->target);
    snig__free(ctx, af->path);
    memset(af, 0, sizeof *af);
    return SNIG_OK;
}

void snig__atomic_abort(snig_ctx *ctx, snig_atomic_file *af)
{
    if (af->f != NULL)
        fclose(af->f);
    if (af->tmp != NULL)
        unlink(af->tmp);
    snig__free(ctx, af->tmp);
    snig__free(ctx, af->target);
    snig__free(ctx, af->path);
    memset(af, 0, sizeof *af);
}
