/* Removing the temporaries of dead writers of a path (stale_tmp.h). */
#define _DEFAULT_SOURCE
#include "stale_tmp.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* 1 when a process with this id may be running (kill(pid, 0) says it
 * exists, or that it exists but is not ours). */
static int alive(long pid)
{
    if (pid <= 0 || pid == (long)getpid())
        return 1;
    return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

/* The process id of a name "BASE.tmp.PID" or "BASE.tmp.PID.REST", else 0. */
static long owner(const char *name, const char *base, size_t blen)
{
    if (strncmp(name, base, blen) != 0 || strncmp(name + blen, ".tmp.", 5) != 0)
        return 0;
    const char *p = name + blen + 5;
    char *end = NULL;
    if (*p < '1' || *p > '9')
        return 0;
    long pid = strtol(p, &end, 10);
    if (*end != '\0' && *end != '.')
        return 0;
    return pid;
}

static void remove_folder(const char *dir)
{
    DIR *d = opendir(dir);
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char p[4096];
            if (snprintf(p, sizeof p, "%s/%s", dir, e->d_name) < (int)sizeof p)
                unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

void snig__stale_tmp_clean(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t dlen = slash ? (size_t)(slash - path) : 1;
    if (dlen >= sizeof dir || *base == '\0')
        return;
    if (slash == NULL)
        memcpy(dir, ".", 2);
    else if (dlen == 0)
        memcpy(dir, "/", 2);
    else {
        memcpy(dir, path, dlen);
        dir[dlen] = '\0';
    }
    size_t blen = strlen(base);
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        long pid = owner(e->d_name, base, blen);
        if (pid == 0 || alive(pid))
            continue;
        char p[4096];
        if (snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= (int)sizeof p)
            continue;
        struct stat sb;
        if (lstat(p, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode))
            remove_folder(p);
        else if (S_ISREG(sb.st_mode))
            unlink(p);
    }
    closedir(d);
}
