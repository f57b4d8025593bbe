#ifndef MH_WEB_SERVER_H
#define MH_WEB_SERVER_H
/*
 * web-server.h - a portal's process: a master that owns the FastCGI
 * socket and pre-forks single-threaded workers, restarting any that die.
 *
 *   PROG [-c CONFFILE] [-d] [-s SOCKET]
 *     -c  configuration file (default: $MAILHIVE_CONF, else built-in
 *         defaults)
 *     -d  daemonize: log to <log_dir>/<name>.log
 *     -s  socket path (default <run_dir>/<name>.sock)
 *
 * The master writes <run_dir>/<name>.pid, creates the socket mode 0660,
 * and on SIGTERM or SIGINT stops the workers (each finishes the request it
 * is serving), removes socket and pid file and exits 0. Workers are
 * single-threaded because ClearSilver's CGI layer and GMime keep global
 * state (DEPS.md).
 */
struct web_app;

int web_server_main(int argc, char **argv, struct web_app *app);

#endif
