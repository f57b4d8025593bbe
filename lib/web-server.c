/*
 * web-server.c - pre-forked FastCGI server for one portal.
 *
 *   master: load config -> open socket -> fork N workers -> wait:
 *     a worker died     -> start another (1 s back-off if it died young)
 *     SIGTERM/SIGINT    -> SIGTERM the workers, wait (SIGKILL after 10 s),
 *                          unlink socket and pid file, exit 0
 *   worker: connect to PostgreSQL -> accept -> handle -> finish -> ...
 *     SIGTERM while waiting in accept exits at once; while serving, after
 *     the response is sent.
 *
 * SECURITY: the socket is 0660 so only our own user (nginx runs as it)
 * can hand us requests and set REMOTE_ADDR.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "cfg.h"
#include "daemon.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "pwhash.h"
#include "token.h"
#include "web-cs.h"
#include "web-i18n.h"
#include "web-portal.h"
#include "web-req.h"
#include "web-server.h"

#define WEB_MAX_WORKERS 64
#define WEB_HEADERS_MAX (64 * 1024)
#define WEB_BODY_MAX (64 * 1024 * 1024)
#define WEB_STOP_WAIT 10	/* seconds before SIGKILL */

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t worker_busy;
static volatile sig_atomic_t child_died;

static char *loadpaths[3];

/* ==== worker ========================================================== */

static void worker_on_term(int sig)
{
	(void)sig;
	if (!worker_busy)
		_exit(0);
	stop_requested = 1;
}

static void hdf_cleanup(void *arg)
{
	HDF *hdf = arg;

	wcs_hdf_free(&hdf);
}

static const char *param_or(FCGX_Request *fr, const char *name,
			    const char *def)
{
	const char *v = FCGX_GetParam(name, fr->envp);

	return v != NULL && v[0] != '\0' ? v : def;
}

/* handle - one request from accept to the last byte of the response */
static void handle(FCGX_Request *fr, const struct web_app *app)
{
	struct pool *pool = pool_new("request", 16384);
	struct web_req *req = p_new(pool, struct web_req, 1);
	const char *https = param_or(fr, "HTTPS", "");

	req->pool = pool;
	req->fcgi = fr;
	req->app = app;
	req->method = param_or(fr, "REQUEST_METHOD", "GET");
	req->path = param_or(fr, "PATH_INFO", "/");
	req->base = param_or(fr, "SCRIPT_NAME", "");
	if (strcmp(req->base, "/") == 0)
		req->base = "";
	req->client_ip = param_or(fr, "REMOTE_ADDR", "");
	req->user_agent = param_or(fr, "HTTP_USER_AGENT", "");
	req->https = cfg.http_tls || strcmp(https, "on") == 0;
	form_init(&req->query);
	form_init(&req->post);
	form_init(&req->cookies);
	req->headers = buf_new_pool(pool, WEB_HEADERS_MAX);
	req->body = buf_new_pool(pool, WEB_BODY_MAX);
	req->status = 500;
	req->content_type = "text/plain; charset=utf-8";
	req->hdf = wcs_hdf_new((const char *const *)loadpaths);
	if (req->hdf == NULL) {
		if (buf_append_str(req->body, "Internal error\n") < 0)
			panic("response body over its limit");
	} else {
		pool_cleanup_add(pool, hdf_cleanup, req->hdf);
		web_portal_handle(req);
	}
	web_send(req);
	log_debug("event=request method=%s path=%s status=%d",
		  log_quote(req->method), log_quote(req->path), req->status);
	pool_destroy(&pool);
}

static void worker_main(int listen_fd, const struct web_app *app)
{
	struct sigaction sa;
	FCGX_Request fr;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = worker_on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	{
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
	}
	if (db_init(cfg.db_conninfo_resolved) < 0)
		log_warn("event=db_unavailable error=%s", log_quote(db_error()));
	if (FCGX_InitRequest(&fr, listen_fd, 0) != 0)
		fatal("event=startup error=\"FCGX_InitRequest failed\"");
	while (!stop_requested) {
		if (FCGX_Accept_r(&fr) < 0) {
			if (errno == EINTR && !stop_requested)
				continue;
			break;
		}
		worker_busy = 1;
		handle(&fr, app);
		FCGX_Finish_r(&fr);
		worker_busy = 0;
	}
	db_close();
	_exit(0);
}

/* ==== master ========================================================== */

static void master_on_signal(int sig)
{
	if (sig == SIGCHLD)
		child_died = 1;
	else
		stop_requested = 1;
}

static pid_t start_worker(int listen_fd, const struct web_app *app)
{
	pid_t pid = fork();

	if (pid < 0) {
		log_error("event=fork_failed error=%s", strerror(errno));
		return -1;
	}
	if (pid == 0)
		worker_main(listen_fd, app);
	return pid;
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-c CONFFILE] [-d] [-s SOCKET]\n", prog);
	exit(2);
}

