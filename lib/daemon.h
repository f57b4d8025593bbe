#ifndef MH_DAEMON_H
#define MH_DAEMON_H
/*
 * daemon.h - what every long-running Mailhive program does at start-up:
 * refuse to run twice, detach from the terminal, record its pid.
 */
#include <stdbool.h>

/* pid_file_busy - a live process other than us holds the pid file */
bool pid_file_busy(const char *path);
/* pid_file_write - write our pid; fatal on failure */
void pid_file_write(const char *path);
/* daemon_detach - fork twice, new session, stdio to /dev/null; the
 * caller continues in the grandchild */
void daemon_detach(void);

#endif
