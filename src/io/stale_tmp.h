/* Leftovers of writers that died (SIGKILL, power loss): their temporary
 * files PATH.tmp.PID and folders PATH.tmp.PID.N.  A later write of the same
 * target removes those whose process no longer runs. */
#ifndef SNIG_STALE_TMP_H
#define SNIG_STALE_TMP_H

/* Removes PATH.tmp.PID and PATH.tmp.PID.* (a folder: with the plain files
 * in it) for every PID that is not a running process.  Best effort: errors
 * are ignored, a process that runs is never touched. */
void snig__stale_tmp_clean(const char *path);

#endif