int web_server_main(int argc, char **argv, struct web_app *app)
{
	const char *conf = getenv("MAILHIVE_CONF");
	const char *socket_path = NULL;
	char *error, pid_path[4096], lang_dir[4096], log_path[4096];
	pid_t workers[WEB_MAX_WORKERS];
	unsigned int nworkers, i;
	time_t started[WEB_MAX_WORKERS];
	struct sigaction sa;
	sigset_t block, old;
	struct pool *proc_pool;
	bool detach = false;
	int opt, listen_fd;

	while ((opt = getopt(argc, argv, "c:ds:")) != -1) {
		switch (opt) {
		case 'c': conf = optarg; break;
		case 'd': detach = true; break;
		case 's': socket_path = optarg; break;
		default: usage(argv[0]);
		}
	}
	if (optind != argc)
		usage(argv[0]);
	log_init(app->name, LOG_INFO);
	if (conf != NULL && conf[0] == '\0')
		conf = NULL;
	if (cfg_load(conf, &error) < 0)
		fatal("event=config_error error=%s", log_quote(error));
	if (strcmp(cfg.log_level, "debug") == 0)
		log_init(app->name, LOG_DEBUG);
	token_init();
	wcs_init();
	pw_set_params(cfg.pw_opslimit, (size_t)cfg.pw_memlimit);
	if (app->role == AUTH_ROLE_USER) {
		app->idle_timeout = cfg.session_user_idle;
		app->absolute_timeout = cfg.session_user_absolute;
	} else {
		app->idle_timeout = cfg.session_admin_idle;
		app->absolute_timeout = cfg.session_admin_absolute;
	}
	snprintf(lang_dir, sizeof(lang_dir), "%s/lang", cfg.templates_dir);
	if (i18n_load(lang_dir) < 0)
		fatal("event=startup error=\"cannot load language files from %s\"",
		      lang_dir);
	proc_pool = pool_new("process", 4096);
	loadpaths[0] = p_printf(proc_pool, "%s/%s", cfg.templates_dir,
				app->name);
	loadpaths[1] = p_printf(proc_pool, "%s/common", cfg.templates_dir);
	loadpaths[2] = NULL;

	if (mkdir(cfg.run_dir, 0755) < 0 && errno != EEXIST)
		fatal("event=startup error=\"%s: %s\"", cfg.run_dir,
		      strerror(errno));
	snprintf(pid_path, sizeof(pid_path), "%s/%s.pid", cfg.run_dir,
		 app->name);
	if (pid_file_busy(pid_path))
		fatal("event=startup error=\"already running (%s)\"", pid_path);
	if (socket_path == NULL)
		socket_path = p_printf(proc_pool, "%s/%s.sock", cfg.run_dir,
				       app->name);
	if (detach) {
		if (mkdir(cfg.log_dir, 0755) < 0 && errno != EEXIST)
			fatal("event=startup error=\"%s: %s\"", cfg.log_dir,
			      strerror(errno));
		snprintf(log_path, sizeof(log_path), "%s/%s.log", cfg.log_dir,
			 app->name);
		if (log_open_file(log_path) < 0)
			fatal("event=startup error=\"%s: %s\"", log_path,
			      strerror(errno));
		daemon_detach();
	}
	if (FCGX_Init() != 0)
		fatal("event=startup error=\"FCGX_Init failed\"");
	{
		mode_t old_mask = umask(0117);

		listen_fd = FCGX_OpenSocket(socket_path, 128);
		umask(old_mask);
	}
	if (listen_fd < 0)
		fatal("event=startup error=\"cannot listen on %s\"", socket_path);
	pid_file_write(pid_path);

	/* signals arrive only while the master sleeps in sigsuspend */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = master_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	nworkers = cfg.http_workers;
	if (nworkers < 1)
		nworkers = 1;
	if (nworkers > WEB_MAX_WORKERS)
		nworkers = WEB_MAX_WORKERS;
	for (i = 0; i < nworkers; i++) {
		workers[i] = start_worker(listen_fd, app);
		started[i] = time(NULL);
	}
	log_info("event=started socket=%s workers=%u", log_quote(socket_path),
		 nworkers);
	while (!stop_requested) {
		pid_t pid;
		int status;

		sigsuspend(&old);
		if (!child_died)
			continue;
		child_died = 0;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (i = 0; i < nworkers; i++) {
				if (workers[i] != pid)
					continue;
				log_warn("event=worker_died pid=%ld status=%d",
					 (long)pid, status);
				if (stop_requested)
					break;
				if (time(NULL) - started[i] < 1)
					sleep(1);
				workers[i] = start_worker(listen_fd, app);
				started[i] = time(NULL);
			}
		}
	}
	log_info("event=stopping");
	for (i = 0; i < nworkers; i++)
		if (workers[i] > 0)
			kill(workers[i], SIGTERM);
	for (int waited = 0; waited < WEB_STOP_WAIT * 10; waited++) {
		int alive = 0;

		for (i = 0; i < nworkers; i++) {
			if (workers[i] > 0 && waitpid(workers[i], NULL,
						      WNOHANG) == 0)
				alive++;
			else
				workers[i] = 0;
		}
		if (alive == 0)
			break;
		usleep(100000);
	}
	for (i = 0; i < nworkers; i++) {
		if (workers[i] > 0) {
			kill(workers[i], SIGKILL);
			waitpid(workers[i], NULL, 0);
		}
	}
	unlink(socket_path);
	unlink(pid_path);
	log_info("event=stopped");
	return 0;
}
